/**
 * On-disk recording format, version 1. A recording is a directory:
 *
 *   <recordings.dir>/<id>/meta.json      written atomically (temp + fsync + rename + dir fsync)
 *   <recordings.dir>/<id>/track-<n>.log  one append-only packet log per SDP track (n = 0, 1, ...)
 *
 * A track log is a plain sequence of records, no file header. Each record is a 32-byte header
 * followed by the whole canonical RTP packet (fixed header, CSRCs, extension, payload, padding:
 * exactly the bytes that were forwarded to live viewers, already rewritten into canonical space).
 * The timestamp / marker / payload type in the record header are copies of the packet's own
 * fields, kept so an index can be built without parsing RTP. All integers are big-endian.
 *
 *   off size field
 *    0   4   magic 0x53524543 ("SREC")
 *    4   2   packet length L in bytes (12..65535)
 *    6   2   extended sequence number, bits 32..47
 *    8   4   extended sequence number, bits 0..31 (canonical ext, < 2^48; ext & 0xffff = RTP seq)
 *   12   4   RTP timestamp (canonical, uint32)
 *   16   1   marker bit (0x80) | payload type (0x7f)
 *   17   1   reserved, 0
 *   18   2   reserved, 0
 *   20   8   arrival time, float64 ms since the Unix epoch
 *   28   4   CRC-32 (zlib / IEEE 802.3) of bytes 0..27 of this header followed by the L packet bytes
 *   32   L   the RTP packet
 *
 * Records are appended in arrival order, so exts may be out of order and (rarely) repeated;
 * readers sort and keep the first copy, compaction rewrites the file sorted and deduplicated.
 * A record that fails its checks at the end of a file with no valid record after it is a torn
 * tail (a crash mid-write); anywhere else it is corruption.
 */
import { crc32 } from 'node:zlib';
import { rtpMarker, rtpPayloadType, rtpTimestamp } from '../protocol/rtp/rtp.js';

export const FORMAT_VERSION = 1;
export const RECORD_MAGIC = 0x53524543;
export const RECORD_HEADER_LENGTH = 32;
/** Smallest RTP packet (fixed header only). */
export const MIN_PACKET_LENGTH = 12;
/** Largest RTP packet a record holds (TCP-interleaved frames carry up to 65535 bytes). */
export const MAX_PACKET_LENGTH = 0xffff;
export const MAX_RECORD_LENGTH = RECORD_HEADER_LENGTH + MAX_PACKET_LENGTH;
/** Extended sequence numbers are stored in 48 bits. */
export const MAX_EXT = 2 ** 48 - 1;

const CRC_OFFSET = 28;
const TWO_32 = 0x100000000;

export const META_FILE = 'meta.json';
/** Suffix of files being written before an atomic rename; leftovers are crash debris. */
export const TEMP_SUFFIX = '.tmp';

export function trackFileName(track: number): string {
  return `track-${track}.log`;
}

/** Header fields of one record. */
export interface RecordHeader {
  ext: number;
  packetLength: number;
  timestamp: number;
  marker: boolean;
  payloadType: number;
  arrivalMs: number;
  crc: number;
}

/**
 * Builds one complete record (header + a copy of the packet). The packet must already be a
 * valid canonical RTP packet; the caller checks that.
 */
export function encodeRecord(ext: number, packet: Buffer, arrivalMs: number): Buffer {
  const rec = Buffer.allocUnsafe(RECORD_HEADER_LENGTH + packet.length);
  encodeRecordInto(rec, 0, ext, packet, arrivalMs);
  return rec;
}

/**
 * Writes one record at `offset` of `target` (which must have room for the header and the
 * packet) and returns its length; the same bytes as `encodeRecord`, without a buffer of its own.
 */
export function encodeRecordInto(
  target: Buffer,
  offset: number,
  ext: number,
  packet: Buffer,
  arrivalMs: number,
): number {
  encodeRecordHeaderInto(target, offset, ext, packet, arrivalMs);
  packet.copy(target, offset + RECORD_HEADER_LENGTH);
  return RECORD_HEADER_LENGTH + packet.length;
}

/**
 * Writes the 32-byte header of `packet`'s record at `offset` of `target`, CRC included (the
 * packet bytes are summed from `packet`; they must follow the header unchanged on disk).
 */
export function encodeRecordHeaderInto(
  target: Buffer,
  offset: number,
  ext: number,
  packet: Buffer,
  arrivalMs: number,
): void {
  const o = offset;
  target.writeUInt32BE(RECORD_MAGIC, o);
  target.writeUInt16BE(packet.length, o + 4);
  target.writeUInt16BE(Math.floor(ext / TWO_32), o + 6);
  target.writeUInt32BE(ext % TWO_32, o + 8);
  target.writeUInt32BE(rtpTimestamp(packet), o + 12);
  target[o + 16] = (rtpMarker(packet) ? 0x80 : 0) | rtpPayloadType(packet);
  target[o + 17] = 0;
  target.writeUInt16BE(0, o + 18);
  target.writeDoubleBE(arrivalMs, o + 20);
  // The 28 header bytes are summed here (no view, no native call for them), the packet's from
  // the caller's buffer by zlib; the same CRC as crc32 over both.
  const crc = crc32(packet, headerCrc(target, o));
  target.writeUInt32BE(crc, o + CRC_OFFSET);
}

/** CRC-32 (zlib's) table, one entry per byte value. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of the header bytes before the CRC field (bytes 0..27 at `o`). */
function headerCrc(buf: Buffer, o: number): number {
  let c = -1;
  for (let i = o; i < o + CRC_OFFSET; i++) {
    c = (CRC_TABLE[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/**
 * Parses a record header at `offset` of `buf` (at least RECORD_HEADER_LENGTH bytes must be
 * there). Returns the reason as a string when the header itself is impossible (bad magic,
 * length, reserved bits); the CRC is checked separately by `recordCrcOk` once the packet bytes
 * are at hand.
 */
export function decodeRecordHeader(buf: Buffer, offset: number): RecordHeader | string {
  const problem = recordHeaderProblem(buf, offset);
  if (problem !== undefined) return problem;
  const packetLength = buf.readUInt16BE(offset + 4);
  const flags = buf[offset + 16] ?? 0;
  return {
    ext: recordExt(buf, offset),
    packetLength,
    timestamp: buf.readUInt32BE(offset + 12),
    marker: (flags & 0x80) !== 0,
    payloadType: flags & 0x7f,
    arrivalMs: buf.readDoubleBE(offset + 20),
    crc: buf.readUInt32BE(offset + CRC_OFFSET),
  };
}

/**
 * Why the record header at `offset` of `buf` is impossible (bad magic, length, reserved bits),
 * or undefined when it is not: `decodeRecordHeader`'s checks without building the header.
 */
export function recordHeaderProblem(buf: Buffer, offset: number): string | undefined {
  if (buf.readUInt32BE(offset) !== RECORD_MAGIC) return 'bad record magic';
  const packetLength = buf.readUInt16BE(offset + 4);
  if (packetLength < MIN_PACKET_LENGTH) return `packet length ${packetLength} too small`;
  if (buf[offset + 17] !== 0 || buf.readUInt16BE(offset + 18) !== 0) {
    return 'reserved header bytes not zero';
  }
  return undefined;
}

/** The extended sequence number of the record at `offset`. */
export function recordExt(buf: Buffer, offset: number): number {
  return buf.readUInt16BE(offset + 6) * TWO_32 + buf.readUInt32BE(offset + 8);
}

/**
 * Whether the complete record at `offset` of `buf` (header + packet) matches its CRC. The sums
 * run over plain Uint8Array views: a Buffer's subarray goes through its species constructor,
 * and playout checks every record it reads (a benchmark finding).
 */
export function recordCrcOk(buf: Buffer, offset: number, packetLength: number): boolean {
  if (offset < 0 || offset + RECORD_HEADER_LENGTH + packetLength > buf.length) return false;
  const at = buf.byteOffset + offset;
  const head = new Uint8Array(buf.buffer, at, CRC_OFFSET);
  const body = new Uint8Array(buf.buffer, at + RECORD_HEADER_LENGTH, packetLength);
  return crc32(body, crc32(head)) === buf.readUInt32BE(offset + CRC_OFFSET);
}

/** A record-level problem at the end of a log: the bytes from `offset` on are not a record. */
export interface TornTail {
  track: number;
  file: string;
  /** Where the good records end (the file is truncated here when opened for append). */
  offset: number;
  /** Bytes after the last good record. */
  bytes: number;
  reason: string;
}
