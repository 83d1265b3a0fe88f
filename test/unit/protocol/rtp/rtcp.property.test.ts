import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/errors.js';
import {
  parseRtcp,
  serializeRtcp,
  type ReportBlock,
  type RtcpPacket,
} from '../../../../src/protocol/rtp/rtcp.js';

const u32 = fc.nat({ max: 0xffffffff });
const words = (max: number) =>
  fc
    .nat({ max })
    .chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 }))
    .map((a) => Buffer.from(a));
/** Any Unicode text of at most 255 UTF-8 octets (63 code points × 4 octets max). */
const text = fc.string({ unit: 'binary', maxLength: 63 });

const blockArb: fc.Arbitrary<ReportBlock> = fc.record({
  ssrc: u32,
  fractionLost: fc.nat({ max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  highestSeq: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
});
const reports = fc.array(blockArb, { maxLength: 31 });

const packetArb: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({
    type: fc.constant('sr' as const),
    ssrc: u32,
    ntpSec: u32,
    ntpFrac: u32,
    rtpTimestamp: u32,
    packetCount: u32,
    octetCount: u32,
    reports,
  }),
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports }),
  fc.record({
    type: fc.constant('sdes' as const),
    chunks: fc.array(
      fc.record({
        ssrc: u32,
        items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 255 }), text }), {
          maxLength: 4,
        }),
      }),
      { maxLength: 31 },
    ),
  }),
  fc.record(
    { type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: text },
    { requiredKeys: ['type', 'ssrcs'] },
  ),
  fc.record({
    type: fc.constant('app' as const),
    subtype: fc.nat({ max: 31 }),
    ssrc: u32,
    name: fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 4,
      maxLength: 4,
    }),
    data: words(8),
  }),
  fc.record({
    type: fc.constant('unknown' as const),
    packetType: fc.oneof(fc.integer({ min: 205, max: 255 }), fc.integer({ min: 0, max: 199 })),
    count: fc.nat({ max: 31 }),
    body: words(8),
  }),
);

const RTCP_CODES = ['RTCP_TOO_SHORT', 'RTCP_BAD_VERSION', 'RTCP_BAD_LENGTH'];

function parsesOrThrowsProtocolError(buf: Buffer): RtcpPacket[] | undefined {
  try {
    return parseRtcp(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect(RTCP_CODES).toContain((err as ProtocolError).code);
    return undefined;
  }
}

describe('RTCP properties', () => {
  it('serialize → parse round-trips a compound', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { minLength: 1, maxLength: 5 }), (packets) => {
        const buf = serializeRtcp(packets);
        expect(buf.length % 4).toBe(0);
        expect(parseRtcp(buf)).toEqual(packets);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes: parse succeeds or throws a ProtocolError with an RTCP code', () => {
    const raw = fc
      .tuple(fc.uint8Array({ maxLength: 120, size: 'max' }), fc.boolean())
      .map(([a, forceV2]) => {
        const buf = Buffer.from(a);
        if (forceV2 && buf.length > 0) buf[0] = ((buf[0] ?? 0) & 0x3f) | 0x80;
        return buf;
      });
    fc.assert(
      fc.property(raw, (buf) => void parsesOrThrowsProtocolError(buf)),
      { numRuns: 2000 },
    );
  });

  it('mutated compounds: parse succeeds or throws a ProtocolError; survivors re-serialize', () => {
    const mutated = fc
      .tuple(
        fc.array(packetArb, { minLength: 1, maxLength: 3 }).map((p) => serializeRtcp(p)),
        fc.nat(),
        fc.array(fc.tuple(fc.nat({ max: 200 }), fc.nat({ max: 255 })), { maxLength: 3 }),
      )
      .map(([buf, cut, writes]) => {
        const out = Buffer.from(
          buf.subarray(0, buf.length - (cut % 8 === 0 ? cut % (buf.length + 1) : 0)),
        );
        for (const [at, v] of writes) if (at < out.length) out[at] = v;
        return out;
      });
    fc.assert(
      fc.property(mutated, (buf) => {
        const packets = parsesOrThrowsProtocolError(buf);
        if (!packets) return;
        // Whatever parsed must serialize (possibly to different bytes) and parse back the same,
        // unless it holds text that is not valid UTF-8, an APP name that is not ASCII, or an
        // APP/unknown body that P-bit padding left unaligned (serializeRtcp refuses those).
        const unencodable = packets.some(
          (p) =>
            (p.type === 'app' && !/^[\x20-\x7e]{4}$/.test(p.name)) ||
            (p.type === 'sdes' &&
              p.chunks.some((c) => c.items.some((i) => i.text.includes('\uFFFD')))) ||
            (p.type === 'bye' && p.reason?.includes('\uFFFD')) ||
            (p.type === 'app' && p.data.length % 4 !== 0) ||
            (p.type === 'unknown' && p.body.length % 4 !== 0),
        );
        if (!unencodable) expect(parseRtcp(serializeRtcp(packets))).toEqual(packets);
      }),
      { numRuns: 2000 },
    );
  });
});
