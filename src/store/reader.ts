/**
 * Opening a recording read-only: validates meta.json, scans every track log (see scan.ts) and
 * builds per track an index sorted by ext (first copy of a duplicated ext wins), the gap map and
 * an npt index. Nothing on disk is changed: a torn tail is reported in `tornTails` and left out
 * of the index (RecordingWriter.openForAppend truncates it); `*.tmp` leftovers of an interrupted
 * compaction or meta write are ignored.
 *
 * npt: per track, the timestamps are unwrapped in ext order (chained 32-bit deltas) relative to
 * the track's `startRtpTime` from meta.json, or to its first record's timestamp when absent;
 * npt = unwrapped / clockRate. seekNpt() uses the running maximum of that value, so B-frame
 * reordering never sends a seek backwards past a later frame.
 *
 * A Recording is a snapshot of the files when opened: re-open after compaction.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { tsDelta } from '../protocol/rtp/seq.js';
import {
  META_FILE,
  RECORD_HEADER_LENGTH,
  TEMP_SUFFIX,
  recordCrcOk,
  recordExt,
  recordHeaderProblem,
  trackFileName,
  type TornTail,
} from './format.js';
import { StoreError, ioError } from './errors.js';
import { listDir, readMeta, type RecordingMeta, type TrackMeta } from './meta.js';
import { readAt, scanLog, type LogScan } from './scan.js';

/** One stored packet as read back. `packet` is the whole canonical RTP packet. */
export interface StoredPacket {
  ext: number;
  ts: number;
  marker: boolean;
  payloadType: number;
  arrivalMs: number;
  /** Media time of this packet in seconds (unwrapped timestamp / clock rate). */
  npt: number;
  packet: Buffer;
}

/** Ranges of canonical ext missing between the first and the last, inclusive: [from, to]. */
export type GapRange = [from: number, to: number];

const READ_GROUP = 1 << 20;

/** The first index whose value is > v (`upper`) or >= v, in an ascending array. */
function bound(a: Float64Array, v: number, upper: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid] ?? 0;
    if (x < v || (upper && x === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const upperBound = (a: Float64Array, v: number): number => bound(a, v, true);
const lowerBound = (a: Float64Array, v: number): number => bound(a, v, false);

/** A raw record read back through the index. */
export interface RawRecord {
  /** Index position (ext order). */
  i: number;
  /** Header + packet bytes exactly as on disk. */
  record: Buffer;
}

export class RecordingTrack {
  readonly index: number;
  readonly file: string;
  readonly clockRate: number;
  /** Distinct exts stored. */
  readonly count: number;
  /** Records whose ext was already stored (kept on disk until compaction, skipped here). */
  readonly duplicates: number;
  /** Bytes of good records in the log (a torn tail excluded). */
  readonly bytes: number;
  readonly torn: TornTail | undefined;
  /** Whether the log is already sorted by ext without duplicates (compacted). */
  readonly sorted: boolean;
  // Columns in ext order.
  private readonly exts: Float64Array;
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  private readonly rel: Float64Array;
  private readonly key: Float64Array;
  private gapCache: GapRange[] | undefined;

  constructor(meta: TrackMeta, scan: LogScan) {
    this.index = meta.index;
    this.file = scan.file;
    this.clockRate = meta.clockRate;
    this.bytes = scan.goodBytes;
    this.torn = scan.torn;
    const n = scan.count;
    let order: number[] | undefined;
    let strictly = true;
    for (let i = 1; i < n; i++) {
      const prev = scan.ext[i - 1] ?? 0;
      const cur = scan.ext[i] ?? 0;
      if (cur <= prev) strictly = false;
      if (cur < prev) {
        order = Array.from({ length: n }, (_, k) => k);
        order.sort((a, b) => (scan.ext[a] ?? 0) - (scan.ext[b] ?? 0)); // stable: first copy first
        break;
      }
    }
    this.sorted = strictly;
    const exts = new Float64Array(n);
    const offsets = new Float64Array(n);
    const lengths = new Uint32Array(n);
    const tss: number[] = [];
    let m = 0;
    for (let k = 0; k < n; k++) {
      const j = order ? (order[k] ?? 0) : k;
      const ext = scan.ext[j] ?? 0;
      if (m > 0 && exts[m - 1] === ext) continue;
      exts[m] = ext;
      offsets[m] = scan.offset[j] ?? 0;
      lengths[m] = scan.packetLength[j] ?? 0;
      tss.push(scan.timestamp[j] ?? 0);
      m++;
    }
    this.count = m;
    this.duplicates = n - m;
    this.exts = exts.subarray(0, m);
    this.offsets = offsets.subarray(0, m);
    this.lengths = lengths.subarray(0, m);
    this.rel = new Float64Array(m);
    this.key = new Float64Array(m);
    const start = meta.startRtpTime ?? tss[0] ?? 0;
    let prevTs = start;
    let u = 0;
    let max = -Infinity;
    for (let i = 0; i < m; i++) {
      const ts = tss[i] ?? 0;
      u += tsDelta(prevTs, ts);
      prevTs = ts;
      this.rel[i] = u;
      max = Math.max(max, u);
      this.key[i] = max;
    }
  }

  get firstExt(): number | undefined {
    return this.count > 0 ? this.exts[0] : undefined;
  }

  get lastExt(): number | undefined {
    return this.count > 0 ? this.exts[this.count - 1] : undefined;
  }

  /** npt of the latest media time stored (0 for an empty track). */
  get durationSec(): number {
    const last = this.key[this.count - 1];
    return last === undefined ? 0 : Math.max(0, last) / this.clockRate;
  }

  /** Missing ext ranges between firstExt and lastExt, ascending, inclusive. */
  gaps(): GapRange[] {
    if (!this.gapCache) {
      const gaps: GapRange[] = [];
      for (let i = 1; i < this.count; i++) {
        const prev = this.exts[i - 1] ?? 0;
        const cur = this.exts[i] ?? 0;
        if (cur > prev + 1) gaps.push([prev + 1, cur - 1]);
      }
      this.gapCache = gaps;
    }
    return this.gapCache.map(([a, b]): GapRange => [a, b]);
  }

  /** Packets missing in total (sum of gap sizes). */
  missing(): number {
    const first = this.firstExt;
    const last = this.lastExt;
    return first === undefined || last === undefined ? 0 : last - first + 1 - this.count;
  }

  /** received / (last − first + 1) as a percentage; 0 for an empty track. */
  completeness(): number {
    if (this.count === 0) return 0;
    return (this.count / (this.count + this.missing())) * 100;
  }

  /** Whether `ext` is stored. */
  has(ext: number): boolean {
    const i = lowerBound(this.exts, ext);
    return this.exts[i] === ext;
  }

  /**
   * The ext of the last record whose media time is at or before `seconds` (running maximum in
   * ext order); with `unitStart` the first record of that time (where its access unit starts).
   * Before the first record: the first ext. Undefined for an empty track or NaN.
   */
  seekNpt(seconds: number, unitStart = false): number | undefined {
    if (this.count === 0 || Number.isNaN(seconds)) return undefined;
    const i = upperBound(this.key, seconds * this.clockRate) - 1;
    if (i < 0) return this.exts[0];
    return this.exts[unitStart ? lowerBound(this.key, this.key[i] ?? 0) : i];
  }

  /** npt in seconds of a stored ext, undefined when not stored. */
  nptOf(ext: number): number | undefined {
    const i = lowerBound(this.exts, ext);
    if (this.exts[i] !== ext) return undefined;
    return (this.rel[i] ?? 0) / this.clockRate;
  }

  /** Stored packets with fromExt <= ext <= toExt, in ext order, each CRC-checked again. */
  async *readRange(
    fromExt: number,
    toExt: number,
    groupBytes = READ_GROUP,
  ): AsyncGenerator<StoredPacket> {
    for await (const group of this.readGroups(fromExt, toExt, groupBytes)) yield* group;
  }

  /**
   * What `readRange` yields, as one array, without an asynchronous step per packet. With `fh`
   * (from `open()`, left open) the read skips opening and closing the log.
   */
  async readPackets(
    fromExt: number,
    toExt: number,
    groupBytes = READ_GROUP,
    fh?: FileHandle,
  ): Promise<StoredPacket[]> {
    const out: StoredPacket[] = [];
    for await (const group of this.readGroups(fromExt, toExt, groupBytes, fh)) {
      for (const p of group) out.push(p);
    }
    return out;
  }

  /** The track's log opened for reading (the caller closes it). Throws StoreError STORE_IO. */
  open(): Promise<FileHandle> {
    return open(this.file, 'r').catch((err: unknown) => {
      throw ioError(this.file, 'opening', err);
    });
  }

  /** Packets a read of adjacent records (at most `groupBytes`) at a time. */
  private async *readGroups(
    fromExt: number,
    toExt: number,
    groupBytes: number,
    fh?: FileHandle,
  ): AsyncGenerator<StoredPacket[]> {
    for await (const { i, j, chunk } of this.readChunks(fromExt, toExt, groupBytes, fh)) {
      const group: StoredPacket[] = [];
      for (let k = i, at = 0; k < j; k++) {
        const len = this.lengths[k] ?? 0;
        // The header's fields read in place: one object per packet, not two.
        const problem = recordHeaderProblem(chunk, at);
        if (problem !== undefined) throw new StoreError('STORE_CORRUPT', this.file, problem);
        const body = at + RECORD_HEADER_LENGTH;
        const flags = chunk[at + 16] ?? 0;
        group.push({
          ext: recordExt(chunk, at),
          ts: chunk.readUInt32BE(at + 12),
          marker: (flags & 0x80) !== 0,
          payloadType: flags & 0x7f,
          arrivalMs: chunk.readDoubleBE(at + 20),
          npt: (this.rel[k] ?? 0) / this.clockRate,
          packet: chunk.subarray(body, body + len),
        });
        at = body + len;
      }
      yield group;
    }
  }

  /** Raw records (header + packet) in ext order; used by compaction and export. */
  async *readRaw(
    fromExt: number,
    toExt: number,
    groupBytes = READ_GROUP,
  ): AsyncGenerator<RawRecord> {
    for await (const { i, j, chunk } of this.readChunks(fromExt, toExt, groupBytes)) {
      for (let k = i, at = 0; k < j; k++) {
        const recLen = RECORD_HEADER_LENGTH + (this.lengths[k] ?? 0);
        yield { i: k, record: chunk.subarray(at, at + recLen) };
        at += recLen;
      }
    }
  }

  /**
   * Records i..j-1 (adjacent on disk, at most about `groupBytes`) read with one read, every
   * record's length and CRC checked.
   */
  private async *readChunks(
    fromExt: number,
    toExt: number,
    groupBytes: number,
    given?: FileHandle,
  ): AsyncGenerator<{ i: number; j: number; chunk: Buffer }> {
    const lo = lowerBound(this.exts, fromExt);
    const hi = upperBound(this.exts, toExt);
    if (lo >= hi) return;
    const fh = given ?? (await this.open());
    try {
      let i = lo;
      while (i < hi) {
        // Group records that are adjacent on disk into one read.
        const start = this.offsets[i] ?? 0;
        const j = this.groupEnd(i, hi, groupBytes);
        const end = (this.offsets[j - 1] ?? 0) + RECORD_HEADER_LENGTH + (this.lengths[j - 1] ?? 0);
        let chunk: Buffer;
        try {
          chunk = await readAt(fh, start, end - start);
        } catch (err) {
          throw ioError(this.file, 'reading', err);
        }
        for (let k = i, at = 0; k < j; k++) {
          const len = this.lengths[k] ?? 0;
          if (at + RECORD_HEADER_LENGTH + len > chunk.length || !recordCrcOk(chunk, at, len)) {
            throw new StoreError(
              'STORE_CORRUPT',
              this.file,
              `record at offset ${start + at} changed since the recording was opened`,
            );
          }
          at += RECORD_HEADER_LENGTH + len;
        }
        yield { i, j, chunk };
        i = j;
      }
    } finally {
      if (!given) await fh.close();
    }
  }

  /** End (exclusive) of the run of records from `i` adjacent on disk, up to `groupBytes`. */
  private groupEnd(i: number, hi: number, groupBytes: number): number {
    const start = this.offsets[i] ?? 0;
    let end = start + RECORD_HEADER_LENGTH + (this.lengths[i] ?? 0);
    let j = i + 1;
    while (j < hi && this.offsets[j] === end && end - start < groupBytes) {
      end += RECORD_HEADER_LENGTH + (this.lengths[j] ?? 0);
      j++;
    }
    return j;
  }
}

export interface Recording {
  readonly dir: string;
  readonly meta: RecordingMeta;
  readonly tracks: readonly RecordingTrack[];
  /** Bytes of good records over all track logs. */
  readonly bytes: number;
  /** Longest track duration. */
  readonly durationSec: number;
  /** Torn tails found (left on disk; excluded from the index). */
  readonly tornTails: readonly TornTail[];
  /** `*.tmp` leftovers present in the directory (ignored). */
  readonly tempFiles: readonly string[];
  readRange(track: number, fromExt: number, toExt: number): AsyncGenerator<StoredPacket>;
  seekNpt(track: number, seconds: number, unitStart?: boolean): number | undefined;
  track(track: number): RecordingTrack;
}

/**
 * Opens the recording in `dir` read-only. Throws StoreError: STORE_CORRUPT (bad meta.json or a
 * damaged record before a log's tail; the message names the file), STORE_VERSION, STORE_IO.
 */
export async function openRecording(dir: string): Promise<Recording> {
  const meta = await readMeta(dir);
  const names = await listDir(dir);
  const tracks: RecordingTrack[] = [];
  for (const t of meta.tracks) {
    tracks.push(new RecordingTrack(t, await scanLog(join(dir, trackFileName(t.index)), t.index)));
  }
  const get = (track: number): RecordingTrack => {
    const t = tracks[track];
    if (!t) {
      throw new StoreError('STORE_INVALID', join(dir, META_FILE), `no track ${track}`);
    }
    return t;
  };
  return {
    dir,
    meta,
    tracks,
    bytes: tracks.reduce((sum, t) => sum + t.bytes, 0),
    durationSec: tracks.reduce((max, t) => Math.max(max, t.durationSec), 0),
    tornTails: tracks.flatMap((t) => (t.torn ? [t.torn] : [])),
    tempFiles: names.filter((n) => n.endsWith(TEMP_SUFFIX)),
    readRange: (track, fromExt, toExt) => get(track).readRange(fromExt, toExt),
    seekNpt: (track, seconds, unitStart) => get(track).seekNpt(seconds, unitStart),
    track: get,
  };
}
