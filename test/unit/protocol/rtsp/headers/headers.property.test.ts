import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../../src/errors.js';
import {
  baseUrlOf,
  buildAuthorization,
  computeDigestResponse,
  formatCSeq,
  formatChallenge,
  formatRange,
  formatRtpInfo,
  formatSession,
  formatTransport,
  parseAuthorization,
  parseCSeq,
  parseNptTime,
  parseRange,
  parseRtpInfo,
  parseSession,
  parseTransport,
  parseWwwAuthenticate,
  type AuthChallenge,
  type RangeSpec,
  type RtpInfoEntry,
  type TransportSpec,
} from '../../../../../src/protocol/rtsp/headers/index.js';
import { RtspHeaders } from '../../../../../src/protocol/rtsp/message.js';
import { mutatedStringArb, textArb, tokenArb } from '../arbitraries.js';

const RUNS = { numRuns: 500 };

const port = fc.integer({ min: 0, max: 65535 });
const channel = fc.integer({ min: 0, max: 255 });
const KNOWN =
  /^(unicast|multicast|append|destination|source|ttl|layers|ssrc|mode|client_port|server_port|interleaved|port)$/i;

const transportArb: fc.Arbitrary<TransportSpec> = fc.record(
  {
    protocol: tokenArb.map((s) => s.toUpperCase()),
    profile: tokenArb.map((s) => s.toUpperCase()),
    lowerTransport: fc.constantFrom('UDP' as const, 'TCP' as const),
    delivery: fc.constantFrom('unicast' as const, 'multicast' as const),
    destination: fc.stringMatching(/^[A-Za-z0-9.:-]{1,20}$/),
    source: fc.stringMatching(/^[A-Za-z0-9.:-]{1,20}$/),
    clientPort: fc.tuple(port, port),
    serverPort: fc.tuple(port, port),
    interleaved: fc.tuple(channel, channel),
    port: fc.tuple(port, port),
    ttl: fc.integer({ min: 0, max: 255 }),
    layers: fc.integer({ min: 1, max: 65535 }),
    ssrc: fc.integer({ min: 0, max: 0xffffffff }),
    mode: fc.constantFrom('PLAY', 'RECORD', 'PLAY,RECORD'),
    append: fc.constant(true),
    extra: fc.dictionary(
      fc
        .oneof(tokenArb, fc.constantFrom('__proto__', 'constructor', 'toString'))
        .filter((k) => !KNOWN.test(k)),
      fc.oneof(
        fc.constant(true as const),
        tokenArb,
        fc.constant(''),
        textArb(12).map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`),
      ),
      { maxKeys: 3 },
    ),
  },
  { requiredKeys: ['protocol', 'profile', 'lowerTransport', 'extra'] },
);

const millis = fc.integer({ min: 0, max: 1e9 });
/** utc-time (RFC 2326 §3.7) of a real instant: `YYYYMMDDThhmmss[.fff]Z`. */
const instantArb = fc.date({
  min: new Date('0001-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59Z'),
  noInvalidDate: true,
});
const utc = (d: Date, ms: boolean): string => {
  const iso = d.toISOString().replace(/[-:]/g, ''); // YYYYMMDDThhmmss.sssZ
  return ms ? iso : iso.replace(/\.\d+/, '');
};
const timeArb = fc.tuple(instantArb, fc.boolean()).map(([d, ms]) => utc(d, ms));
const clockRawArb = fc
  .tuple(instantArb, fc.option(instantArb, { nil: undefined }), fc.boolean())
  .map(([a, b, ms]) => {
    const [start, end] = b !== undefined && b < a ? [b, a] : [a, b];
    return `${utc(start, ms)}-${end === undefined ? '' : utc(end, ms)}`;
  });
/** smpte-time: hh:mm:ss[:ff[.sub]] at 30 fps, as 1-2 digit fields. */
const smpteArb = fc
  .tuple(
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
    fc.option(
      fc.tuple(fc.integer({ min: 0, max: 29 }), fc.option(fc.integer({ min: 0, max: 99 }))),
    ),
  )
  .map(([h, m, sec, f]) => ({
    key: (((h * 60 + m) * 60 + sec) * 30 + (f?.[0] ?? 0)) * 100 + (f?.[1] ?? 0),
    text: `${h}:${m}:${sec}${f ? `:${f[0]}${f[1] === null ? '' : `.${f[1]}`}` : ''}`,
  }));
const smpteRawArb = fc.tuple(smpteArb, fc.option(smpteArb, { nil: undefined })).map(([a, b]) => {
  const [start, end] = b !== undefined && b.key < a.key ? [b, a] : [a, b];
  return `${start.text}-${end?.text ?? ''}`;
});
const rangeArb: fc.Arbitrary<RangeSpec> = fc.oneof(
  fc
    .record({
      start: fc.oneof(fc.constant(undefined), fc.constant('now' as const), millis),
      length: fc.option(millis, { nil: undefined }),
      time: fc.option(timeArb, { nil: undefined }),
    })
    .filter((r) => r.start !== undefined || r.length !== undefined)
    .map(({ start, length, time }): RangeSpec => {
      const s = typeof start === 'number' ? start : 0;
      const r: RangeSpec = {
        unit: 'npt',
        start: typeof start === 'number' ? start / 1000 : start,
        end: length === undefined ? undefined : (s + length) / 1000,
      };
      if (time !== undefined) r.time = time;
      return r;
    }),
  fc.record(
    { unit: fc.constant('clock' as const), raw: clockRawArb, time: timeArb },
    { requiredKeys: ['unit', 'raw'] },
  ),
  fc.record(
    { unit: fc.constant('smpte' as const), raw: smpteRawArb, time: timeArb },
    { requiredKeys: ['unit', 'raw'] },
  ),
);

const rtpInfoArb: fc.Arbitrary<RtpInfoEntry[]> = fc.array(
  fc.record(
    {
      url: fc
        .stringMatching(/^(rtsp:\/\/[a-z0-9.]{1,10})?(\/[A-Za-z0-9=_.;,-]{1,12}){0,3}$/)
        .filter((u) => u !== '' && !u.endsWith(',') && !/;(seq|rtptime|ssrc)=|,url=/i.test(u)),
      seq: fc.integer({ min: 0, max: 65535 }),
      rtptime: fc.integer({ min: 0, max: 0xffffffff }),
    },
    { requiredKeys: ['url'] },
  ),
  { minLength: 1, maxLength: 4 },
);

const challengeArb: fc.Arbitrary<AuthChallenge> = fc.record({
  scheme: tokenArb,
  params: fc.dictionary(
    fc
      .stringMatching(/^[a-z][a-z0-9_-]{0,10}$/)
      .filter((k) => k !== 'token68' && k !== '__proto__'),
    fc.oneof(textArb(16), tokenArb),
    { maxKeys: 5 },
  ),
});

describe('header round-trips: parse(format(x)) = x', () => {
  it('CSeq', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseCSeq(formatCSeq(n)) === n),
      RUNS,
    );
  });
  it('Session', () => {
    const arb = fc.record(
      {
        id: fc.stringMatching(/^[\x21-\x2b\x2d-\x3a\x3c-\x7e]{1,40}$/),
        timeout: fc.integer({ min: 0, max: 0xffffffff }),
      },
      { requiredKeys: ['id'] },
    );
    fc.assert(
      fc.property(arb, (s) => {
        expect(parseSession(formatSession(s))).toEqual(s);
      }),
      RUNS,
    );
  });
  it('Transport (single and lists)', () => {
    fc.assert(
      fc.property(fc.array(transportArb, { minLength: 1, maxLength: 3 }), (list) => {
        expect(parseTransport(list.map(formatTransport).join(','))).toEqual(list);
      }),
      RUNS,
    );
  });
  it('Range', () => {
    fc.assert(
      fc.property(rangeArb, (r) => {
        expect(parseRange(formatRange(r))).toEqual(r);
      }),
      RUNS,
    );
  });
  it('RTP-Info', () => {
    fc.assert(
      fc.property(rtpInfoArb, (e) => {
        expect(parseRtpInfo(formatRtpInfo(e))).toEqual(e);
      }),
      RUNS,
    );
  });
  it('WWW-Authenticate challenges', () => {
    fc.assert(
      fc.property(fc.array(challengeArb, { minLength: 1, maxLength: 3 }), (list) => {
        expect(parseWwwAuthenticate([list.map(formatChallenge).join(', ')])).toEqual(list);
      }),
      RUNS,
    );
  });
  it('Authorization (Digest and Basic) parses back to a verifiable credential', () => {
    const cred = fc.record({
      username: textArb(12).filter((u) => !u.includes(':')),
      password: textArb(12),
    });
    fc.assert(
      fc.property(
        cred,
        textArb(10),
        textArb(10),
        fc.boolean(),
        tokenArb,
        (c, realm, nonce, qop, method) => {
          const digest: AuthChallenge = {
            scheme: 'Digest',
            params: { realm, nonce, ...(qop ? { qop: 'auth' } : {}) },
          };
          const p = parseAuthorization(
            buildAuthorization(digest, c, method, '*', { cnonce: 'cn', nc: 7 }),
          ).params;
          expect(p.username).toBe(c.username);
          expect(p.response).toBe(
            computeDigestResponse({
              ...c,
              realm,
              nonce,
              method,
              uri: '*',
              ...(qop ? { qop: 'auth' as const, nc: '00000007', cnonce: 'cn' } : {}),
            }),
          );
          const basic = parseAuthorization(
            buildAuthorization({ scheme: 'Basic', params: {} }, c, method, '*'),
          );
          expect([basic.params.username, basic.params.password]).toEqual([c.username, c.password]);
        },
      ),
      RUNS,
    );
  });
});

const SEEDS = [
  '6B8B4567;timeout=65',
  'RTP/AVP;unicast;client_port=5000-5001;server_port=6256-6257;ssrc=1A2B3C4D;mode="PLAY"',
  'RTP/AVP/TCP;unicast;interleaved=0-1, RTP/AVP;multicast;destination=224.2.0.1;ttl=16;x="a;b"',
  'npt=0:01:00.125-120;time=19970123T143720Z',
  'clock=20240101T000000Z-',
  'url=rtsp://h/x/stream=0;seq=123;rtptime=456,url=rtsp://h/x/stream=1;seq=9;rtptime=10',
  'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd", opaque="5ccc", Basic realm="x"',
  'Basic YWRtaW46MTI6MzQ=',
  '42',
];

const PARSERS: Array<[string, (s: string) => unknown]> = [
  ['parseCSeq', parseCSeq],
  ['parseSession', parseSession],
  ['parseTransport', parseTransport],
  ['parseTransport (liberal)', (s) => parseTransport(s, [])],
  ['parseSession (liberal)', (s) => parseSession(s, [])],
  ['parseRange', parseRange],
  ['parseNptTime', parseNptTime],
  ['parseRtpInfo', parseRtpInfo],
  ['parseRtpInfo (reporting)', (s) => parseRtpInfo(s, [])],
  ['parseWwwAuthenticate', (s) => parseWwwAuthenticate([s])],
  ['parseWwwAuthenticate (liberal)', (s) => parseWwwAuthenticate([s], [])],
  ['parseAuthorization', parseAuthorization],
  ['baseUrlOf', (s) => baseUrlOf(new RtspHeaders({ 'Content-Location': s }), 'rtsp://h/x')],
];

describe('header parsers throw nothing but ProtocolError', () => {
  const inputs = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...'=;,"\\ -:/.0123456789aZ\t'), maxLength: 40 }),
    mutatedStringArb(SEEDS),
  );
  for (const [name, parse] of PARSERS) {
    it(name, () => {
      fc.assert(
        fc.property(inputs, (s) => {
          try {
            parse(s);
          } catch (err) {
            if (!(err instanceof ProtocolError)) throw err;
          }
        }),
        { numRuns: 1000 },
      );
    });
  }
});

/** Whatever a parser accepts, its formatter writes back to something that parses the same. */
const STABLE: Array<[string, (s: string) => unknown, (v: never) => string]> = [
  ['Session', parseSession, formatSession],
  ['Transport', parseTransport, (v: TransportSpec[]) => v.map(formatTransport).join(',')],
  ['Range', parseRange, formatRange],
  ['RTP-Info', parseRtpInfo, formatRtpInfo],
  [
    'WWW-Authenticate',
    (s) => parseWwwAuthenticate([s]),
    (v: AuthChallenge[]) => v.map(formatChallenge).join(', '),
  ],
];

describe('parse → format → parse is stable for everything the parser accepts', () => {
  const inputs = fc.oneof(
    fc.string({ unit: fc.constantFrom(...'=;,"\\ -:/.0123456789aZT\t'), maxLength: 40 }),
    mutatedStringArb(SEEDS),
  );
  for (const [name, parse, format] of STABLE) {
    it(name, () => {
      fc.assert(
        fc.property(inputs, (s) => {
          let parsed: unknown;
          try {
            parsed = parse(s);
          } catch (err) {
            if (err instanceof ProtocolError) return;
            throw err;
          }
          const text = format(parsed as never);
          // Range formatting rounds to milliseconds, so for it the formatted text is the fixpoint.
          if (name === 'Range') expect(format(parse(text) as never)).toBe(text);
          else expect(parse(text)).toEqual(parsed);
        }),
        { numRuns: 1000 },
      );
    });
  }
});
