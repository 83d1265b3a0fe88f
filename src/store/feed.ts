/**
 * One recording as the upstream sessions of its content fill it. There is one RecordingFeed per
 * recording in the process (RecordingFeeds hands it out with a reference count): it owns the
 * recording's only writer (and lock), and keeps what the recording holds per track as a compact
 * index in memory (feed-track.ts: ext → timestamp, record offset, length, payload hash; about 18
 * bytes a packet, the packets stay on disk and are read back when a mapping must be verified), so
 * that sessions can be mapped onto it by payload (store/matcher.ts) and fill only what it lacks.
 * Fills may come in any order; the writer appends them and the reader sorts by ext, so the gap
 * map, index and completeness stay exact.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { rtpSsrc } from '../protocol/rtp/rtp.js';
import { rtpPayloadHash } from '../seam/payload-hash.js';
import type { CatalogEntry } from './catalog-dir.js';
import { percentOf, trackCompleteness } from './completeness.js';
import { FeedTrack, LIVE_KEEP_PACKETS, type TrackLog } from './feed-track.js';
import { RECORD_HEADER_LENGTH, trackFileName } from './format.js';
import type { SessionMeta } from './meta.js';
import { scanLog, readAt } from './scan.js';
import type { RecordingWriter } from './writer.js';

export { FeedTrack, LIVE_KEEP_PACKETS, type TrackLog } from './feed-track.js';

/** Bytes read at a time when a reopened recording is indexed. */
const LOAD_READ_BYTES = 1 << 20;

/** A track log read back synchronously (a mapping verifies a few packets a round). */
class LogFile implements TrackLog {
  private fd: number | undefined;
  constructor(
    private readonly file: string,
    private readonly writer: RecordingWriter,
    private readonly track: number,
  ) {}

  written(): number {
    return this.writer.writtenBytes(this.track);
  }

  read(offset: number, length: number): Buffer | undefined {
    if (offset < 0 || offset + RECORD_HEADER_LENGTH + length > this.written()) return undefined;
    try {
      this.fd ??= openSync(this.file, 'r');
      const out = Buffer.allocUnsafe(length);
      const got = readSync(this.fd, out, 0, length, offset + RECORD_HEADER_LENGTH);
      return got === length ? out : undefined;
    } catch {
      return undefined;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
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
  private readonly logs: LogFile[];

  constructor(
    readonly entry: CatalogEntry,
    readonly writer: RecordingWriter,
    /** Made by this process now (the first session's numbering is canonical). */
    readonly created: boolean,
  ) {
    const meta = writer.metaSnapshot;
    this.live = meta.live === true;
    this.durationSec = this.live ? undefined : meta.durationSec;
    this.logs = meta.tracks.map(
      (t) => new LogFile(join(entry.dir, trackFileName(t.index)), writer, t.index),
    );
    this.tracks = meta.tracks.map(
      (t, i) =>
        new FeedTrack(
          t.clockRate,
          t.startRtpTime,
          this.live ? LIVE_KEEP_PACKETS : undefined,
          this.logs[i],
        ),
    );
    this.sessions = [...(meta.sessions ?? [])];
  }

  get id(): string {
    return this.entry.id;
  }

  /**
   * Indexes what the recording already holds (an existing recording reopened): one pass over
   * each log, in file order (the first copy of an ext counts), hashing each payload.
   */
  async load(): Promise<void> {
    for (const [t, mine] of this.tracks.entries()) {
      const file = join(this.entry.dir, trackFileName(t));
      const scan = await scanLog(file, t);
      const fh = await open(file, 'r');
      try {
        for (let i = 0; i < scan.count;) {
          // Records lie back to back: read up to LOAD_READ_BYTES of them at a time.
          const from = scan.offset[i] ?? 0;
          let j = i;
          let to = from;
          do {
            to = (scan.offset[j] ?? 0) + RECORD_HEADER_LENGTH + (scan.packetLength[j] ?? 0);
            j++;
          } while (j < scan.count && to - from < LOAD_READ_BYTES && scan.offset[j] === to);
          const chunk = await readAt(fh, from, to - from);
          for (let k = i; k < j; k++) {
            const at = (scan.offset[k] ?? 0) - from + RECORD_HEADER_LENGTH;
            const packet = chunk.subarray(at, at + (scan.packetLength[k] ?? 0));
            mine.addEntry(
              {
                ext: scan.ext[k] ?? 0,
                ts: scan.timestamp[k] ?? 0,
                offset: scan.offset[k] ?? 0,
                length: packet.length,
                hash: rtpPayloadHash(packet) ?? 0,
              },
              packet.length >= 12 ? rtpSsrc(packet) : undefined,
            );
          }
          i = j;
        }
      } finally {
        await fh.close();
      }
    }
  }

  /** Closes what the feed opened to read packets back (the writer is closed by its owner). */
  close(): void {
    for (const l of this.logs) l.close();
  }

  has(track: number, ext: number): boolean {
    return this.tracks[track]?.has(ext) ?? true;
  }

  /**
   * Writes canonical packet `packet` as `ext` of `track` unless the recording holds it already;
   * true when written. The writer keeps `packet` until its flush (no copy): the caller must not
   * change its bytes afterwards. Throws the writer's StoreError.
   */
  fill(track: number, ext: number, packet: Buffer, arrivalMs: number): boolean {
    const t = this.tracks[track];
    if (!t || t.has(ext) || ext < 0) return false;
    if (!this.writer.appendKept(track, ext, packet, arrivalMs)) return false;
    t.add(
      ext,
      this.writer.recordedPacket(track) ?? Buffer.from(packet),
      this.writer.lastRecordOffset(track),
    );
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
    for (const t of this.tracks) t.prune();
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
