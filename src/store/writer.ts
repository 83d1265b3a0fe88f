/**
 * RecordingWriter: appends canonical RTP packets to a recording's track logs.
 *
 * Durability: append() only buffers in memory (it is synchronous and cheap, called per packet:
 * the record is encoded straight into a per-track slab, see record-buffer.ts). A flush writes
 * each track's buffered records with one writev() on an O_APPEND descriptor and then
 * fdatasync()s it. Flushes run every `flushIntervalMs` (default 500) on a timer, when the
 * buffer passes `maxBufferBytes`, on close(), and whenever the caller awaits flush(). So a
 * SIGKILL or power loss loses at most the last interval plus one in-flight flush (< 1 s at the
 * default). Tests and callers with their own scheduling pass `flushIntervalMs: 0` (no timer) or
 * inject `timers`. A crash mid-write leaves a torn tail that openForAppend() truncates.
 *
 * Duplicates: an ext already appended to a track within the last `dedupWindow` (default 8192)
 * appends is skipped (append returns false). Older duplicates are written; readers keep the
 * first copy and compaction drops the rest.
 *
 * After a failed write or sync (ENOSPC, EIO) the writer is broken: every later call throws the
 * same STORE_IO error, and the log ends in a torn tail for the next openForAppend to cut.
 * One writer per recording: nothing stops two processes from opening the same directory.
 */
import { mkdir, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { rtpSeq } from '../protocol/rtp/rtp.js';
import {
  FORMAT_VERSION,
  MAX_EXT,
  MAX_PACKET_LENGTH,
  MIN_PACKET_LENGTH,
  trackFileName,
  type TornTail,
} from './format.js';
import { StoreError, ioError } from './errors.js';
import {
  fsyncDir,
  readMeta,
  removeTempFiles,
  writeMeta,
  type NewRecordingMeta,
  type RecordingMeta,
} from './meta.js';
import { scanLog } from './scan.js';
import { RecordBuffer } from './record-buffer.js';
import { RecentExts } from './recent-exts.js';

export interface WriterTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface WriterOptions {
  /** Flush period; 0 = no timer, the caller drives flush(). Default 500. */
  flushIntervalMs?: number;
  /** Timer functions (tests inject fakes). Default: global timers, unref'd. */
  timers?: WriterTimers;
  /** Clock for meta.json times. */
  now?: () => Date;
  /** Recent exts remembered per track for duplicate skipping. Default 8192. */
  dedupWindow?: number;
  /** Flush early once this many bytes are buffered. Default 4 MiB. */
  maxBufferBytes?: number;
  /** Errors of timer-driven flushes (they are also rethrown by the next call). */
  onError?: (err: StoreError) => void;
}

const defaultTimers: WriterTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export class RecordingWriter {
  readonly dir: string;
  /** Torn tails cut by openForAppend (empty for create). */
  readonly recovered: readonly TornTail[];
  /** `*.tmp` leftovers removed by openForAppend. */
  readonly removedTempFiles: readonly string[];
  private readonly meta: RecordingMeta;
  private readonly files: FileHandle[];
  private readonly recent: RecentExts[];
  private readonly pending: RecordBuffer[];
  private pendingBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private failed: StoreError | undefined;
  private closed = false;
  private timer: unknown;
  private readonly opts: Required<Omit<WriterOptions, 'onError'>> & WriterOptions;
  private appendedCount = 0;
  private duplicateCount = 0;
  /** Per track: where the next record goes in the log, and the bytes written out so far. */
  private readonly ends: number[];
  private readonly written: number[];
  private readonly lastAt: number[];

  private constructor(
    dir: string,
    meta: RecordingMeta,
    files: FileHandle[],
    opts: WriterOptions,
    recovered: TornTail[],
    removed: string[],
    seed: number[][],
    sizes: number[],
  ) {
    this.dir = dir;
    this.ends = files.map((_, i) => sizes[i] ?? 0);
    this.written = this.ends.slice();
    this.lastAt = this.ends.map(() => -1);
    this.meta = meta;
    this.files = files;
    this.recovered = recovered;
    this.removedTempFiles = removed;
    this.opts = {
      ...opts,
      flushIntervalMs: opts.flushIntervalMs ?? 500,
      timers: opts.timers ?? defaultTimers,
      now: opts.now ?? (() => new Date()),
      dedupWindow: opts.dedupWindow ?? 8192,
      maxBufferBytes: opts.maxBufferBytes ?? 4 << 20,
    };
    this.recent = files.map((_, i) => {
      const r = new RecentExts(this.opts.dedupWindow);
      for (const ext of seed[i] ?? []) r.add(ext);
      return r;
    });
    this.pending = files.map(() => new RecordBuffer());
    if (this.opts.flushIntervalMs > 0) {
      this.timer = this.opts.timers.setInterval(() => {
        this.flush().catch((err: unknown) => {
          if (err instanceof StoreError) this.opts.onError?.(err);
        });
      }, this.opts.flushIntervalMs);
    }
  }

  /** Creates a new recording in `dir` (created if missing; must be empty). State 'recording'. */
  static async create(
    dir: string,
    meta: NewRecordingMeta,
    opts: WriterOptions = {},
  ): Promise<RecordingWriter> {
    try {
      await mkdir(dir, { recursive: true });
      if ((await readdir(dir)).length > 0) {
        throw new StoreError('STORE_INVALID', dir, 'already holds files; use openForAppend');
      }
    } catch (err) {
      throw ioError(dir, 'creating recording directory', err);
    }
    const now = (opts.now ?? (() => new Date()))().toISOString();
    const full: RecordingMeta = {
      ...structuredClone(meta),
      version: FORMAT_VERSION,
      createdAt: now,
      updatedAt: now,
      state: 'recording',
    };
    await writeMeta(dir, full);
    const files = await openLogs(dir, full);
    await fsyncDir(dir);
    return new RecordingWriter(dir, full, files, opts, [], [], [], []);
  }

  /**
   * Reopens an existing recording to continue it (after a crash or a pause): removes `*.tmp`
   * leftovers, truncates torn tails back to the last good record (reported in `recovered`),
   * seeds the duplicate window from the newest records and sets the state back to 'recording'.
   * Throws STORE_CORRUPT when a log is damaged before its tail.
   */
  static async openForAppend(dir: string, opts: WriterOptions = {}): Promise<RecordingWriter> {
    const meta = await readMeta(dir);
    const removed = await removeTempFiles(dir);
    const recovered: TornTail[] = [];
    const seed: number[][] = [];
    const sizes: number[] = [];
    const window = opts.dedupWindow ?? 8192;
    for (const t of meta.tracks) {
      const file = join(dir, trackFileName(t.index));
      const scan = await scanLog(file, t.index);
      if (scan.torn) {
        try {
          const fh = await open(file, 'r+');
          try {
            await fh.truncate(scan.goodBytes);
            await fh.sync();
          } finally {
            await fh.close();
          }
        } catch (err) {
          throw ioError(file, 'truncating torn tail', err);
        }
        recovered.push(scan.torn);
      }
      seed.push(scan.ext.slice(Math.max(0, scan.count - window)));
      sizes.push(scan.goodBytes);
    }
    meta.state = 'recording';
    meta.updatedAt = (opts.now ?? (() => new Date()))().toISOString();
    await writeMeta(dir, meta);
    const files = await openLogs(dir, meta);
    return new RecordingWriter(dir, meta, files, opts, recovered, removed, seed, sizes);
  }

  /** Records accepted by append() (not counting skipped duplicates). */
  get appended(): number {
    return this.appendedCount;
  }

  /** append() calls skipped as recent duplicates. */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** The sessions that fed the recording, written to meta.json on close(). */
  setSessions(sessions: RecordingMeta['sessions']): void {
    this.meta.sessions = sessions ? structuredClone(sessions) : undefined;
  }

  /** What meta.json said when the writer opened (sessions included). */
  get metaSnapshot(): Readonly<RecordingMeta> {
    return this.meta;
  }

  /** Bytes buffered and not yet handed to a flush. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Buffers one canonical RTP packet of `track` with its extended sequence number (whose low 16
   * bits must equal the packet's sequence number). Returns false when `ext` was appended to
   * this track recently (skipped). Throws STORE_INVALID for bad arguments, or the writer's
   * STORE_IO error once a flush has failed.
   */
  append(track: number, ext: number, packet: Buffer, arrivalMs: number): boolean {
    return this.add(track, ext, packet, arrivalMs, false);
  }

  /**
   * append(), keeping a reference to `packet` instead of a copy: its bytes are written from it by
   * the flush that takes the record, so the caller must not change them until that flush
   * settled (packets already sent to viewers, which nothing changes again).
   */
  appendKept(track: number, ext: number, packet: Buffer, arrivalMs: number): boolean {
    return this.add(track, ext, packet, arrivalMs, true);
  }

  private add(
    track: number,
    ext: number,
    packet: Buffer,
    arrivalMs: number,
    keep: boolean,
  ): boolean {
    if (this.failed) throw this.failed;
    if (this.closed) throw new StoreError('STORE_INVALID', this.dir, 'writer is closed');
    const recent = this.recent[track];
    const batch = this.pending[track];
    if (!recent || !batch) {
      throw new StoreError('STORE_INVALID', this.dir, `no track ${track}`);
    }
    if (!Number.isInteger(ext) || ext < 0 || ext > MAX_EXT) {
      throw new StoreError('STORE_INVALID', this.dir, `ext ${ext} out of range`);
    }
    if (packet.length < MIN_PACKET_LENGTH || packet.length > MAX_PACKET_LENGTH) {
      throw new StoreError('STORE_INVALID', this.dir, `RTP packet of ${packet.length} bytes`);
    }
    if ((packet[0] ?? 0) >> 6 !== 2) {
      throw new StoreError('STORE_INVALID', this.dir, 'not an RTP version 2 packet');
    }
    if (rtpSeq(packet) !== ext % 0x10000) {
      throw new StoreError(
        'STORE_INVALID',
        this.dir,
        `ext ${ext} does not match RTP sequence ${rtpSeq(packet)} (packet not canonical?)`,
      );
    }
    if (recent.has(ext)) {
      this.duplicateCount++;
      return false;
    }
    recent.add(ext);
    const n = batch.append(ext, packet, arrivalMs, keep);
    this.lastAt[track] = this.ends[track] ?? 0;
    this.ends[track] = (this.ends[track] ?? 0) + n;
    this.pendingBytes += n;
    this.appendedCount++;
    if (this.pendingBytes >= this.opts.maxBufferBytes) {
      this.flush().catch((err: unknown) => {
        if (err instanceof StoreError) this.opts.onError?.(err);
      });
    }
    return true;
  }

  /**
   * The packet bytes of the record append() last buffered for `track`, as a view of the buffer
   * it was encoded into (no copy; those bytes are never written again): what a caller that keeps
   * the packet in memory holds instead of a copy of its own.
   */
  recordedPacket(track: number): Buffer | undefined {
    return this.pending[track]?.lastPacket();
  }

  /** Where in the track's log the record append() last buffered starts (-1: none yet). */
  lastRecordOffset(track: number): number {
    return this.lastAt[track] ?? -1;
  }

  /** Bytes of the track's log written out (records below this are in the file). */
  writtenBytes(track: number): number {
    return this.written[track] ?? 0;
  }

  /** Writes and fdatasyncs everything buffered so far. Flushes run one at a time, in order. */
  flush(): Promise<void> {
    const run = this.queue.then(() => this.flushNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (this.failed) throw this.failed;
    const batches = this.pending.map((p) => p.take());
    this.pendingBytes = 0;
    for (let t = 0; t < batches.length; t++) {
      const batch = batches[t];
      const fh = this.files[t];
      if (!batch || batch.length === 0 || !fh) continue;
      try {
        await writeAll(fh, batch);
        for (const b of batch) this.written[t] = (this.written[t] ?? 0) + b.length;
        await fh.datasync();
      } catch (err) {
        this.failed = ioError(join(this.dir, trackFileName(t)), 'append', err);
        throw this.failed;
      }
    }
  }

  /**
   * Flushes, closes the logs and records the final state in meta.json ('complete' by default,
   * 'partial' when the caller knows it stopped early). A second close() does nothing.
   */
  async close(state: 'complete' | 'partial' = 'complete'): Promise<void> {
    if (this.closed) return;
    if (this.timer !== undefined) this.opts.timers.clearInterval(this.timer);
    let error: Error | undefined;
    try {
      await this.flush();
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    this.closed = true;
    for (const fh of this.files) await fh.close().catch(() => undefined);
    if (error) throw error;
    this.meta.state = state;
    this.meta.updatedAt = this.opts.now().toISOString();
    await writeMeta(this.dir, this.meta);
  }
}

/** All of `pieces`, in order: one writev, then plain writes for whatever a short write left. */
async function writeAll(fh: FileHandle, pieces: Buffer[]): Promise<void> {
  let total = 0;
  for (const p of pieces) total += p.length;
  let done = (await fh.writev(pieces)).bytesWritten;
  if (done >= total) return;
  const rest = Buffer.concat(pieces);
  while (done < total) done += (await fh.write(rest, done, total - done, null)).bytesWritten;
}

async function openLogs(dir: string, meta: RecordingMeta): Promise<FileHandle[]> {
  const files: FileHandle[] = [];
  try {
    for (const t of meta.tracks) files.push(await open(join(dir, trackFileName(t.index)), 'a'));
  } catch (err) {
    for (const fh of files) await fh.close().catch(() => undefined);
    throw ioError(dir, 'opening track logs', err);
  }
  return files;
}
