import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/errors.js';
import {
  looksLikeRtcp,
  parseRtp,
  rtpMarker,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSeq,
  rtpSsrc,
  rtpTimestamp,
  serializeRtp,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
} from '../../../../src/protocol/rtp/rtp.js';

const u32 = fc.nat({ max: 0xffffffff });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

/** Packets serializeRtp accepts. */
const packetArb = fc
  .record({
    padding: fc.boolean(),
    paddingLength: fc.integer({ min: 1, max: 255 }),
    extension: fc.option(
      fc.record({
        profile: fc.nat({ max: 0xffff }),
        data: fc
          .nat({ max: 16 })
          .chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 }))
          .map((a) => Buffer.from(a)),
      }),
      { nil: undefined },
    ),
    marker: fc.boolean(),
    payloadType: fc.nat({ max: 127 }),
    sequence: fc.nat({ max: 0xffff }),
    timestamp: u32,
    ssrc: u32,
    csrcs: fc.array(u32, { maxLength: 15 }),
    payload: bytes(1500),
  })
  .map(({ padding, paddingLength, ...rest }) => ({
    ...rest,
    padding,
    paddingLength: padding ? paddingLength : 0,
  }));

/** Random bytes, half of them with version 2 so the deeper checks are reached. */
const rawArb = fc
  .tuple(
    fc.oneof(
      fc.uint8Array({ maxLength: 16 }),
      fc.uint8Array({ minLength: 12, maxLength: 80, size: 'max' }),
    ),
    fc.boolean(),
  )
  .map(([a, forceV2]) => {
    const buf = Buffer.from(a);
    if (forceV2 && buf.length > 0) buf[0] = ((buf[0] ?? 0) & 0x3f) | 0x80;
    return buf;
  });

/** Valid packets whose padding octets (all but the count) are random. */
const validRawArb = packetArb.chain((p) =>
  fc.uint8Array({ minLength: p.paddingLength, maxLength: p.paddingLength }).map((pad) => {
    const buf = serializeRtp(p);
    Buffer.from(pad).copy(buf, buf.length - p.paddingLength, 0, Math.max(0, p.paddingLength - 1));
    return buf;
  }),
);

/** Valid packets, truncated and with a few header octets overwritten. */
const mutatedArb = fc
  .tuple(
    validRawArb,
    fc.nat(),
    fc.array(fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 255 })), { maxLength: 3 }),
  )
  .map(([buf, cut, writes]) => {
    const out = Buffer.from(buf.subarray(0, buf.length - (cut % (buf.length + 1))));
    for (const [at, v] of writes) if (at < out.length) out[at] = v;
    return out;
  });

const RTP_CODES = ['RTP_TOO_SHORT', 'RTP_BAD_VERSION', 'RTP_BAD_LENGTH'];

describe('RTP properties', () => {
  it('serialize → parse round-trips', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const buf = serializeRtp(p);
        const q = parseRtp(buf);
        expect(q).toEqual({ version: 2, ...p });
        expect(rtpPayloadOffset(buf)).toBe(buf.length - p.payload.length - p.paddingLength);
      }),
    );
  });

  it('random bytes: parse either succeeds or throws a ProtocolError with an RTP code', () => {
    fc.assert(
      fc.property(fc.oneof(rawArb, mutatedArb), (buf) => {
        let ok = true;
        try {
          parseRtp(buf);
        } catch (err) {
          ok = false;
          expect(err).toBeInstanceOf(ProtocolError);
          expect(RTP_CODES).toContain((err as ProtocolError).code);
        }
        expect(rtpPayloadOffset(buf) !== -1).toBe(ok);
      }),
      { numRuns: 2000 },
    );
  });

  it('accessors agree with parseRtp; parse ∘ serialize is identity up to padding bytes', () => {
    fc.assert(
      fc.property(fc.oneof(validRawArb, mutatedArb), (buf) => {
        fc.pre(rtpPayloadOffset(buf) >= 0);
        const p = parseRtp(buf);
        expect(rtpSeq(buf)).toBe(p.sequence);
        expect(rtpTimestamp(buf)).toBe(p.timestamp);
        expect(rtpSsrc(buf)).toBe(p.ssrc);
        expect(rtpPayloadType(buf)).toBe(p.payloadType);
        expect(rtpMarker(buf)).toBe(p.marker);
        expect(rtpPayloadOffset(buf) + p.payload.length + p.paddingLength).toBe(buf.length);
        expect(looksLikeRtcp(buf)).toBe((buf[1] ?? 0) >= 192 && (buf[1] ?? 0) <= 223);
        const canonical = Buffer.from(buf);
        canonical.fill(0, buf.length - p.paddingLength, buf.length - 1);
        expect(serializeRtp(p).equals(canonical)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('setters change exactly their field', () => {
    fc.assert(
      fc.property(packetArb, fc.integer(), fc.integer(), fc.integer(), (p, seq, ts, ssrc) => {
        const buf = serializeRtp(p);
        setRtpSeq(buf, seq);
        setRtpTimestamp(buf, ts);
        setRtpSsrc(buf, ssrc);
        const q = parseRtp(buf);
        expect(q).toEqual({
          version: 2,
          ...p,
          sequence: ((seq % 65536) + 65536) % 65536,
          timestamp: ts >>> 0,
          ssrc: ssrc >>> 0,
        });
      }),
    );
  });
});
