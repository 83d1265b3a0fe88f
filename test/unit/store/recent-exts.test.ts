/**
 * The writer's duplicate window against a plain model (the last `size` exts added, as a list):
 * near-consecutive exts, reordering, and jumps that land on the same table slot as exts still
 * in the window.
 */
import { describe, expect, it } from 'vitest';
import { RecentExts } from '../../../src/store/recent-exts.js';

function model(size: number): { has(ext: number): boolean; add(ext: number): void } {
  const last: number[] = [];
  return {
    has: (ext) => last.includes(ext),
    add: (ext) => {
      last.push(ext);
      if (last.length > size) last.shift();
    },
  };
}

describe('RecentExts', () => {
  it('holds exactly the last `size` exts added, colliding ones included', () => {
    const size = 64;
    const table = 128; // the table the window gets: the power of two at least twice its size
    const r = new RecentExts(size);
    const m = model(size);
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let base = 1000;
    for (let i = 0; i < 20000; i++) {
      const pick = rand(10);
      let ext: number;
      if (pick < 6) ext = base++;
      else if (pick < 8)
        ext = Math.max(0, base - 1 - rand(100)); // late or repeated
      else if (pick < 9)
        ext = base + table * (1 + rand(3)) - rand(4); // same slot as recent ones
      else ext = 2 ** 40 + base + rand(300); // past 2^32, and 2^30
      expect(r.has(ext)).toBe(m.has(ext));
      if (!m.has(ext)) {
        r.add(ext);
        m.add(ext);
      }
    }
  });

  it('seeded with duplicates (a log that holds old ones), keeps an ext while any copy is in the window', () => {
    const r = new RecentExts(4);
    for (const ext of [5, 6, 5, 7]) r.add(ext);
    r.add(8); // the first 5 leaves, the second stays
    expect(r.has(5)).toBe(true);
    r.add(9);
    r.add(10); // the second 5 leaves
    expect(r.has(5)).toBe(false);
    expect([7, 8, 9, 10].every((e) => r.has(e))).toBe(true);
    expect(r.has(6)).toBe(false);
  });
});
