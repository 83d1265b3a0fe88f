/**
 * Packets of recordings in chunks shared by every playout (a benchmark finding: each
 * viewer reading and CRC-checking its own copy cost as much CPU as sending). A chunk is
 * CHUNK_PACKETS consecutive exts of one track, read and checked once, then kept in a
 * least-recently-used map bounded in bytes. Viewers that play the same part of a recording at
 * about the same time (a premiere, a popular clip) share one read.
 */
import type { RecordingTrack, StoredPacket } from '../store/reader.js';

export const CHUNK_PACKETS = 512;
const READ_GROUP_BYTES = 256 * 1024;

interface Entry {
  promise: Promise<StoredPacket[]>;
  bytes: number;
}

export class ChunkCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private total = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

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
    const entry: Entry = { promise: read(track, from, from + CHUNK_PACKETS - 1), bytes: 0 };
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
}

function read(track: RecordingTrack, from: number, to: number): Promise<StoredPacket[]> {
  return track.readPackets(from, to, READ_GROUP_BYTES);
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
