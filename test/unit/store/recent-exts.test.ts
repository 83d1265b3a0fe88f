import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/seam/loss-model.js';
import { RecentExts } from '../../../src/store/recent-exts.js';

/** What RecentExts must behave like: a Set of the exts added in the last `size` adds. */
class Reference {
  private readonly set = new Set<number>();
  private readonly ring: number[] = [];
  constructor(private readonly size: number) {}
  has(ext: number): boolean {
    return this.set.has(ext);
  }
  add(ext: number): void {
    if (this.ring.length === this.size) this.set.delete(this.ring.shift() ?? -1);
    this.ring.push(ext);
    this.set.add(ext);
  }
}

describe('RecentExts', () => {
  it.each([1, 7, 64, 1000])(
    'answers like a set of the last %i exts added (runs, jumps, repeats, colliding slots)',
    (size) => {
      const rand = mulberry32(size);
      const mine = new RecentExts(size);
      const ref = new Reference(size);
      let next = 2 ** 40 - 5000;
      for (let i = 0; i < 40_000; i++) {
        const r = rand();
        let ext: number;
        if (r < 0.7) ext = next++;
        else if (r < 0.85) ext = next - 1 - Math.floor(rand() * 2 * size);
        else if (r < 0.95) ext = next + Math.floor(rand() * 8) * 2 ** 20;
        else ext = Math.floor(rand() * 2 ** 48);
        ext = Math.max(0, ext);
        expect(mine.has(ext)).toBe(ref.has(ext));
        // The writer adds only what it does not hold; seeding from a log may add a repeat.
        if (!ref.has(ext) || r > 0.97) {
          mine.add(ext);
          ref.add(ext);
        }
      }
      for (let e = next - 3 * size; e < next + 10; e++) expect(mine.has(e)).toBe(ref.has(e));
    },
  );
});
