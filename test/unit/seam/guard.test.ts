import { describe, expect, it } from 'vitest';
import {
  FILL_DROP,
  FILL_NOW,
  FILL_WAIT,
  MappingGuard,
  RUN,
  WAIT_MS,
} from '../../../src/seam/guard.js';

const pkt = Buffer.alloc(12);
const fill = (g: MappingGuard, e: number, now = 0): number => g.filler(e, pkt, 12, 12, now);
const released = (g: MappingGuard): number[] => {
  const out: number[] = [];
  for (let w = g.nextReleasable(); w !== undefined; w = g.nextReleasable()) out.push(w.e);
  return out;
};

describe('MappingGuard', () => {
  it('fills at once inside the verified span; past it waits for a run after the packet', () => {
    const g = new MappingGuard(100, 107); // the alignment run
    expect(fill(g, 99)).toBe(FILL_DROP); // before the run: never
    expect(fill(g, 105)).toBe(FILL_NOW);
    for (let e = 108; e < 110; e++) g.matched(e, e); // the run goes on
    expect(fill(g, 110)).toBe(FILL_WAIT);
    expect(fill(g, 110)).toBe(FILL_DROP); // a second copy
    expect(released(g)).toEqual([]);
    for (let e = 111; e < 111 + RUN - 1; e++) g.matched(e, e);
    expect(released(g)).toEqual([]); // RUN - 1 matches are not a run yet
    g.matched(111 + RUN - 1, 1);
    expect(released(g)).toEqual([110]);
    expect(g.hi).toBe(111 + RUN - 1);
  });

  it('parameter sets repeating at a wrong offset are not a run', () => {
    const g = new MappingGuard(0, 7);
    expect(fill(g, 9)).toBe(FILL_WAIT);
    [0xa, 0xb, 0xa, 0xb, 0xa].forEach((h, k) => g.matched(10 + k, h)); // SPS PPS SPS PPS SPS
    expect(released(g)).toEqual([]);
    g.matched(15, 0xc);
    expect(released(g)).toEqual([9]);
  });

  it('a disagreement drops what waits and closes the span until a run after it', () => {
    const g = new MappingGuard(0, 7);
    expect(fill(g, 9)).toBe(FILL_WAIT);
    g.broken(10);
    expect(g.dropped).toBe(1);
    expect(fill(g, 5)).toBe(FILL_DROP); // even inside the old span
    expect(fill(g, 11)).toBe(FILL_DROP);
    for (let e = 3; e < 10; e++) g.matched(e, e); // evidence from before the disagreement
    expect(fill(g, 12)).toBe(FILL_DROP);
    for (let e = 13; e < 13 + RUN; e++) g.matched(e, e);
    expect(g.lo).toBe(13);
    expect(fill(g, 14)).toBe(FILL_NOW);
    expect(fill(g, 12)).toBe(FILL_DROP);
  });

  it('waiting fillers are taken when their twin arrives, and expire after WAIT_MS', () => {
    const g = new MappingGuard(0, 7);
    for (const e of [12, 9, 10]) expect(fill(g, e, e)).toBe(FILL_WAIT);
    expect(g.take(10)?.e).toBe(10);
    expect(g.take(10)).toBeUndefined();
    g.expire(9 + WAIT_MS - 1);
    expect(g.waitingCount).toBe(2);
    g.expire(9 + WAIT_MS);
    expect(g.waitingCount).toBe(1); // 9 went; 12 waits on
    expect(g.dropped).toBe(1);
    g.trust(12); // nobody can check: the mapping stands up to 12
    expect(released(g)).toEqual([12]);
  });
});
