/** fast-check generators shared by the RTSP property tests. */
import fc from 'fast-check';

export const tokenArb = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);

const isCtl = (ch: string): boolean => {
  const c = ch.charCodeAt(0);
  return (c < 0x20 && c !== 0x09) || c === 0x7f;
};

/** Header-safe text: any graphemes but no control characters, no surrounding whitespace. */
export const textArb = (maxLength = 30): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'grapheme', maxLength })
    .map((s) => [...s].filter((ch) => !isCtl(ch)).join(''))
    .map((s) => s.replace(/^[ \t]+|[ \t]+$/g, ''));

export const headerListArb = fc.array(
  fc.tuple(
    tokenArb.filter((n) => n.toLowerCase() !== 'content-length'),
    textArb(),
  ),
  { maxLength: 6 },
);

export const uriArb = fc.oneof(
  fc.constant('*'),
  fc.stringMatching(/^rtsp:\/\/[a-z0-9.]{1,12}(:[0-9]{1,5})?(\/[!-~]{0,20}){0,3}$/),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .filter((s) => !/\s/.test(s) && ![...s].some(isCtl)),
);

export const bodyArb = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));

export const requestArb = fc.record({
  kind: fc.constant('request' as const),
  method: tokenArb.filter((m) => !m.startsWith('$')),
  uri: uriArb,
  version: fc.constantFrom('RTSP/1.0', 'RTSP/1.1'),
  headers: headerListArb,
  body: bodyArb,
});

export const responseArb = fc.record({
  kind: fc.constant('response' as const),
  version: fc.constantFrom('RTSP/1.0', 'RTSP/1.1'),
  status: fc.integer({ min: 100, max: 999 }),
  reason: textArb(),
  headers: headerListArb,
  body: bodyArb,
});

export const frameArb = fc.record({
  kind: fc.constant('frame' as const),
  channel: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
});

export const messageArb = fc.oneof(requestArb, responseArb, frameArb);
export type MessageModel = typeof messageArb extends fc.Arbitrary<infer T> ? T : never;

/** Cuts a buffer at the given (unsorted, possibly repeated) positions. */
export function splitAt(input: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(input.subarray(from, p));
    from = p;
  }
  out.push(input.subarray(from));
  return out;
}

export const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

type Mutation =
  | { op: 'flip'; pos: number; byte: number }
  | { op: 'insert'; pos: number; bytes: Uint8Array }
  | { op: 'delete'; pos: number; len: number }
  | { op: 'dup'; pos: number; len: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('flip' as const),
    pos: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    pos: fc.nat(),
    bytes: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      fc
        .constantFrom(
          '\r\n',
          '\n',
          '$',
          ':',
          ' ',
          '\t',
          'Content-Length: 3',
          'RTSP/1.0 ',
          '"',
          ';',
          ',',
        )
        .map((s) => Buffer.from(s)),
    ),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    pos: fc.nat(),
    len: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({
    op: fc.constant('dup' as const),
    pos: fc.nat(),
    len: fc.integer({ min: 1, max: 64 }),
  }),
);

function mutate(input: Buffer, muts: Mutation[]): Buffer {
  let buf = input;
  for (const m of muts) {
    const pos = m.pos % (buf.length + 1);
    switch (m.op) {
      case 'flip':
        if (buf.length > 0) {
          buf = Buffer.from(buf);
          buf[pos % buf.length] = m.byte;
        }
        break;
      case 'insert':
        buf = Buffer.concat([buf.subarray(0, pos), m.bytes, buf.subarray(pos)]);
        break;
      case 'delete':
        buf = Buffer.concat([buf.subarray(0, pos), buf.subarray(pos + m.len)]);
        break;
      case 'dup':
        buf = Buffer.concat([buf.subarray(0, pos + m.len), buf.subarray(pos)]);
        break;
    }
  }
  return buf;
}

/** Seeds mutated by a few byte-level edits. */
export const mutatedArb = (seeds: Buffer[]): fc.Arbitrary<Buffer> =>
  fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { maxLength: 4 }))
    .map(([seed, muts]) => mutate(seed, muts));

/** Strings mutated the same way (for header parsers). */
export const mutatedStringArb = (seeds: string[]): fc.Arbitrary<string> =>
  mutatedArb(seeds.map((s) => Buffer.from(s, 'utf8'))).map((b) => b.toString('utf8'));
