import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtspHeaders, type RtspLimits } from '../../../../src/protocol/rtsp/message.js';
import {
  RtspParseError,
  RtspParser,
  maxBufferedBytes,
} from '../../../../src/protocol/rtsp/parser.js';
import {
  serializeFrame,
  serializeRequest,
  serializeResponse,
} from '../../../../src/protocol/rtsp/serialize.js';
import {
  cutsArb,
  frameArb,
  messageArb,
  mutatedArb,
  requestArb,
  responseArb,
  splitAt,
  type MessageModel,
} from './arbitraries.js';
import { BAD } from './bad-cases.js';
import { GOOD, plain, type Plain } from './cases.js';

const SEEDS = [...GOOD, ...BAD].map((c) => c.input);

function serialize(m: MessageModel): Buffer {
  switch (m.kind) {
    case 'frame':
      return serializeFrame(m.channel, m.payload);
    case 'request':
      return serializeRequest({ ...m, headers: new RtspHeaders(m.headers) });
    case 'response':
      return serializeResponse({ ...m, headers: new RtspHeaders(m.headers) });
  }
}

/** What the parser must give back for a model: Content-Length appears when there is a body. */
function expected(m: MessageModel): Plain {
  if (m.kind === 'frame')
    return { kind: 'frame', channel: m.channel, payload: m.payload.toString('hex') };
  const headers: [string, string][] = [...m.headers];
  if (m.body.length > 0) headers.push(['Content-Length', String(m.body.length)]);
  const body = m.body.toString('latin1');
  return m.kind === 'request'
    ? { kind: 'request', method: m.method, uri: m.uri, version: m.version, headers, body }
    : { kind: 'response', version: m.version, status: m.status, reason: m.reason, headers, body };
}

/** Feeds chunks; returns the messages, or the error, checking the buffered bound after each push. */
function run(chunks: Buffer[], limits?: Partial<RtspLimits>): Plain[] {
  const parser = new RtspParser(limits);
  const bound = maxBufferedBytes(limits);
  const out: Plain[] = [];
  for (const chunk of chunks) {
    out.push(...parser.push(chunk).map(plain));
    expect(parser.buffered).toBeLessThanOrEqual(bound);
  }
  return out;
}

const SMALL: Partial<RtspLimits> = {
  maxLineLength: 40,
  maxHeaderCount: 4,
  maxBodyLength: 64,
  maxFrameLength: 48,
};
const MEDIUM: Partial<RtspLimits> = {
  maxLineLength: 200,
  maxHeaderCount: 8,
  maxBodyLength: 1000,
  maxFrameLength: 100,
};

/** Chunks of bytes that tend to reach deep parser states. */
const streamishArb = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '$',
        '\r\n',
        '\n',
        '\r',
        ' ',
        '\t',
        ':',
        'RTSP/1.0 200 OK',
        'RTSP/2.0 ',
        'OPTIONS * RTSP/1.0',
        'CSeq: 3',
        'Content-Length: 5',
        'Content-Length: 99999',
        'X-Header: value',
      ),
      fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a).toString('latin1')),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

function onlyParseErrors(input: Buffer, cuts: number[], limits: Partial<RtspLimits>): void {
  try {
    run(splitAt(input, cuts), limits);
  } catch (err) {
    if (!(err instanceof RtspParseError)) throw err;
  }
}

describe('RtspParser properties', () => {
  it('random bytes in random splits: only RtspParseError, buffered stays bounded', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
          streamishArb,
        ),
        cutsArb,
        fc.constantFrom(SMALL, MEDIUM, {}),
        onlyParseErrors,
      ),
      { numRuns: 1500 },
    );
  });

  it('mutated capture-style seeds: only RtspParseError, buffered stays bounded', () => {
    fc.assert(
      fc.property(mutatedArb(SEEDS), cutsArb, fc.constantFrom(SMALL, MEDIUM, {}), onlyParseErrors),
      { numRuns: 1500 },
    );
  });

  it('mutated seeds give the same result (messages or error code) in any split', () => {
    fc.assert(
      fc.property(mutatedArb(SEEDS), cutsArb, (input, cuts) => {
        // Messages before the error (from earlier pushes or carried by the error) must match too.
        const outcome = (chunks: Buffer[]): unknown => {
          const parser = new RtspParser(MEDIUM);
          const got: Plain[] = [];
          try {
            for (const c of chunks) got.push(...parser.push(c).map(plain));
            return got;
          } catch (err) {
            const e = err as RtspParseError;
            return [...got, ...e.messages.map(plain), e.code, e.cseq];
          }
        };
        expect(outcome(splitAt(input, cuts))).toEqual(outcome([input]));
      }),
      { numRuns: 1000 },
    );
  });

  it('a valid message sequence parses to the same messages in any split', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 8 }), cutsArb, (msgs, cuts) => {
        const stream = Buffer.concat(msgs.map(serialize));
        const want = msgs.map(expected);
        expect(run([stream])).toEqual(want);
        expect(run(splitAt(stream, cuts))).toEqual(want);
        expect(run(splitAt(stream, [...stream.keys()]))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('serialize → parse round-trips requests, responses and frames', () => {
    for (const arb of [requestArb, responseArb, frameArb]) {
      fc.assert(
        fc.property(arb, (m) => {
          expect(run([serialize(m)])).toEqual([expected(m)]);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('parse → serialize → parse is stable for the good capture rows', () => {
    for (const c of GOOD) {
      const first = new RtspParser(c.limits).push(c.input);
      const again = Buffer.concat(
        first.map((m) =>
          m.kind === 'frame'
            ? serializeFrame(m.channel, m.payload)
            : m.kind === 'request'
              ? serializeRequest(m)
              : serializeResponse(m),
        ),
      );
      const strip = (p: Plain): Plain =>
        p.kind === 'frame'
          ? p
          : { ...p, headers: p.headers.filter(([k]) => k.toLowerCase() !== 'content-length') };
      expect(new RtspParser().push(again).map(plain).map(strip)).toEqual(
        first.map(plain).map(strip),
      );
    }
  });
});
