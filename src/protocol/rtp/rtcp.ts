/**
 * RTCP (RFC 3550 section 6): compound packet parse/serialize for SR, RR, SDES, BYE and APP; any
 * other packet type (RTPFB/PSFB 205/206, XR 207, ...) is carried as 'unknown'.
 *
 * Parsed `data` / `body` buffers are zero-copy views of the input. SR/RR profile-specific
 * extensions after the report blocks are ignored. A P bit is honoured on any packet of a compound
 * (RFC 3550 only allows it on the last; we tolerate it anywhere) and its padding is not part of
 * the parsed result.
 */
import { ProtocolError } from '../../errors.js';

export interface ReportBlock {
  ssrc: number;
  /** 0..255 (fraction * 256). */
  fractionLost: number;
  /** Signed 24-bit; serializeRtcp clamps to -0x800000..0x7fffff as RFC 3550 6.4.1 asks. */
  cumulativeLost: number;
  /** Extended highest sequence number received, uint32. */
  highestSeq: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

export type RtcpPacket =
  | {
      type: 'sr';
      ssrc: number;
      ntpSec: number;
      ntpFrac: number;
      rtpTimestamp: number;
      packetCount: number;
      octetCount: number;
      reports: ReportBlock[];
    }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: Array<{ ssrc: number; items: Array<{ type: number; text: string }> }> }
  | { type: 'bye'; ssrcs: number[]; reason?: string }
  | { type: 'app'; subtype: number; ssrc: number; name: string; data: Buffer }
  | { type: 'unknown'; packetType: number; count: number; body: Buffer };

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** SDES item types (RFC 3550 6.5). Item text is UTF-8; PRIV text is carried raw. */
export const SdesItem = {
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  PRIV: 8,
} as const;

/** Report blocks, SDES chunks and BYE sources one packet can carry (5-bit count field). */
export const RTCP_MAX_COUNT = 31;

const REPORT_BLOCK_LENGTH = 24;

function badLength(message: string): ProtocolError {
  return new ProtocolError('RTCP_BAD_LENGTH', message);
}

function readReports(body: Buffer, offset: number, count: number): ReportBlock[] {
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++, offset += REPORT_BLOCK_LENGTH) {
    const lost = body.readUIntBE(offset + 5, 3);
    reports.push({
      ssrc: body.readUInt32BE(offset),
      fractionLost: body[offset + 4] ?? 0,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSeq: body.readUInt32BE(offset + 8),
      jitter: body.readUInt32BE(offset + 12),
      lsr: body.readUInt32BE(offset + 16),
      dlsr: body.readUInt32BE(offset + 20),
    });
  }
  return reports;
}

function parseSdes(body: Buffer, count: number): RtcpPacket {
  const chunks: Array<{ ssrc: number; items: Array<{ type: number; text: string }> }> = [];
  let pos = 0;
  for (let c = 0; c < count; c++) {
    if (pos + 4 > body.length) throw badLength(`SDES chunk ${c} of ${count} missing`);
    const ssrc = body.readUInt32BE(pos);
    pos += 4;
    const items: Array<{ type: number; text: string }> = [];
    for (;;) {
      const type = body[pos];
      if (type === undefined) throw badLength(`SDES chunk ${c} has no end item`);
      if (type === 0) break;
      const len = body[pos + 1];
      if (len === undefined || pos + 2 + len > body.length) {
        throw badLength(`SDES item overruns the packet`);
      }
      items.push({ type, text: body.toString('utf8', pos + 2, pos + 2 + len) });
      pos += 2 + len;
    }
    pos = (pos + 4) & ~3; // the null item, then null octets up to the next 32-bit boundary
    chunks.push({ ssrc, items });
  }
  return { type: 'sdes', chunks };
}

function parseBye(body: Buffer, count: number): RtcpPacket {
  if (count * 4 > body.length) throw badLength(`BYE with ${count} sources in ${body.length} bytes`);
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(i * 4));
  const at = count * 4;
  const len = body[at];
  if (len === undefined) return { type: 'bye', ssrcs };
  if (at + 1 + len > body.length) throw badLength('BYE reason overruns the packet');
  return { type: 'bye', ssrcs, reason: body.toString('utf8', at + 1, at + 1 + len) };
}

function parseOne(packetType: number, count: number, body: Buffer): RtcpPacket {
  switch (packetType) {
    case RTCP_SR: {
      if (body.length < 24 + count * REPORT_BLOCK_LENGTH) {
        throw badLength(`SR with ${count} reports in ${body.length} bytes`);
      }
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        ntpSec: body.readUInt32BE(4),
        ntpFrac: body.readUInt32BE(8),
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports: readReports(body, 24, count),
      };
    }
    case RTCP_RR:
      if (body.length < 4 + count * REPORT_BLOCK_LENGTH) {
        throw badLength(`RR with ${count} reports in ${body.length} bytes`);
      }
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports: readReports(body, 4, count) };
    case RTCP_SDES:
      return parseSdes(body, count);
    case RTCP_BYE:
      return parseBye(body, count);
    case RTCP_APP:
      if (body.length < 8) throw badLength(`APP of ${body.length} bytes`);
      return {
        type: 'app',
        subtype: count,
        ssrc: body.readUInt32BE(0),
        name: body.toString('latin1', 4, 8),
        data: body.subarray(8),
      };
    default:
      return { type: 'unknown', packetType, count, body };
  }
}

/**
 * Parse a compound RTCP packet. Throws ProtocolError RTCP_TOO_SHORT (fewer than 4 bytes),
 * RTCP_BAD_VERSION (a packet whose version is not 2) or RTCP_BAD_LENGTH (a length field
 * exceeding the buffer, trailing bytes, a bad padding count, or a body too small for its type
 * and count).
 */
export function parseRtcp(buf: Buffer): RtcpPacket[] {
  if (buf.length < 4) throw new ProtocolError('RTCP_TOO_SHORT', `RTCP of ${buf.length} bytes`);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4) throw badLength(`${buf.length - offset} trailing bytes`);
    const b0 = buf[offset] ?? 0;
    if (b0 >> 6 !== 2) {
      throw new ProtocolError('RTCP_BAD_VERSION', `RTCP version ${b0 >> 6}, expected 2`);
    }
    const size = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + size > buf.length) {
      throw badLength(`RTCP packet of ${size} bytes exceeds the ${buf.length - offset} left`);
    }
    let end = offset + size;
    if (b0 & 0x20) {
      const pad = buf[end - 1] ?? 0;
      if (pad === 0 || pad > size - 4) throw badLength(`RTCP padding count ${pad}`);
      end -= pad;
    }
    packets.push(parseOne(buf[offset + 1] ?? 0, b0 & 0x1f, buf.subarray(offset + 4, end)));
    offset += size;
  }
  return packets;
}

// ---- serialization ----

function header(packetType: number, count: number, bodyLength: number): Buffer {
  if (bodyLength % 4 !== 0) throw new RangeError(`RTCP body of ${bodyLength} octets`);
  if (bodyLength / 4 > 0xffff) throw new RangeError(`RTCP packet of ${bodyLength} octets`);
  const h = Buffer.alloc(4);
  h[0] = 0x80 | count;
  h[1] = packetType;
  h.writeUInt16BE(bodyLength / 4, 2);
  return h;
}

function packet(packetType: number, count: number, body: Buffer): Buffer {
  if (!Number.isInteger(count) || count < 0 || count > RTCP_MAX_COUNT) {
    throw new RangeError(`RTCP count ${count} outside 0..31`);
  }
  return Buffer.concat([header(packetType, count, body.length), body]);
}

function groups<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += RTCP_MAX_COUNT) {
    out.push(items.slice(i, i + RTCP_MAX_COUNT));
  }
  return out.length > 0 ? out : [[]];
}

function writeReports(reports: ReportBlock[]): Buffer {
  const buf = Buffer.alloc(reports.length * REPORT_BLOCK_LENGTH);
  reports.forEach((r, i) => {
    const o = i * REPORT_BLOCK_LENGTH;
    const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(r.cumulativeLost)));
    buf.writeUInt32BE(r.ssrc, o);
    buf.writeUInt8(r.fractionLost, o + 4);
    buf.writeUIntBE(lost & 0xffffff, o + 5, 3);
    buf.writeUInt32BE(r.highestSeq, o + 8);
    buf.writeUInt32BE(r.jitter, o + 12);
    buf.writeUInt32BE(r.lsr, o + 16);
    buf.writeUInt32BE(r.dlsr, o + 20);
  });
  return buf;
}

function u32(...values: number[]): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32BE(v, i * 4));
  return buf;
}

/** Length-prefixed text: one length octet, then UTF-8 (max 255 octets). */
function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 255) throw new RangeError(`RTCP text of ${bytes.length} octets (max 255)`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** Zero octets that bring `length` up to a multiple of 4 (at least `min`). */
function zeroPad(length: number, min = 0): Buffer {
  return Buffer.alloc(min + ((4 - ((length + min) % 4)) % 4));
}

function sdesChunk(chunk: { ssrc: number; items: Array<{ type: number; text: string }> }): Buffer {
  const parts = [u32(chunk.ssrc)];
  for (const item of chunk.items) {
    if (!Number.isInteger(item.type) || item.type < 1 || item.type > 255) {
      throw new RangeError(`SDES item type ${item.type} outside 1..255`);
    }
    parts.push(Buffer.from([item.type]), lengthPrefixed(item.text));
  }
  const length = parts.reduce((n, p) => n + p.length, 0);
  parts.push(zeroPad(length, 1)); // the null item plus padding to the 32-bit boundary
  return Buffer.concat(parts);
}

function serializeOne(p: RtcpPacket): Buffer[] {
  switch (p.type) {
    case 'sr': {
      const [first = [], ...rest] = groups(p.reports);
      const fixed = u32(p.ssrc, p.ntpSec, p.ntpFrac, p.rtpTimestamp, p.packetCount, p.octetCount);
      const sr = packet(RTCP_SR, first.length, Buffer.concat([fixed, writeReports(first)]));
      const more = rest.map((r) => serializeOne({ type: 'rr', ssrc: p.ssrc, reports: r }));
      return [sr, ...more.flat()];
    }
    case 'rr':
      return groups(p.reports).map((r) =>
        packet(RTCP_RR, r.length, Buffer.concat([u32(p.ssrc), writeReports(r)])),
      );
    case 'sdes':
      return groups(p.chunks).map((cs) =>
        packet(RTCP_SDES, cs.length, Buffer.concat(cs.map(sdesChunk))),
      );
    case 'bye':
      return groups(p.ssrcs).map((ssrcs) => {
        const parts = [u32(...ssrcs)];
        if (p.reason !== undefined) {
          const reason = lengthPrefixed(p.reason);
          parts.push(reason, zeroPad(reason.length));
        }
        return packet(RTCP_BYE, ssrcs.length, Buffer.concat(parts));
      });
    case 'app': {
      const name = Buffer.from(p.name, 'latin1');
      if (name.length !== 4 || !/^[\x20-\x7e]{4}$/.test(p.name)) {
        throw new RangeError(`APP name ${JSON.stringify(p.name)} is not 4 ASCII characters`);
      }
      return [packet(RTCP_APP, p.subtype, Buffer.concat([u32(p.ssrc), name, p.data]))];
    }
    case 'unknown':
      if (!Number.isInteger(p.packetType) || p.packetType < 0 || p.packetType > 255) {
        throw new RangeError(`RTCP packet type ${p.packetType}`);
      }
      return [packet(p.packetType, p.count, p.body)];
  }
}

/**
 * Serialize packets into one compound RTCP packet. Each packet is a whole number of 32-bit words
 * (SDES chunks and BYE reasons are null-padded as RFC 3550 prescribes; the P bit is never set).
 * More than 31 report blocks, SDES chunks or BYE sources are split over several packets: an SR's
 * extra blocks go into RR packets with the same SSRC, a BYE's reason is repeated in each part.
 * Throws RangeError for values that cannot be encoded: APP data or unknown bodies that are not a
 * multiple of 4 octets, an APP name that is not 4 ASCII characters, subtype/count outside 0..31,
 * texts over 255 UTF-8 octets, SDES item type 0, fields out of their unsigned ranges.
 */
export function serializeRtcp(packets: RtcpPacket[]): Buffer {
  return Buffer.concat(packets.flatMap(serializeOne));
}

/** Seconds between the NTP epoch (1900-01-01) and the Unix epoch. */
export const NTP_UNIX_OFFSET = 2_208_988_800;

/** NTP timestamp for a JS ms epoch (fractional ms allowed). Seconds wrap modulo 2^32 (NTP era 1
 * starts in 2036), the fraction is truncated to 1/2^32 s. */
export function ntpFromMs(ms: number): { sec: number; frac: number } {
  const wholeSec = Math.floor(ms / 1000);
  const remMs = ms - wholeSec * 1000;
  const frac = Math.min(0xffffffff, Math.floor((remMs / 1000) * 0x100000000));
  const sec = (((wholeSec + NTP_UNIX_OFFSET) % 0x100000000) + 0x100000000) % 0x100000000;
  return { sec, frac };
}

/** The middle 32 bits of a 64-bit NTP timestamp, as carried in LSR (RFC 3550 6.4.1). */
export function ntpMiddle32(sec: number, frac: number): number {
  return (((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0;
}
