/**
 * The archive of one live path: `<recordings.dir>/.archive/<path>/<startMs>/`, one segment per
 * directory (segment-writer.ts), named by the wall-clock ms of its first packet so the names sort
 * by time. Segments are cut every few minutes and at every reconnect (a new section), so
 * retention drops whole segments, oldest first, and a seek finds its segment by binary search
 * over the in-memory list and its start by the segment's small index: nothing is scanned.
 *
 * On open, a segment a crash left unclosed is recovered: its logs' torn tails are cut (as for any
 * recording), its end time comes from its index, and it is marked closed.
 */
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { trackFileName } from './format.js';
import { ioError, StoreError } from './errors.js';
import { listDir, readMeta, type RecordingMeta } from './meta.js';
import { decodeIndex, INDEX_ENTRY_LENGTH, INDEX_FILE, SegmentIndex } from './segment-index.js';
import {
  SEGMENT_FILE,
  SegmentWriter,
  writeSegmentState,
  type SegmentState,
} from './segment-writer.js';
import { RecordingWriter } from './writer.js';
import { dirBytes } from './catalog-dir.js';

/** Where archives live inside the recordings directory (the catalog skips dot-names). */
export const ARCHIVE_DIR = '.archive';

export interface Segment {
  readonly name: string;
  readonly dir: string;
  readonly meta: RecordingMeta;
  readonly state: SegmentState;
  /** Bytes on disk (closed segments); the writer's count while open. */
  bytes: number;
  /** The writer while the segment is being written. */
  writer: SegmentWriter | undefined;
  /** What a recovery at open found (torn bytes cut), for the log. */
  recoveredBytes?: number;
}

const INDEX_CACHE = 64;

/** The end reason of a segment a crash left open. */
export const INTERRUPTED_REASON = 'interrupted (the daemon ended without closing the segment)';

export class ArchiveStore {
  private readonly list: Segment[] = [];
  private readonly indexes = new Map<string, SegmentIndex>();
  private nextSection = 1;

  private constructor(
    readonly dir: string,
    readonly path: string,
  ) {}

  /** Opens (creating) the archive of `path` under `recordingsDir`, recovering crashed segments. */
  static async open(recordingsDir: string, path: string): Promise<ArchiveStore> {
    const dir = join(recordingsDir, ARCHIVE_DIR, path);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw ioError(dir, 'creating archive directory', err);
    }
    const store = new ArchiveStore(dir, path);
    const names = await listDir(dir);
    for (const name of names.filter((n) => /^\d+$/.test(n)).sort()) {
      const seg = await loadSegment(join(dir, name), name).catch(() => undefined);
      if (!seg) continue;
      store.list.push(seg);
      store.nextSection = Math.max(store.nextSection, seg.state.section + 1);
    }
    store.list.sort((a, b) => a.state.startMs - b.state.startMs);
    return store;
  }

  segments(): readonly Segment[] {
    return this.list;
  }

  get bytes(): number {
    return this.list.reduce((n, s) => n + (s.writer ? s.writer.bytes : s.bytes), 0);
  }

  get startMs(): number | undefined {
    return this.list[0]?.state.startMs;
  }

  get endMs(): number | undefined {
    return this.list[this.list.length - 1]?.state.endMs;
  }

  /** A number for a new continuous stretch (after a start or an outage). */
  newSection(): number {
    return this.nextSection++;
  }

  /** Starts a segment at `startMs`; its directory is named after it (made unique). */
  async startSegment(
    meta: Parameters<typeof SegmentWriter.create>[1],
    startMs: number,
    section: number,
    onError?: (err: StoreError) => void,
  ): Promise<Segment> {
    let ms = Math.floor(startMs);
    const last = this.list[this.list.length - 1];
    if (last && Number(last.name) >= ms) ms = Number(last.name) + 1;
    const name = String(ms).padStart(15, '0');
    const dir = join(this.dir, name);
    const writer = await SegmentWriter.create(dir, meta, startMs, section, {
      ...(onError ? { onError } : {}),
    });
    const seg: Segment = {
      name,
      dir,
      meta: { ...meta, version: 1, createdAt: '', updatedAt: '', state: 'recording' },
      state: writer.state,
      bytes: 0,
      writer,
    };
    this.list.push(seg);
    return seg;
  }

  /** Closes a segment's writer and notes its size. */
  async finishSegment(seg: Segment): Promise<void> {
    const w = seg.writer;
    if (!w) return;
    try {
      await w.close();
    } finally {
      seg.writer = undefined;
      seg.bytes = await dirBytes(seg.dir).catch(() => w.bytes);
    }
  }

  /** The index of a segment: the writer's synced entries while open, else index.bin (cached). */
  async indexOf(seg: Segment): Promise<SegmentIndex> {
    const tracks = seg.meta.tracks.length;
    if (seg.writer)
      return new SegmentIndex(seg.writer.syncedEntries, tracks, seg.writer.syncedBytes);
    const known = this.indexes.get(seg.name);
    if (known) return known;
    const index = await readSegmentIndex(seg.dir, tracks);
    if (this.indexes.size >= INDEX_CACHE) {
      const oldest = this.indexes.keys().next().value;
      if (oldest !== undefined) this.indexes.delete(oldest);
    }
    this.indexes.set(seg.name, index);
    return index;
  }

  /** Log bytes of a track readers may use (synced bytes while open). */
  readableBytes(seg: Segment, track: number): number | undefined {
    return seg.writer ? (seg.writer.syncedBytes[track] ?? 0) : undefined;
  }

  /** The segment holding `wallMs`, else the first one after it (in a gap); binary search. */
  find(wallMs: number): { segment: Segment; inside: boolean } | undefined {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.list[mid]?.state.startMs ?? 0) <= wallMs) lo = mid + 1;
      else hi = mid;
    }
    const at = this.list[lo - 1];
    if (at && wallMs <= at.state.endMs) return { segment: at, inside: true };
    const next = this.list[lo];
    return next ? { segment: next, inside: false } : undefined;
  }

  /** The segment after `seg`, if any. */
  next(seg: Segment): Segment | undefined {
    const i = this.list.indexOf(seg);
    return i < 0 ? undefined : this.list[i + 1];
  }

  /**
   * Removes closed segments, oldest first, while `drop(segment)` says so (it sees them in
   * order and stops the walk by returning false). `keep` protects segments (clips point into
   * them). Returns the removed ones.
   */
  async expire(
    drop: (seg: Segment) => boolean,
    keep: (seg: Segment) => boolean = () => false,
  ): Promise<Segment[]> {
    const removed: Segment[] = [];
    for (const seg of [...this.list]) {
      if (seg.writer) break;
      if (keep(seg)) continue;
      if (!drop(seg)) break;
      try {
        await rm(seg.dir, { recursive: true, force: true });
      } catch (err) {
        throw ioError(seg.dir, 'removing segment', err);
      }
      this.list.splice(this.list.indexOf(seg), 1);
      this.indexes.delete(seg.name);
      removed.push(seg);
    }
    return removed;
  }
}

async function readSegmentIndex(dir: string, tracks: number): Promise<SegmentIndex> {
  const file = join(dir, INDEX_FILE);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') buf = Buffer.alloc(0);
    else throw ioError(file, 'reading', err);
  }
  const sizes: number[] = [];
  for (let t = 0; t < tracks; t++) {
    sizes.push(await fileSize(join(dir, trackFileName(t))));
  }
  return new SegmentIndex(decodeIndex(buf), tracks, sizes);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function loadSegment(dir: string, name: string): Promise<Segment> {
  const meta = await readMeta(dir);
  const file = join(dir, SEGMENT_FILE);
  let state: SegmentState;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as SegmentState;
  } catch (err) {
    throw new StoreError('STORE_CORRUPT', file, 'unreadable segment state', { cause: err });
  }
  let recoveredBytes: number | undefined;
  if (!state.closed || meta.state === 'recording') {
    // A crash: cut torn tails, take the end from the index, mark it closed.
    const writer = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0 });
    await writer.close('partial');
    recoveredBytes = writer.recovered.reduce((n, t) => n + t.bytes, 0);
    const index = await readSegmentIndex(dir, meta.tracks.length);
    state.endMs = Math.max(state.startMs, index.lastWallMs ?? state.startMs);
    state.closed = true;
    state.endReason ??= INTERRUPTED_REASON;
    await writeSegmentState(dir, state);
    // Drop index entries past the cut logs, so later readers need not check.
    await trimIndex(dir);
  }
  const seg: Segment = {
    name,
    dir,
    meta: await readMeta(dir),
    state,
    bytes: await dirBytes(dir),
    writer: undefined,
  };
  if (recoveredBytes !== undefined) seg.recoveredBytes = recoveredBytes;
  return seg;
}

/** Truncates a torn last index entry. */
async function trimIndex(dir: string): Promise<void> {
  const file = join(dir, INDEX_FILE);
  let fh;
  try {
    fh = await open(file, 'r+');
    const size = (await fh.stat()).size;
    const whole = size - (size % INDEX_ENTRY_LENGTH);
    if (whole !== size) await fh.truncate(whole);
  } catch {
    /* a missing index is an empty one */
  } finally {
    await fh?.close();
  }
}
