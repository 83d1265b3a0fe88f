/**
 * What one path's archive holds, from its segment list alone (each segment's `segment.json`,
 * and `index.bin` for a segment still being written): the spans kept (contiguous runs of
 * segments), the gaps between them with the outage reason the archiver wrote when the segment
 * before a gap was closed, the segment count, bytes, and the oldest and newest moment kept. No
 * media is read.
 *
 * `describeArchive` is pure; `readArchiveFacts` reads a recordings directory without changing
 * anything (a segment a crash left open stays as it is: the daemon recovers it at its next
 * start), so it works whether the daemon runs or not.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dirBytes } from './catalog-dir.js';
import { ioError } from './errors.js';
import { decodeIndex, INDEX_FILE } from './segment-index.js';
import { SEGMENT_FILE, type SegmentState } from './segment-writer.js';
import { ARCHIVE_DIR, type ArchiveStore } from './segments.js';

/** One segment as the listing needs it. */
export interface SegmentFacts {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly section: number;
  /** False while being written (or left open by a crash). */
  readonly closed: boolean;
  readonly bytes: number;
  /** Why the session feeding it ended, when the archiver said. */
  readonly endReason?: string;
}

export interface ArchiveSpan {
  readonly fromMs: number;
  readonly toMs: number;
  readonly segments: number;
  readonly bytes: number;
}

export interface ArchiveGap {
  readonly fromMs: number;
  readonly toMs: number;
  /** The outage's reason as logged (`archive.gap`), else what the segments say. */
  readonly reason?: string;
}

export interface ArchiveDescription {
  readonly path: string;
  readonly segments: number;
  readonly bytes: number;
  /** The oldest and the newest moment kept (wall-clock ms); undefined for an empty archive. */
  readonly oldestMs?: number;
  readonly newestMs?: number;
  readonly spans: readonly ArchiveSpan[];
  readonly gaps: readonly ArchiveGap[];
  /** A segment is open (being written, or a crash left it open). */
  readonly open: boolean;
}

/**
 * Segments of one section follow each other within a frame or two (a segment is cut at a
 * packet); a longer hole between them means segments in between were dropped.
 */
export const CONTIGUOUS_MS = 2000;

/** A hole inside one section: segments between were dropped (quota) while older ones stayed. */
export const DROPPED_REASON = 'segments dropped';

/** Spans, gaps and totals of one path's segments (any order). */
export function describeArchive(path: string, facts: readonly SegmentFacts[]): ArchiveDescription {
  const list = [...facts].sort((a, b) => a.startMs - b.startMs);
  const spans: ArchiveSpan[] = [];
  const gaps: ArchiveGap[] = [];
  let run: { fromMs: number; toMs: number; segments: number; bytes: number } | undefined;
  let prev: SegmentFacts | undefined;
  for (const seg of list) {
    const endMs = Math.max(seg.startMs, seg.endMs);
    const joins =
      run !== undefined &&
      prev !== undefined &&
      prev.section === seg.section &&
      seg.startMs - run.toMs <= CONTIGUOUS_MS;
    if (run && joins) {
      run.toMs = Math.max(run.toMs, endMs);
      run.segments++;
      run.bytes += seg.bytes;
    } else {
      if (run && prev) {
        spans.push(run);
        const reason =
          prev.endReason ?? (prev.section === seg.section ? DROPPED_REASON : undefined);
        gaps.push({
          fromMs: run.toMs,
          toMs: Math.max(run.toMs, seg.startMs),
          ...(reason !== undefined ? { reason } : {}),
        });
      }
      run = { fromMs: seg.startMs, toMs: endMs, segments: 1, bytes: seg.bytes };
    }
    prev = seg;
  }
  if (run) spans.push(run);
  const first = spans[0];
  const last = spans[spans.length - 1];
  return {
    path,
    segments: list.length,
    bytes: list.reduce((n, s) => n + s.bytes, 0),
    ...(first ? { oldestMs: first.fromMs } : {}),
    ...(last ? { newestMs: last.toMs } : {}),
    spans,
    gaps,
    open: list.some((s) => !s.closed),
  };
}

/** The facts of an open store's segments (the writer's counts for the one being written). */
export function storeFacts(store: ArchiveStore): SegmentFacts[] {
  return store.segments().map((s) => ({
    name: s.name,
    startMs: s.state.startMs,
    endMs: s.state.endMs,
    section: s.state.section,
    closed: s.writer === undefined,
    bytes: s.writer ? s.writer.bytes : s.bytes,
    ...(s.state.endReason !== undefined ? { endReason: s.state.endReason } : {}),
  }));
}

/** The paths with an archive directory under `recordingsDir` (none when it is missing). */
export async function archivedPathNames(recordingsDir: string): Promise<string[]> {
  const dir = join(recordingsDir, ARCHIVE_DIR);
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(dir, 'listing', err);
  }
}

/**
 * The segments of `path`'s archive as on disk, read-only. An open segment's end is the last
 * time its index holds (what a reader may use); a segment whose state is unreadable is left out.
 */
export async function readArchiveFacts(
  recordingsDir: string,
  path: string,
): Promise<SegmentFacts[]> {
  const dir = join(recordingsDir, ARCHIVE_DIR, path);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^\d+$/.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(dir, 'listing', err);
  }
  const out: SegmentFacts[] = [];
  for (const name of names.sort()) {
    const segDir = join(dir, name);
    const state = await readState(segDir);
    if (!state) continue;
    let endMs = state.endMs;
    if (!state.closed) endMs = Math.max(endMs, (await lastIndexedMs(segDir)) ?? state.startMs);
    out.push({
      name,
      startMs: state.startMs,
      endMs,
      section: state.section,
      closed: state.closed,
      bytes: await dirBytes(segDir).catch(() => 0),
      ...(typeof state.endReason === 'string' ? { endReason: state.endReason } : {}),
    });
  }
  return out;
}

async function readState(segDir: string): Promise<SegmentState | undefined> {
  try {
    const s = JSON.parse(await readFile(join(segDir, SEGMENT_FILE), 'utf8')) as SegmentState;
    if (typeof s.startMs !== 'number' || typeof s.endMs !== 'number') return undefined;
    if (typeof s.section !== 'number') return undefined;
    return s;
  } catch {
    return undefined; // removed by expiry meanwhile, or torn: not listed
  }
}

async function lastIndexedMs(segDir: string): Promise<number | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(join(segDir, INDEX_FILE));
  } catch {
    return undefined;
  }
  let max: number | undefined;
  for (const e of decodeIndex(buf)) if (max === undefined || e.wallMs > max) max = e.wallMs;
  return max;
}
