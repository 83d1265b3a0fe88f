/**
 * The index of one archive segment (`index.bin` beside its track logs): where in each track's log
 * a player can start, by wall-clock time, so a time-shift seek reads a few hundred bytes instead
 * of scanning a log. Appended with the logs and synced with them; a torn last entry (a crash) is
 * ignored, and entries pointing past a log's end (its torn tail was cut) are too.
 *
 * Entry, 24 bytes, big-endian:
 *   0  8  wall-clock time of the packet, float64 ms since the Unix epoch
 *   8  8  offset of its record in the track log, float64
 *  16  1  track
 *  17  1  kind: 1 = starts a keyframe (parameter sets included; every packet of codecs without
 *         keyframes), 0 = a sync point (any packet, at most every SYNC_INTERVAL_MS per track)
 *  18  2  reserved, 0
 *  20  4  CRC-32 of bytes 0..19
 */
import { crc32 } from 'node:zlib';

export const INDEX_FILE = 'index.bin';
export const INDEX_ENTRY_LENGTH = 24;
/** A sync entry is written at least this often per track (ms of wall-clock time). */
export const SYNC_INTERVAL_MS = 500;

export interface IndexEntry {
  readonly wallMs: number;
  readonly offset: number;
  readonly track: number;
  readonly keyframe: boolean;
}

export function encodeIndexEntry(e: IndexEntry): Buffer {
  const b = Buffer.alloc(INDEX_ENTRY_LENGTH);
  b.writeDoubleBE(e.wallMs, 0);
  b.writeDoubleBE(e.offset, 8);
  b[16] = e.track;
  b[17] = e.keyframe ? 1 : 0;
  b.writeUInt32BE(crc32(b.subarray(0, 20)), 20);
  return b;
}

/** Entries of an index file's bytes, in file order; stops at the first bad or torn entry. */
export function decodeIndex(buf: Buffer): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (let at = 0; at + INDEX_ENTRY_LENGTH <= buf.length; at += INDEX_ENTRY_LENGTH) {
    if (crc32(buf.subarray(at, at + 20)) !== buf.readUInt32BE(at + 20)) break;
    const kind = buf[at + 17];
    if (kind !== 0 && kind !== 1) break;
    out.push({
      wallMs: buf.readDoubleBE(at),
      offset: buf.readDoubleBE(at + 8),
      track: buf[at + 16] ?? 0,
      keyframe: kind === 1,
    });
  }
  return out;
}

/** One segment's entries per track, each sorted by wall time (file order). */
export class SegmentIndex {
  private readonly byTrack: IndexEntry[][];

  constructor(entries: readonly IndexEntry[], tracks: number, logBytes?: readonly number[]) {
    this.byTrack = Array.from({ length: tracks }, () => []);
    for (const e of entries) {
      const list = this.byTrack[e.track];
      const size = logBytes?.[e.track];
      if (!list || (size !== undefined && e.offset >= size)) continue;
      const last = list[list.length - 1];
      // Wall times of one track rise (B-frames aside): keep the list sorted for binary search.
      if (last && e.wallMs < last.wallMs) continue;
      list.push(e);
    }
  }

  entries(track: number): readonly IndexEntry[] {
    return this.byTrack[track] ?? [];
  }

  /** The last wall time indexed (any track), undefined for an empty index. */
  get lastWallMs(): number | undefined {
    let max: number | undefined;
    for (const l of this.byTrack) {
      const e = l[l.length - 1];
      if (e && (max === undefined || e.wallMs > max)) max = e.wallMs;
    }
    return max;
  }

  get firstWallMs(): number | undefined {
    let min: number | undefined;
    for (const l of this.byTrack) {
      const e = l[0];
      if (e && (min === undefined || e.wallMs < min)) min = e.wallMs;
    }
    return min;
  }

  /** The last entry of `track` at or before `wallMs` (keyframes only when asked); binary search. */
  atOrBefore(track: number, wallMs: number, keyframe: boolean): IndexEntry | undefined {
    const list = this.byTrack[track] ?? [];
    for (let i = countBefore(list, wallMs, true) - 1; i >= 0; i--) {
      const e = list[i];
      if (e && (!keyframe || e.keyframe)) return e;
    }
    return undefined;
  }

  /** The first entry of `track` at or after `wallMs` (keyframes only when asked). */
  atOrAfter(track: number, wallMs: number, keyframe: boolean): IndexEntry | undefined {
    const list = this.byTrack[track] ?? [];
    for (let i = countBefore(list, wallMs, false); i < list.length; i++) {
      const e = list[i];
      if (e && (!keyframe || e.keyframe)) return e;
    }
    return undefined;
  }
}

/** How many entries of `list` (by wallMs) lie before `wallMs`, or at it too with `orAt`. */
function countBefore(list: readonly IndexEntry[], wallMs: number, orAt: boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = list[mid]?.wallMs ?? 0;
    if (at < wallMs || (orAt && at === wallMs)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
