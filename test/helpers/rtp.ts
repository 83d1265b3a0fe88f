/**
 * RTP and RTCP packets for tests, built with the project's own serializers (src/protocol/rtp/)
 * so that a test packet is exactly what the code under test would produce or accept.
 */
import { serializeRtcp, type ReportBlock } from '../../src/protocol/rtp/rtcp.js';
import { serializeRtp } from '../../src/protocol/rtp/rtp.js';

/** Bytes from hex with any whitespace. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export interface RtpFields {
  /** Sequence number; reduced modulo 2^16, so an extended number can be passed. */
  readonly seq: number;
  /** RTP timestamp; reduced modulo 2^32. */
  readonly ts: number;
  readonly ssrc?: number;
  readonly pt?: number;
  readonly marker?: boolean;
  readonly payload?: Buffer | Uint8Array | readonly number[] | string;
}

export const DEFAULT_SSRC = 0x11223344;

/** One RTP packet (version 2, no padding, extension or CSRCs). Default payload: 4 bytes 'data'. */
export function rtpPacket(f: RtpFields): Buffer {
  const p = f.payload;
  const payload =
    p === undefined
      ? Buffer.from('data')
      : typeof p === 'string'
        ? Buffer.from(p)
        : Buffer.isBuffer(p)
          ? p
          : Buffer.from(p as Uint8Array);
  return serializeRtp({
    padding: false,
    extension: undefined,
    marker: f.marker ?? false,
    payloadType: f.pt ?? 96,
    sequence: ((f.seq % 0x10000) + 0x10000) % 0x10000,
    timestamp: ((f.ts % 0x100000000) + 0x100000000) % 0x100000000,
    ssrc: (f.ssrc ?? DEFAULT_SSRC) >>> 0,
    csrcs: [],
    payload,
  });
}

/** `size` payload bytes that depend on `key`, so copies of one packet can be told apart. */
export function patternPayload(key: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (key * 31 + i) & 0xff;
  return b;
}

export interface SrFields {
  readonly ssrc: number;
  readonly rtpTimestamp: number;
  readonly ntpSec?: number;
  readonly ntpFrac?: number;
  readonly packetCount?: number;
  readonly octetCount?: number;
  readonly reports?: ReportBlock[];
  /** Adds an SDES CNAME chunk after the SR (a compound packet, as senders send). */
  readonly cname?: string;
}

/** A sender report (RFC 3550 6.4.1), optionally compound with an SDES CNAME. */
export function srPacket(f: SrFields): Buffer {
  return serializeRtcp([
    {
      type: 'sr',
      ssrc: f.ssrc,
      ntpSec: f.ntpSec ?? 3_900_000_000,
      ntpFrac: f.ntpFrac ?? 0x80000000,
      rtpTimestamp: f.rtpTimestamp,
      packetCount: f.packetCount ?? 0,
      octetCount: f.octetCount ?? 0,
      reports: f.reports ?? [],
    },
    ...(f.cname !== undefined
      ? [{ type: 'sdes' as const, chunks: [{ ssrc: f.ssrc, items: [{ type: 1, text: f.cname }] }] }]
      : []),
  ]);
}

/** A report block with zero defaults for the fields not given. */
export function reportBlock(b: Partial<ReportBlock> & { ssrc: number }): ReportBlock {
  return {
    fractionLost: 0,
    cumulativeLost: 0,
    highestSeq: 0,
    jitter: 0,
    lsr: 0,
    dlsr: 0,
    ...b,
  };
}

/** A receiver report (RFC 3550 6.4.2), optionally compound with an SDES CNAME. */
export function rrPacket(f: { ssrc: number; reports?: ReportBlock[]; cname?: string }): Buffer {
  return serializeRtcp([
    { type: 'rr', ssrc: f.ssrc, reports: f.reports ?? [] },
    ...(f.cname !== undefined
      ? [{ type: 'sdes' as const, chunks: [{ ssrc: f.ssrc, items: [{ type: 1, text: f.cname }] }] }]
      : []),
  ]);
}

/** A BYE (RFC 3550 6.6); `compound` puts an empty RR first, as a compound packet must start. */
export function byeRtcp(
  ssrcs: number[],
  opts: { reason?: string; compound?: boolean } = {},
): Buffer {
  return serializeRtcp([
    ...(opts.compound ? [{ type: 'rr' as const, ssrc: ssrcs[0] ?? 0, reports: [] }] : []),
    { type: 'bye', ssrcs, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) },
  ]);
}
