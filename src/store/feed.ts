/**
 * One recording as the upstream sessions of its content fill it. There is one RecordingFeed per
 * recording in the process (RecordingFeeds hands it out with a reference count): it owns the
 * recording's only writer (and lock), and keeps what the recording holds per track in memory
 * (ext → timestamp and packet) so that sessions can be mapped onto it by payload
 * (store/matcher.ts) and fill only what it lacks. Fills may come in any order; the writer
 * appends them and the reader sorts by ext, so the gap map, index and completeness stay exact.
 */
import { rtpTimestamp } from '../protocol/rtp/rtp.js';
import { tsDelta } from '../protocol/rtp/seq.js';
import type { CatalogEntry } from './catalog-dir.js';
import { percentOf, trackCompleteness, type CountedTrack } from './completeness.js';
import type { RefPacket } from './matcher.js';
import type { SessionMeta } from './meta.js';
import { openRecording } from './reader.js';
import type { RecordingWriter } from './writer.js';

/**
 * Packets a live recording's track keeps in memory (the newest): a live recording grows as long
 * as its source lives, and sessions of live content are mapped onto what came last.
 */
export const LIVE_KEEP_PACKETS = 16_384;

/**
 * What a recording holds of one track, in memory. With `keep` (live content) only the newest
 * `keep` packets are held; older ones count as stored (they are on disk) and are not filled again.
 */
export class FeedTrack implements CountedTrack {
  private readonly packets = new Map<number, RefPacket>();
  private stored = 0;
  /** Exts below this were let go from memory (live). */
  private forgotBelow = -Infinity;
  private first = Infinity;
  private last = -Infinity;
  private maxNpt = -Infinity;

  constructor(
    readonly clockRate: number,
    /** Canonical RTP time of npt 0 (meta startRtpTime); else the first packet's. */
    private origin: number | undefined,
    private readonly keep?: number,
  ) {}

  get count(): number {
    return this.stored;
  }

  /** Packets held in memory (at most `keep`). */
  get held(): number {
    return this.packets.size;
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
    return ext < this.forgotBelow || this.packets.has(ext);
  }

  get(ext: number): RefPacket | undefined {
    return this.packets.get(ext);
  }

  /** npt (seconds) of a canonical timestamp. */
  npt(ts: number): number {
    this.origin ??= ts;
    return tsDelta(this.origin, ts) / this.clockRate;
  }

  nptOf(ext: number): number | undefined {
    const p = this.packets.get(ext);
    return p ? this.npt(p.ts) : undefined;
  }

  add(ext: number, packet: Buffer): void {
    if (this.has(ext)) return;
    const ts = rtpTimestamp(packet);
    this.packets.set(ext, { ext, ts, packet });
    this.stored++;
    if (this.keep !== undefined && this.packets.size > this.keep) {
      const oldest = this.packets.keys().next().value as number;
      this.packets.delete(oldest);
      this.forgotBelow = Math.max(this.forgotBelow, oldest + 1);
    }
    if (ext < this.first) this.first = ext;
    if (ext > this.last) this.last = ext;
    this.maxNpt = Math.max(this.maxNpt, this.npt(ts));
  }

  /** Stored packets whose npt lies in [from, to], any order. */
  window(from: number, to: number): RefPacket[] {
    const out: RefPacket[] = [];
    for (const p of this.packets.values()) {
      const t = this.npt(p.ts);
      if (t >= from && t <= to) out.push(p);
    }
    return out;
  }

  /** Missing ext ranges (inclusive) between `from` and `to`. */
  gapsBetween(from: number, to: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let open: number | undefined;
    for (let e = from; e <= to; e++) {
      if (!this.packets.has(e)) open ??= e;
      else if (open !== undefined) {
        out.push([open, e - 1]);
        open = undefined;
      }
    }
    if (open !== undefined) out.push([open, to]);
    return out;
  }
}

/** Something that could not be placed yet and may map once the recording holds more. */
export interface FeedRetry {
  /** Tries again; returns the packets it filled. */
  retry(): number;
}

export class RecordingFeed {
  readonly tracks: FeedTrack[];
  readonly sessions: SessionMeta[];
  readonly live: boolean;
  readonly durationSec: number | undefined;
  /** Sessions holding it (RecordingFeeds counts them). */
  refs = 0;
  /** Packets filled since it was opened (all sessions). */
  filled = 0;
  private readonly waiting = new Set<FeedRetry>();
  private retriedAt = -1;

  constructor(
    readonly entry: CatalogEntry,
    readonly writer: RecordingWriter,
    /** Made by this process now (the first session's numbering is canonical). */
    readonly created: boolean,
  ) {
    const meta = writer.metaSnapshot;
    this.live = meta.live === true;
    this.durationSec = this.live ? undefined : meta.durationSec;
    this.tracks = meta.tracks.map(
      (t) => new FeedTrack(t.clockRate, t.startRtpTime, this.live ? LIVE_KEEP_PACKETS : undefined),
    );
    this.sessions = [...(meta.sessions ?? [])];
  }

  get id(): string {
    return this.entry.id;
  }

  /** Reads what the recording already holds into memory (an existing recording reopened). */
  async load(): Promise<void> {
    const rec = await openRecording(this.entry.dir);
    for (const t of rec.tracks) {
      const mine = this.tracks[t.index];
      if (!mine || t.firstExt === undefined || t.lastExt === undefined) continue;
      for await (const p of t.readRange(t.firstExt, t.lastExt))
        mine.add(p.ext, Buffer.from(p.packet));
    }
  }

  has(track: number, ext: number): boolean {
    return this.tracks[track]?.has(ext) ?? true;
  }

  /**
   * Writes canonical packet `packet` as `ext` of `track` unless the recording holds it already;
   * true when written. Throws the writer's StoreError.
   */
  fill(track: number, ext: number, packet: Buffer, arrivalMs: number): boolean {
    const t = this.tracks[track];
    if (!t || t.has(ext) || ext < 0) return false;
    if (!this.writer.append(track, ext, packet, arrivalMs)) return false;
    t.add(ext, this.writer.recordedPacket(track) ?? Buffer.from(packet));
    this.filled++;
    return true;
  }

  /** Completeness in percent, as completenessOf() would find it on disk. */
  percent(): number {
    let received = 0;
    let missing = 0;
    for (const t of this.tracks) {
      const c = trackCompleteness(t, this.durationSec);
      received += c.received;
      missing += c.gapPackets + c.headPackets + c.tailPackets;
    }
    return percentOf(received, received + missing);
  }

  /** Nothing is missing. */
  get whole(): boolean {
    return this.tracks.every((t) => {
      const c = trackCompleteness(t, this.durationSec);
      return c.received > 0 && c.gapPackets + c.headPackets + c.tailPackets === 0;
    });
  }

  noteSession(s: SessionMeta): void {
    this.sessions.push(s);
    this.writer.setSessions(this.sessions);
  }

  /** Keeps `r` to try again whenever the recording grows (until close). */
  park(r: FeedRetry): void {
    this.waiting.add(r);
  }

  unpark(r: FeedRetry): void {
    this.waiting.delete(r);
  }

  /**
   * Retries everything parked, when the recording grew since the last retry, until no retry fills
   * anything more; returns the packets filled.
   */
  retryParked(): number {
    let total = 0;
    if (this.filled === this.retriedAt || this.waiting.size === 0) return 0;
    for (let round = 0; round < 8; round++) {
      let n = 0;
      for (const r of this.waiting) n += r.retry();
      total += n;
      if (n === 0) break;
    }
    this.retriedAt = this.filled;
    return total;
  }
}
