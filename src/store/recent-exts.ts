/**
 * The writer's duplicate window (writer.ts): a fixed-size set of the most recent exts of one track. The exts of a track run nearly
 * consecutively, so a direct-mapped table (slot = ext modulo a power of two at least twice the
 * window) holds almost all of them without a collision; the few that collide go to a `Set`. Every
 * operation is a slot or two, no hashing of its own and no object per ext.
 */
export class RecentExts {
  private readonly ring: Float64Array;
  private readonly slots: Float64Array;
  private readonly mask: number;
  private readonly overflow = new Set<number>();
  private pos = 0;
  private filled = 0;
  constructor(size: number) {
    this.ring = new Float64Array(Math.max(1, size));
    let n = 2;
    while (n < 2 * this.ring.length) n *= 2;
    this.slots = new Float64Array(n).fill(-1);
    this.mask = n - 1;
  }
  private slot(ext: number): number {
    return (ext < 0x40000000 ? ext : ext % 0x40000000) & this.mask;
  }
  has(ext: number): boolean {
    return this.slots[this.slot(ext)] === ext || (this.overflow.size > 0 && this.overflow.has(ext));
  }
  /** Adds an ext not held (the caller checks), letting go of the oldest once full. */
  add(ext: number): void {
    const ring = this.ring;
    if (this.filled === ring.length) {
      const old = ring[this.pos] as number;
      const at = this.slot(old);
      if (this.slots[at] === old) this.slots[at] = -1;
      else this.overflow.delete(old);
    } else this.filled++;
    ring[this.pos] = ext;
    this.pos = this.pos + 1 === ring.length ? 0 : this.pos + 1;
    const at = this.slot(ext);
    if (this.slots[at] === -1) this.slots[at] = ext;
    else this.overflow.add(ext);
  }
}
