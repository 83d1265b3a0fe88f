/**
 * Export of a recording for operators: classic libpcap with synthetic IPv4/UDP headers
 * (Wireshark / tshark: `tshark -r out.pcap -d udp.port==5000,rtp`), or the rtptools rtpdump
 * format (`rtpplay`, Wireshark). Packets are the stored canonical RTP packets, each track in ext
 * order, tracks merged by time.
 *
 * Time of a packet: 'media' (default) = meta.createdAt + the packet's npt, a clean timeline
 * even for late gap fills; 'arrival' = when seamd stored it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ioError } from './errors.js';
import type { Recording, StoredPacket } from './reader.js';

export type ExportTime = 'media' | 'arrival';

export interface PcapOptions {
  /** 'ethernet' (LINKTYPE_ETHERNET, default) or 'raw' (LINKTYPE_RAW, bare IPv4). */
  linkType?: 'ethernet' | 'raw';
  /** UDP port of track n is basePort + 2n (both source and destination). Default 5000. */
  basePort?: number;
  /** Synthetic addresses. Defaults 10.0.0.1 → 10.0.0.2. */
  srcAddr?: string;
  dstAddr?: string;
  time?: ExportTime;
  /** Tracks to export; default all. */
  tracks?: number[];
}

export interface RtpdumpOptions {
  /** Address/port written in the `#!rtpplay1.0` line. Defaults 10.0.0.2 / 5000. */
  address?: string;
  port?: number;
  time?: ExportTime;
  /** Tracks to export; default all (rtpdump holds one session: usually pick one). */
  tracks?: number[];
}

export interface ExportResult {
  packets: number;
  /** Packets too large for the format (IPv4 / rtpdump length limits). */
  skipped: number;
  bytes: number;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const MAX_UDP_PAYLOAD = 65535 - 20 - 8;
const MAX_RTPDUMP_PACKET = 65535 - 8;
const OUT_BATCH = 1 << 20;

interface TimedPacket {
  track: number;
  timeMs: number;
  pkt: StoredPacket;
}

/** All packets of `tracks`, each in ext order, merged by time. */
async function* merged(
  rec: Recording,
  tracks: number[],
  time: ExportTime,
): AsyncGenerator<TimedPacket> {
  const base = Date.parse(rec.meta.createdAt);
  const its = tracks.map((t) => rec.track(t).readRange(0, Number.MAX_SAFE_INTEGER));
  const heads: Array<TimedPacket | undefined> = [];
  const pull = async (k: number): Promise<void> => {
    const r = await its[k]?.next();
    const track = tracks[k] ?? 0;
    heads[k] =
      r && !r.done
        ? {
            track,
            timeMs: time === 'media' ? base + r.value.npt * 1000 : r.value.arrivalMs,
            pkt: r.value,
          }
        : undefined;
  };
  for (let k = 0; k < its.length; k++) await pull(k);
  for (;;) {
    let best = -1;
    for (let k = 0; k < heads.length; k++) {
      const h = heads[k];
      if (h && (best < 0 || h.timeMs < (heads[best]?.timeMs ?? Infinity))) best = k;
    }
    const head = heads[best];
    if (!head) return;
    yield head;
    await pull(best);
  }
}

/** Buffered sequential output file. */
class Out {
  private parts: Buffer[] = [];
  private size = 0;
  total = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly path: string,
  ) {}
  static async open(path: string): Promise<Out> {
    try {
      return new Out(await open(path, 'w'), path);
    } catch (err) {
      throw ioError(path, 'creating export file', err);
    }
  }
  async put(buf: Buffer): Promise<void> {
    this.parts.push(buf);
    this.size += buf.length;
    this.total += buf.length;
    if (this.size >= OUT_BATCH) await this.drain();
  }
  private async drain(): Promise<void> {
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    try {
      let off = 0;
      while (off < data.length) off += (await this.fh.write(data, off)).bytesWritten;
    } catch (err) {
      throw ioError(this.path, 'writing export', err);
    }
  }
  async close(): Promise<void> {
    try {
      await this.drain();
    } finally {
      await this.fh.close();
    }
  }
}

function ipv4Bytes(addr: string): Buffer {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new TypeError(`not an IPv4 address: ${addr}`);
  }
  return Buffer.from(parts);
}

/** RFC 791 header checksum over `hdr` (checksum field zero). */
function ipChecksum(hdr: Buffer): number {
  let sum = 0;
  for (let i = 0; i < hdr.length; i += 2) sum += hdr.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function allTracks(rec: Recording, tracks: number[] | undefined): number[] {
  return tracks ?? rec.tracks.map((t) => t.index);
}

/** An export format: its file header and the header each packet gets. */
interface ExportFormat {
  readonly head: Buffer;
  /** Longest RTP packet the format holds; longer ones are skipped. */
  readonly maxPacket: number;
  packetHeader(track: number, timeMs: number, rtp: Buffer): Buffer;
}

async function writeExport(
  rec: Recording,
  outPath: string,
  opts: { tracks?: number[] | undefined; time?: ExportTime | undefined },
  format: ExportFormat,
): Promise<ExportResult> {
  const out = await Out.open(outPath);
  const result: ExportResult = { packets: 0, skipped: 0, bytes: 0 };
  try {
    await out.put(format.head);
    for await (const { track, timeMs, pkt } of merged(
      rec,
      allTracks(rec, opts.tracks),
      opts.time ?? 'media',
    )) {
      const rtp = pkt.packet;
      if (rtp.length > format.maxPacket) {
        result.skipped++;
        continue;
      }
      await out.put(format.packetHeader(track, timeMs, rtp));
      await out.put(rtp);
      result.packets++;
    }
  } finally {
    await out.close();
  }
  result.bytes = out.total;
  return result;
}

/** Writes the recording as a classic libpcap file (microsecond timestamps, little-endian). */
export async function exportPcap(
  rec: Recording,
  outPath: string,
  opts: PcapOptions = {},
): Promise<ExportResult> {
  const ethernet = (opts.linkType ?? 'ethernet') === 'ethernet';
  const basePort = opts.basePort ?? 5000;
  const src = ipv4Bytes(opts.srcAddr ?? '10.0.0.1');
  const dst = ipv4Bytes(opts.dstAddr ?? '10.0.0.2');
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(0x40000, 16); // snaplen
  gh.writeUInt32LE(ethernet ? LINKTYPE_ETHERNET : LINKTYPE_RAW, 20);
  const l2 = ethernet ? 14 : 0;
  let ipId = 0;
  return writeExport(rec, outPath, opts, {
    head: gh,
    maxPacket: MAX_UDP_PAYLOAD,
    packetHeader(track, timeMs, rtp) {
      const frameLen = l2 + 20 + 8 + rtp.length;
      const h = Buffer.alloc(16 + l2 + 28);
      const us = Math.max(0, Math.round(timeMs * 1000));
      h.writeUInt32LE(Math.floor(us / 1e6), 0);
      h.writeUInt32LE(us % 1e6, 4);
      h.writeUInt32LE(frameLen, 8);
      h.writeUInt32LE(frameLen, 12);
      let o = 16;
      if (ethernet) {
        Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]).copy(h, o);
        o += 14;
      }
      const ip = h.subarray(o, o + 20);
      ip[0] = 0x45;
      ip.writeUInt16BE(20 + 8 + rtp.length, 2);
      ip.writeUInt16BE(ipId++ & 0xffff, 4);
      ip.writeUInt16BE(0x4000, 6); // DF
      ip[8] = 64;
      ip[9] = 17;
      src.copy(ip, 12);
      dst.copy(ip, 16);
      ip.writeUInt16BE(ipChecksum(ip), 10);
      const port = (basePort + 2 * track) & 0xffff;
      h.writeUInt16BE(port, o + 20);
      h.writeUInt16BE(port, o + 22);
      h.writeUInt16BE(8 + rtp.length, o + 24); // checksum 0 = none (IPv4)
      return h;
    },
  });
}

/**
 * Writes the recording in rtptools' rtpdump format: `#!rtpplay1.0 address/port\n`, RD_hdr_t
 * (start sec, usec, source address, port, padding) and per packet RD_packet_t (length incl. the
 * 8-byte header, plen = RTP length, offset ms since start) + the packet. Big-endian.
 */
export async function exportRtpdump(
  rec: Recording,
  outPath: string,
  opts: RtpdumpOptions = {},
): Promise<ExportResult> {
  const address = opts.address ?? '10.0.0.2';
  const port = opts.port ?? 5000;
  const startMs = Date.parse(rec.meta.createdAt);
  const hdr = Buffer.alloc(16);
  hdr.writeUInt32BE(Math.floor(startMs / 1000), 0);
  hdr.writeUInt32BE((startMs % 1000) * 1000, 4);
  ipv4Bytes(address).copy(hdr, 8);
  hdr.writeUInt16BE(port, 12);
  return writeExport(rec, outPath, opts, {
    head: Buffer.concat([Buffer.from(`#!rtpplay1.0 ${address}/${port}\n`, 'latin1'), hdr]),
    maxPacket: MAX_RTPDUMP_PACKET,
    packetHeader(_track, timeMs, rtp) {
      const ph = Buffer.alloc(8);
      ph.writeUInt16BE(8 + rtp.length, 0);
      ph.writeUInt16BE(rtp.length, 2);
      ph.writeUInt32BE(Math.max(0, Math.round(timeMs - startMs)) % 0x100000000, 4);
      return ph;
    },
  });
}
