/**
 * What a recording being fed holds of one track, as a compact per-packet index: for each stored
 * ext its canonical timestamp, where its record starts in the track log, the packet's length and
 * its payload hash (18 bytes a packet, in typed-array chunks of 4096 exts). The packets
 * themselves stay on disk: a mapping that must be verified reads them back (feed.ts).
 */

/** Exts per chunk. */
const CHUNK = 4096;

/** Index bytes per ext slot: timestamp 4, record offset 8, length 2, hash 4. */
export const INDEX_BYTES_PER_SLOT = 18;

class Chunk {
  readonly ts = new Uint32Array(CHUNK);
  readonly offset = new Float64Array(CHUNK);
  /** Packet length (0: not stored; a packet is at least 12 bytes). */
  readonly length = new Uint16Array(CHUNK);
  readonly hash = new Int32Array(CHUNK);
  count = 0;
  /** npt range (s) of the packets stored in the chunk. */
  minNpt = Infinity;
  maxNpt = -Infinity;
}

/** One stored packet as the index knows it. */
export interface IndexEntry {
  ext: number;
  ts: number;
  /** Where its record starts in the track log. */
  offset: number;
  length: number;
  /** rtpPayloadHash of the packet. */
  hash: number;
}

export class PacketIndex {
  private readonly chunks = new Map<number, Chunk>();
  private n = 0;

  /** Exts held. */
  get size(): number {
    return this.n;
  }

  /** Bytes of the index itself (typed arrays). */
  get bytes(): number {
    return this.chunks.size * CHUNK * INDEX_BYTES_PER_SLOT;
  }

  has(ext: number): boolean {
    const c = this.chunks.get(Math.floor(ext / CHUNK));
    return c !== undefined && (c.length[ext % CHUNK] ?? 0) > 0;
  }

  get(ext: number): IndexEntry | undefined {
    const c = this.chunks.get(Math.floor(ext / CHUNK));
    const i = ext % CHUNK;
    if (!c || (c.length[i] ?? 0) === 0) return undefined;
    return {
      ext,
      ts: c.ts[i] ?? 0,
      offset: c.offset[i] ?? 0,
      length: c.length[i] ?? 0,
      hash: c.hash[i] ?? 0,
    };
  }

  /** Adds an ext not held yet (the caller checks), at media time `npt`. */
  set(e: IndexEntry, npt: number): void {
    this.put(e.ext, e.ts, e.offset, e.length, e.hash, npt);
  }

  /** `set` from the fields themselves (the live path: no entry object per packet). */
  put(ext: number, ts: number, offset: number, length: number, hash: number, npt: number): void {
    const k = Math.floor(ext / CHUNK);
    let c = this.chunks.get(k);
    if (!c) {
      c = new Chunk();
      this.chunks.set(k, c);
    }
    const i = ext % CHUNK;
    c.ts[i] = ts;
    c.offset[i] = offset;
    c.length[i] = length;
    c.hash[i] = hash;
    c.count++;
    this.n++;
    if (npt < c.minNpt) c.minNpt = npt;
    if (npt > c.maxNpt) c.maxNpt = npt;
  }

  /** The timestamp of a held ext, or undefined. */
  tsOf(ext: number): number | undefined {
    const c = this.chunks.get(Math.floor(ext / CHUNK));
    const i = ext % CHUNK;
    return c && (c.length[i] ?? 0) > 0 ? c.ts[i] : undefined;
  }

  /** Sets the hash of a held ext (one computed after the fact). */
  setHash(ext: number, hash: number): void {
    const c = this.chunks.get(Math.floor(ext / CHUNK));
    if (c) c.hash[ext % CHUNK] = hash;
  }

  delete(ext: number): void {
    const k = Math.floor(ext / CHUNK);
    const c = this.chunks.get(k);
    const i = ext % CHUNK;
    if (!c || (c.length[i] ?? 0) === 0) return;
    c.length[i] = 0;
    this.n--;
    if (--c.count === 0) this.chunks.delete(k);
  }

  /** The lowest ext held at or above `from`, if any. */
  lowestFrom(from: number): number | undefined {
    if (this.has(from)) return from;
    const keys = [...this.chunks.keys()].filter((k) => k >= Math.floor(from / CHUNK));
    keys.sort((a, b) => a - b);
    for (const k of keys) {
      const c = this.chunks.get(k) as Chunk;
      for (let i = k === Math.floor(from / CHUNK) ? from % CHUNK : 0; i < CHUNK; i++) {
        if ((c.length[i] ?? 0) > 0) return k * CHUNK + i;
      }
    }
    return undefined;
  }

  /**
   * Entries whose npt (by `nptOf` of their timestamp) lies in [from, to], any order; chunks
   * wholly outside are skipped.
   */
  window(from: number, to: number, nptOf: (ts: number) => number): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const [k, c] of this.chunks) {
      if (c.maxNpt < from || c.minNpt > to) continue;
      for (let i = 0; i < CHUNK; i++) {
        const length = c.length[i] ?? 0;
        if (length === 0) continue;
        const ts = c.ts[i] ?? 0;
        const t = nptOf(ts);
        if (t < from || t > to) continue;
        out.push({
          ext: k * CHUNK + i,
          ts,
          offset: c.offset[i] ?? 0,
          length,
          hash: c.hash[i] ?? 0,
        });
      }
    }
    return out;
  }
}
