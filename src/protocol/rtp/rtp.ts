/**
 * RTP fixed header (RFC 3550 section 5.1): parse, serialize and allocation-free accessors for
 * the forwarding hot path.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers  (CC x 32)  |
 * | extension: profile (16)       |  length in 32-bit words (16)  |  (only when X)
 */
import { ProtocolError } from '../../errors.js';

export const RTP_HEADER_LENGTH = 12;

export interface RtpPacket {
  version: 2;
  /** The P bit. */
  padding: boolean;
  /** Header extension (X bit); `data` is a zero-copy view without the 4-byte extension header. */
  extension: { profile: number; data: Buffer } | undefined;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /** Zero-copy view of the payload, padding removed. */
  payload: Buffer;
  /** Padding octets at the end, including the count octet; 0 when the P bit is clear. */
  paddingLength: number;
}

// Negative results of payloadStart(): the reason a raw packet is malformed.
const TOO_SHORT = -1;
const BAD_VERSION = -2;
const BAD_CSRC = -3;
const BAD_EXTENSION = -4;
const BAD_PADDING = -5;

/**
 * Offset of the payload, or one of the negative codes above. Validates padding too, so that
 * parseRtp and rtpPayloadOffset agree on what is malformed. Allocation-free.
 */
function payloadStart(buf: Buffer): number {
  const len = buf.length;
  if (len < RTP_HEADER_LENGTH) return TOO_SHORT;
  const b0 = buf[0] ?? 0;
  if (b0 >> 6 !== 2) return BAD_VERSION;
  let offset = RTP_HEADER_LENGTH + (b0 & 0x0f) * 4;
  if (offset > len) return BAD_CSRC;
  if (b0 & 0x10) {
    if (offset + 4 > len) return BAD_EXTENSION;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
    if (offset > len) return BAD_EXTENSION;
  }
  if (b0 & 0x20) {
    const pad = buf[len - 1] ?? 0;
    if (pad === 0 || offset + pad > len) return BAD_PADDING;
  }
  return offset;
}

function malformed(code: number, buf: Buffer): ProtocolError {
  const b0 = buf[0] ?? 0;
  switch (code) {
    case TOO_SHORT:
      return new ProtocolError('RTP_TOO_SHORT', `RTP packet of ${buf.length} bytes (< 12)`);
    case BAD_VERSION:
      return new ProtocolError('RTP_BAD_VERSION', `RTP version ${b0 >> 6}, expected 2`);
    case BAD_CSRC:
      return new ProtocolError('RTP_BAD_LENGTH', `${b0 & 0x0f} CSRCs exceed ${buf.length} bytes`);
    case BAD_EXTENSION:
      return new ProtocolError('RTP_BAD_LENGTH', 'RTP header extension exceeds the packet');
    default:
      return new ProtocolError(
        'RTP_BAD_LENGTH',
        `RTP padding count ${buf[buf.length - 1]} invalid`,
      );
  }
}

/** Parse an RTP packet. Throws ProtocolError RTP_TOO_SHORT, RTP_BAD_VERSION or RTP_BAD_LENGTH
 * (CSRC count, extension length or padding exceeding the buffer, or a zero padding count). */
export function parseRtp(buf: Buffer): RtpPacket {
  const start = payloadStart(buf);
  if (start < 0) throw malformed(start, buf);
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  const cc = b0 & 0x0f;
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(buf.readUInt32BE(RTP_HEADER_LENGTH + i * 4));
  const extStart = RTP_HEADER_LENGTH + cc * 4;
  const paddingLength = b0 & 0x20 ? (buf[buf.length - 1] ?? 0) : 0;
  return {
    version: 2,
    padding: (b0 & 0x20) !== 0,
    extension:
      b0 & 0x10
        ? { profile: buf.readUInt16BE(extStart), data: buf.subarray(extStart + 4, start) }
        : undefined,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    payload: buf.subarray(start, buf.length - paddingLength),
    paddingLength,
  };
}

/**
 * Serialize an RTP packet into a new buffer. The P bit is `padding`; with padding, paddingLength
 * (1..255, count octet included) defaults to the smallest amount (1..4) that makes the packet a
 * multiple of 4 octets; padding octets are zero except the final count. Throws RangeError for
 * values that cannot be encoded: more than 15 CSRCs, payload type outside 0..127, extension data
 * not a multiple of 4 octets or longer than 65535 words, paddingLength outside 1..255 with
 * padding (or non-zero without), fields out of their unsigned ranges.
 */
export function serializeRtp(
  p: Omit<RtpPacket, 'version' | 'paddingLength'> & { paddingLength?: number },
): Buffer {
  if (p.csrcs.length > 15) throw new RangeError(`${p.csrcs.length} CSRCs (max 15)`);
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127) {
    throw new RangeError(`payload type ${p.payloadType} outside 0..127`);
  }
  const ext = p.extension;
  if (ext && (ext.data.length % 4 !== 0 || ext.data.length > 0xffff * 4)) {
    throw new RangeError(`extension data of ${ext.data.length} octets is not a word multiple`);
  }
  const headerLength = RTP_HEADER_LENGTH + p.csrcs.length * 4 + (ext ? 4 + ext.data.length : 0);
  const unpadded = headerLength + p.payload.length;
  const padLen = p.paddingLength ?? (p.padding ? 4 - (unpadded % 4) : 0);
  if (!Number.isInteger(padLen) || (p.padding ? padLen < 1 || padLen > 255 : padLen !== 0)) {
    throw new RangeError(`paddingLength ${padLen} with padding=${p.padding}`);
  }

  const buf = Buffer.alloc(unpadded + padLen);
  buf[0] = 0x80 | (p.padding ? 0x20 : 0) | (ext ? 0x10 : 0) | p.csrcs.length;
  buf[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  buf.writeUInt16BE(p.sequence, 2);
  buf.writeUInt32BE(p.timestamp, 4);
  buf.writeUInt32BE(p.ssrc, 8);
  let offset = RTP_HEADER_LENGTH;
  for (const csrc of p.csrcs) offset = buf.writeUInt32BE(csrc, offset);
  if (ext) {
    offset = buf.writeUInt16BE(ext.profile, offset);
    offset = buf.writeUInt16BE(ext.data.length / 4, offset);
    offset += ext.data.copy(buf, offset);
  }
  p.payload.copy(buf, offset);
  if (padLen > 0) buf[buf.length - 1] = padLen;
  return buf;
}

// Hot-path accessors on a raw packet. No allocation, no validation: callers guarantee
// buf.length >= 12 (Buffer methods still throw RangeError past the end).

export function rtpSeq(buf: Buffer): number {
  return buf.readUInt16BE(2);
}

export function rtpTimestamp(buf: Buffer): number {
  return buf.readUInt32BE(4);
}

export function rtpSsrc(buf: Buffer): number {
  return buf.readUInt32BE(8);
}

export function rtpPayloadType(buf: Buffer): number {
  return (buf[1] ?? 0) & 0x7f;
}

export function rtpMarker(buf: Buffer): boolean {
  return ((buf[1] ?? 0) & 0x80) !== 0;
}

/** Sets the sequence number, reduced modulo 2^16 (so `seq + offset` may be passed unwrapped). */
export function setRtpSeq(buf: Buffer, v: number): void {
  buf.writeUInt16BE(v & 0xffff, 2);
}

/** Sets the timestamp, reduced modulo 2^32 (negative values and overflow wrap). */
export function setRtpTimestamp(buf: Buffer, v: number): void {
  buf.writeUInt32BE(v >>> 0, 4);
}

/** Sets the SSRC, reduced modulo 2^32. */
export function setRtpSsrc(buf: Buffer, v: number): void {
  buf.writeUInt32BE(v >>> 0, 8);
}

/** Offset of the payload in a raw packet (after CSRCs and extension), or -1 if malformed.
 * Returns -1 exactly when parseRtp would throw (short, version not 2, bad lengths or padding). */
export function rtpPayloadOffset(buf: Buffer): number {
  const start = payloadStart(buf);
  return start < 0 ? -1 : start;
}

/** End of the payload (before padding) of a packet rtpPayloadOffset accepted. */
export function rtpPayloadEnd(packet: Buffer): number {
  return (packet[0] ?? 0) & 0x20 ? packet.length - (packet[packet.length - 1] ?? 0) : packet.length;
}
/** RTCP vs RTP on a muxed channel (RFC 5761 section 4: second byte 192..223 is RTCP). */
export function looksLikeRtcp(buf: Buffer): boolean {
  const b1 = buf[1];
  return b1 !== undefined && b1 >= 192 && b1 <= 223;
}
