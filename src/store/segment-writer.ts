/**
 * Writes one archive segment: a recording directory (meta.json, one log per track, see
 * format.ts; the record's time field holds the packet's wall-clock time) plus its index
 * (segment-index.ts) and `segment.json` (time span, section, closed). Logs and index are flushed
 * and fdatasynced together every `flushIntervalMs` (500 by default), the logs first, so a SIGKILL
 * loses at most the last second and the index never points at bytes that were not synced.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RECORD_HEADER_LENGTH } from './format.js';
import { ioError, StoreError } from './errors.js';
import { writeFileAtomic, type NewRecordingMeta } from './meta.js';
import {
  encodeIndexEntry,
  INDEX_FILE,
  SYNC_INTERVAL_MS,
  type IndexEntry,
} from './segment-index.js';
import { RecordingWriter } from './writer.js';

export const SEGMENT_FILE = 'segment.json';

/** What segment.json holds. */
export interface SegmentState {
  /** Wall-clock ms of the first and the latest packet. */
  startMs: number;
  endMs: number;
  /** Which continuous upstream session it belongs to: a new section follows every gap. */
  section: number;
  closed: boolean;
  /** Why the session feeding it ended (an outage, a stop, a crash), when known. */
  endReason?: string;
}

export async function writeSegmentState(dir: string, s: SegmentState): Promise<void> {
  await writeFileAtomic(dir, SEGMENT_FILE, JSON.stringify(s) + '\n');
}

export class SegmentWriter {
  readonly state: SegmentState;
  packets = 0;
  /** Index entries and log sizes that are on disk (synced): what readers may use. */
  readonly syncedEntries: IndexEntry[] = [];
  readonly syncedBytes: number[];
  private readonly logBytes: number[];
  private readonly lastSync: number[];
  private pendingEntries: IndexEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly writer: RecordingWriter,
    private readonly index: FileHandle,
    tracks: number,
    state: SegmentState,
    flushIntervalMs: number,
    private readonly onError: (err: StoreError) => void,
  ) {
    this.state = state;
    this.logBytes = new Array<number>(tracks).fill(0);
    this.syncedBytes = new Array<number>(tracks).fill(0);
    this.lastSync = new Array<number>(tracks).fill(-Infinity);
    if (flushIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.flush().catch((err: unknown) => {
          if (err instanceof StoreError) this.onError(err);
        });
      }, flushIntervalMs);
      this.timer.unref();
    }
  }

  static async create(
    dir: string,
    meta: NewRecordingMeta,
    startMs: number,
    section: number,
    opts: { flushIntervalMs?: number; onError?: (err: StoreError) => void } = {},
  ): Promise<SegmentWriter> {
    const writer = await RecordingWriter.create(dir, meta, { flushIntervalMs: 0 });
    const state: SegmentState = { startMs, endMs: startMs, section, closed: false };
    await writeSegmentState(dir, state);
    let index: FileHandle;
    try {
      index = await open(join(dir, INDEX_FILE), 'a');
    } catch (err) {
      await writer.close('partial').catch(() => undefined);
      throw ioError(join(dir, INDEX_FILE), 'opening', err);
    }
    return new SegmentWriter(
      dir,
      writer,
      index,
      meta.tracks.length,
      state,
      opts.flushIntervalMs ?? 500,
      opts.onError ?? (() => undefined),
    );
  }

  /** Bytes of records appended (synced or not). */
  get bytes(): number {
    return this.logBytes.reduce((a, b) => a + b, 0);
  }

  /**
   * Buffers a canonical packet with its extended sequence number and wall-clock time; `keyframe`
   * when a decoder can start at it. False when skipped (a recent duplicate). The writer keeps
   * `packet` until its flush (no copy): the caller must not change its bytes afterwards.
   */
  append(track: number, ext: number, packet: Buffer, wallMs: number, keyframe: boolean): boolean {
    if (!this.writer.appendKept(track, ext, packet, wallMs)) return false;
    const offset = this.logBytes[track] ?? 0;
    this.logBytes[track] = offset + RECORD_HEADER_LENGTH + packet.length;
    if (keyframe || wallMs - (this.lastSync[track] ?? 0) >= SYNC_INTERVAL_MS) {
      this.lastSync[track] = wallMs;
      this.pendingEntries.push({ wallMs, offset, track, keyframe });
    }
    if (wallMs > this.state.endMs) this.state.endMs = wallMs;
    this.packets++;
    return true;
  }

  /** Logs first, then the index entries for them; one flush at a time. */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    const entries = this.pendingEntries;
    const sizes = [...this.logBytes];
    this.pendingEntries = [];
    await this.writer.flush();
    if (entries.length > 0) {
      const data = Buffer.concat(entries.map(encodeIndexEntry));
      try {
        let off = 0;
        while (off < data.length) {
          const { bytesWritten } = await this.index.write(data, off, data.length - off, null);
          off += bytesWritten;
        }
        await this.index.datasync();
      } catch (err) {
        throw ioError(join(this.dir, INDEX_FILE), 'append', err);
      }
    }
    for (const e of entries) this.syncedEntries.push(e);
    sizes.forEach((s, i) => (this.syncedBytes[i] = s));
  }

  /** Flushes and closes; segment.json says closed. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.flush();
      await this.writer.close('complete');
    } finally {
      await this.index.close().catch(() => undefined);
    }
    this.state.closed = true;
    await writeSegmentState(this.dir, this.state);
  }
}
