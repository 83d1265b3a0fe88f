/**
 * What a recording being fed holds of one track (store/feed.ts): a compact index in memory, the
 * packets on disk.
 */
import { rtpSsrc, rtpTimestamp } from '../protocol/rtp/rtp.js';
import { tsDelta } from '../protocol/rtp/seq.js';
import { rtpPayloadHash } from '../seam/payload-hash.js';
import type { CountedTrack } from './completeness.js';
import { PacketIndex, type IndexEntry } from './feed-index.js';
import { RECORD_HEADER_LENGTH } from './format.js';

/**
 * Packets a live recording's track keeps in its index (the newest): a live recording grows as
 * long as its source lives, and sessions of live content are mapped onto what came last.
 */
export const LIVE_KEEP_PACKETS = 16_384;

/** Where a track's packets can be read back: its log on disk. */
export interface TrackLog {
  /** Bytes of the log written out (records ending at or below are in the file). */
  written(): number;
  /** The packet of the record at `offset` (`length` bytes after its header), or undefined. */
  read(offset: number, length: number): Buffer | undefined;
}

/**
 * What a recording holds of one track. In memory only a compact index (feed-index.ts: ext →
 * timestamp, record offset, length, payload hash); the packets are read back from the log when a
 * mapping must be verified, or from the writer's buffer while they are not written out yet. With
 * `keep` (live content) only the newest `keep` packets are indexed; older ones count as stored
 * (they are on disk) and are not filled again.
 */
export class FeedTrack implements CountedTrack {
  private readonly index = new PacketIndex();
  /**
   * Packets appended and not written out yet (views of the writer's buffer, or the packets it
   * keeps), oldest first from `unwrittenHead`: their exts, where their records end in the log.
   */
  private unwrittenExt: number[] = [];
  private unwrittenEnd: number[] = [];
  private unwrittenPacket: Array<Buffer | undefined> = [];
  private unwrittenHead = 0;
  private stored = 0;
  /** Exts below this were let go from the index (live). */
  private forgotBelow = -Infinity;
  private lowestHeld = -Infinity;
  private first = Infinity;
  private last = -Infinity;
  private maxNpt = -Infinity;
  /** SSRC of the stored packets. */
  ssrc: number | undefined;

  constructor(
    readonly clockRate: number,
    /** Canonical RTP time of npt 0 (meta startRtpTime); else the first packet's. */
    private origin: number | undefined,
    private readonly keep?: number,
    private readonly log?: TrackLog,
  ) {}

  get count(): number {
    return this.stored;
  }

  /** Packets in the index (at most `keep`). */
  get held(): number {
    return this.index.size;
  }

  /** Bytes of packet data held in memory (appended, not written out yet). */
  get heldPacketBytes(): number {
    this.prune();
    let n = 0;
    for (let i = this.unwrittenHead; i < this.unwrittenPacket.length; i++) {
      if (this.index.has(this.unwrittenExt[i] as number)) n += this.unwrittenPacket[i]?.length ?? 0;
    }
    return n;
  }

  /** Bytes of the index. */
  get indexBytes(): number {
    return this.index.bytes;
  }

  get firstExt(): number | undefined {
    return this.stored > 0 ? this.first : undefined;
  }

  get lastExt(): number | undefined {
    return this.stored > 0 ? this.last : undefined;
  }

  get durationSec(): number {
    return this.stored > 0 ? Math.max(0, this.maxNpt) : 0;
  }

  missing(): number {
    return this.stored > 0 ? this.last - this.first + 1 - this.stored : 0;
  }

  has(ext: number): boolean {
    return ext < this.forgotBelow || this.index.has(ext);
  }

  get(ext: number): IndexEntry | undefined {
    return this.index.get(ext);
  }

  /**
   * The stored packet `ext`, read back (from the writer's buffer while it is not written out,
   * else from the log); undefined when not indexed or unreadable.
   */
  packet(ext: number): Buffer | undefined {
    if (!this.index.has(ext)) return undefined;
    for (let i = this.unwrittenExt.length - 1; i >= this.unwrittenHead; i--) {
      if (this.unwrittenExt[i] === ext) {
        const p = this.unwrittenPacket[i];
        if (p) return p;
      }
    }
    const e = this.index.get(ext);
    return e ? this.log?.read(e.offset, e.length) : undefined;
  }

  /** npt (seconds) of a canonical timestamp. */
  npt(ts: number): number {
    this.origin ??= ts;
    return tsDelta(this.origin, ts) / this.clockRate;
  }

  nptOf(ext: number): number | undefined {
    const ts = this.index.tsOf(ext);
    return ts === undefined ? undefined : this.npt(ts);
  }

  /**
   * Indexes `packet` as `ext`, its record at `offset` of the log (the packet is held until the
   * log's written bytes pass the record). Without an offset nothing of the packet is held.
   */
  add(ext: number, packet: Buffer, offset = -1): void {
    if (this.has(ext)) return;
    const ssrc = rtpSsrc(packet);
    this.put(ext, rtpTimestamp(packet), offset, packet.length, rtpPayloadHash(packet) ?? 0, ssrc);
    if (offset >= 0 && this.index.has(ext)) {
      this.unwrittenExt.push(ext);
      this.unwrittenEnd.push(offset + RECORD_HEADER_LENGTH + packet.length);
      this.unwrittenPacket.push(packet);
      this.prune();
    }
  }

  /** Indexes a stored packet known by its record (a recording reopened). */
  addEntry(e: IndexEntry, ssrc: number | undefined): void {
    if (this.has(e.ext)) return;
    this.put(e.ext, e.ts, e.offset, e.length, e.hash, ssrc);
  }

  private put(
    ext: number,
    ts: number,
    offset: number,
    length: number,
    hash: number,
    ssrc: number | undefined,
  ): void {
    this.ssrc ??= ssrc;
    const npt = this.npt(ts);
    this.index.put(ext, ts, offset, length, hash, npt);
    this.stored++;
    if (this.keep !== undefined && this.index.size > this.keep) {
      const oldest = this.index.lowestFrom(this.lowestHeld);
      if (oldest !== undefined) {
        // Its packet, if not written out yet, goes at the next prune (packet() asks the index).
        this.index.delete(oldest);
        this.lowestHeld = oldest + 1;
        this.forgotBelow = Math.max(this.forgotBelow, oldest + 1);
      }
    }
    if (ext < this.first) this.first = ext;
    if (ext > this.last) this.last = ext;
    if (npt > this.maxNpt) this.maxNpt = npt;
  }

  /** Lets go of the packets the log holds now (appended in order, so oldest first). */
  prune(): void {
    let head = this.unwrittenHead;
    const n = this.unwrittenEnd.length;
    if (head === n || !this.log) return;
    const written = this.log.written();
    while (head < n && (this.unwrittenEnd[head] as number) <= written) {
      this.unwrittenPacket[head] = undefined;
      head++;
    }
    if (head === n) {
      this.unwrittenExt.length = 0;
      this.unwrittenEnd.length = 0;
      this.unwrittenPacket.length = 0;
      head = 0;
    } else if (head >= 4096 && head * 2 >= n) {
      this.unwrittenExt = this.unwrittenExt.slice(head);
      this.unwrittenEnd = this.unwrittenEnd.slice(head);
      this.unwrittenPacket = this.unwrittenPacket.slice(head);
      head = 0;
    }
    this.unwrittenHead = head;
  }

  /** Stored packets (index entries) whose npt lies in [from, to], any order. */
  window(from: number, to: number): IndexEntry[] {
    this.prune();
    return this.index.window(from, to, (ts) => this.npt(ts));
  }

  /** Missing ext ranges (inclusive) between `from` and `to`. */
  gapsBetween(from: number, to: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let open: number | undefined;
    for (let e = from; e <= to; e++) {
      if (!this.index.has(e)) open ??= e;
      else if (open !== undefined) {
        out.push([open, e - 1]);
        open = undefined;
      }
    }
    if (open !== undefined) out.push([open, to]);
    return out;
  }
}
