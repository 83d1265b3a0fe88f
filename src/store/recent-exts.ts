/**
 * The exts a writer appended to one track most recently (RecordingWriter skips them as
 * duplicates).
 */

/** No ext: exts are never negative. */
const EMPTY = -1;

/**
 * Fixed-size set of the most recent exts of one track: a ring in append order and an
 * open-addressing table (linear probing, at most half full) indexed by the ext's low bits, so
 * consecutive exts land in consecutive slots. Typed arrays only: nothing is allocated per packet.
 */
export class RecentExts {
  private readonly ring: Float64Array;
  private readonly table: Float64Array;
  private readonly mask: number;
  private pos = 0;
  private filled = 0;
  constructor(size: number) {
    this.ring = new Float64Array(Math.max(1, size));
    let cap = 16;
    while (cap < this.ring.length * 2) cap *= 2;
    this.table = new Float64Array(cap).fill(EMPTY);
    this.mask = cap - 1;
  }
  private find(ext: number): number {
    const t = this.table;
    for (let i = (ext >>> 0) & this.mask; ; i = (i + 1) & this.mask) {
      const e = t[i] ?? EMPTY;
      if (e === ext) return i;
      if (e === EMPTY) return -1 - i;
    }
  }
  has(ext: number): boolean {
    return this.find(ext) >= 0;
  }
  add(ext: number): void {
    if (this.filled === this.ring.length) this.remove(this.ring[this.pos] ?? EMPTY);
    else this.filled++;
    this.ring[this.pos] = ext;
    this.pos = (this.pos + 1) % this.ring.length;
    const at = this.find(ext);
    if (at < 0) this.table[-1 - at] = ext;
  }
  /** Deletes `ext` and shifts the entries after it back so that every probe still finds them. */
  private remove(ext: number): void {
    let i = this.find(ext);
    if (i < 0) return;
    const t = this.table;
    const mask = this.mask;
    t[i] = EMPTY;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const e = t[j] ?? EMPTY;
      if (e === EMPTY) return;
      const home = (e >>> 0) & mask;
      // e may move to the hole at i unless its home lies cyclically in (i, j].
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!stays) {
        t[i] = e;
        t[j] = EMPTY;
        i = j;
      }
    }
  }
}
