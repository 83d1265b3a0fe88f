/**
 * Packets of recordings in chunks shared by every playout (a benchmark finding: each
 * viewer reading and CRC-checking its own copy cost as much CPU as sending). A chunk is
 * CHUNK_PACKETS consecutive exts of one track, read and checked once, then kept in a
 * least-recently-used map bounded in bytes. Viewers that play the same part of a recording at
 * about the same time (a premiere, a popular clip) share one read.
 */
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { RecordingTrack, StoredPacket } from '../store/reader.js';

export const CHUNK_PACKETS = 512;
/** Enough for a chunk of full-size packets: one read per chunk (each read is a trip through the thread pool). */
const READ_GROUP_BYTES = 1024 * 1024;

/**
 * A track's log stays open this long after its last chunk read: opening and closing it for
 * every chunk were two more trips through the thread pool per read, and in a profile of one
 * viewer cost more than the read itself.
 */
export const HANDLE_IDLE_MS = 2000;

interface Entry {
  promise: Promise<StoredPacket[]>;
  bytes: number;
}

interface Handle {
  fh: Promise<FileHandle>;
  reading: number;
  lastUsed: number;
}

export class ChunkCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private total = 0;
  private readonly handles = new Map<RecordingTrack, Handle>();
  private sweepTimer: NodeJS.Timeout | undefined;
  hits = 0;
  misses = 0;
  /** Times a track's log was opened. */
  opens = 0;

  constructor(
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly handleIdleMs = HANDLE_IDLE_MS,
  ) {}

  /** Track logs open now. */
  get openHandles(): number {
    return this.handles.size;
  }

  get bytes(): number {
    return this.total;
  }

  /** The stored packets of chunk `chunk` of `track` (exts chunk·N … chunk·N + N − 1). */
  get(track: RecordingTrack, chunk: number): Promise<StoredPacket[]> {
    // A RecordingTrack is a snapshot: a re-opened recording gets new objects, so new keys.
    let id = this.ids.get(track);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(track, id);
    }
    const key = `${id}/${chunk}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.promise;
    }
    this.misses++;
    const from = chunk * CHUNK_PACKETS;
    const entry: Entry = { promise: this.read(track, from, from + CHUNK_PACKETS - 1), bytes: 0 };
    this.entries.set(key, entry);
    entry.promise.then(
      (packets) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = packets.reduce((n, p) => n + p.packet.length + 64, 0);
        this.total += entry.bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }

  private evict(): void {
    for (const [key, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(key);
      this.total -= e.bytes;
    }
  }

  private async read(track: RecordingTrack, from: number, to: number): Promise<StoredPacket[]> {
    let h = this.handles.get(track);
    if (!h) {
      this.opens++;
      h = { fh: track.open(), reading: 0, lastUsed: 0 };
      this.handles.set(track, h);
    }
    const handle = h;
    handle.reading++;
    try {
      return await track.readPackets(from, to, READ_GROUP_BYTES, await handle.fh);
    } catch (err) {
      this.drop(track, handle);
      throw err;
    } finally {
      handle.reading--;
      handle.lastUsed = performance.now();
      this.sweepTimer ??= setTimeout(this.sweep, this.handleIdleMs).unref();
    }
  }

  /** Closes the logs nobody read for `handleIdleMs`. */
  private readonly sweep = (): void => {
    this.sweepTimer = undefined;
    const now = performance.now();
    for (const [track, h] of this.handles) {
      if (h.reading === 0 && now - h.lastUsed >= this.handleIdleMs) this.drop(track, h);
    }
    if (this.handles.size > 0) this.sweepTimer = setTimeout(this.sweep, this.handleIdleMs).unref();
  };

  private drop(track: RecordingTrack, h: Handle): void {
    if (this.handles.get(track) !== h) return;
    this.handles.delete(track);
    void h.fh.then((fh) => fh.close()).catch(() => undefined);
  }

  /** Closes every open log (reads in flight still finish). */
  closeHandles(): void {
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const [track, h] of this.handles) {
      if (h.reading === 0) this.drop(track, h);
    }
  }
}

/** Reads one track from `startExt` to its end, a chunk at a time, through the cache. */
export class ChunkReader {
  private chunk: number;
  private readonly lastChunk: number;

  constructor(
    private readonly cache: ChunkCache,
    private readonly track: RecordingTrack,
    private readonly startExt: number,
    lastExt: number,
  ) {
    this.chunk = Math.floor(startExt / CHUNK_PACKETS);
    this.lastChunk = Math.floor(lastExt / CHUNK_PACKETS);
  }

  /** The next packets in ext order (never an empty array), or undefined at the end. */
  async next(): Promise<readonly StoredPacket[] | undefined> {
    while (this.chunk <= this.lastChunk) {
      const packets = await this.cache.get(this.track, this.chunk++);
      const first = packets.findIndex((p) => p.ext >= this.startExt);
      if (first < 0) continue;
      return first === 0 ? packets : packets.slice(first);
    }
    return undefined;
  }
}
