import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FILL_DROP,
  FILL_NOW,
  FILL_WAIT,
  MappingGuard,
  RUN,
  WAIT_CAPACITY,
  WAIT_MS,
} from '../../../src/seam/guard.js';

const pkt = Buffer.alloc(12);
const fill = (g: MappingGuard, e: number, now = 0): number => g.filler(e, pkt, 12, 12, e, now);
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

  it('the waiting fillers behave as a sorted list with their packets (ring of reused entries)', () => {
    type Op =
      | { k: 'fill'; e: number; dt: number }
      | { k: 'take'; e: number }
      | { k: 'release'; hi: number }
      | { k: 'expire'; dt: number }
      | { k: 'broken' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          k: fc.constant('fill' as const),
          e: fc.integer({ min: 8, max: 80 }),
          dt: fc.integer({ min: 0, max: 300 }),
        }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          k: fc.constant('take' as const),
          e: fc.integer({ min: 8, max: 80 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant('release' as const),
          hi: fc.integer({ min: 8, max: 80 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant('expire' as const),
          dt: fc.integer({ min: 0, max: 900 }),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ k: 'broken' as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const g = new MappingGuard(0, 7);
        /** The model: sorted by e, each with its own packet and arrival time. */
        let model: Array<{ e: number; packet: Buffer; at: number }> = [];
        let now = 0;
        let dropped = 0;
        let closed = false;
        for (const o of ops) {
          if (o.k === 'fill') {
            now += o.dt;
            const packet = Buffer.from([o.e]);
            const hi = g.hi;
            const v = g.filler(o.e, packet, 0, 1, o.e, now);
            const expected = closed
              ? FILL_DROP
              : o.e <= hi
                ? FILL_NOW
                : model.some((m) => m.e === o.e)
                  ? FILL_DROP
                  : FILL_WAIT;
            expect(v).toBe(expected);
            if (v === FILL_WAIT) {
              model.push({ e: o.e, packet, at: now });
              model.sort((a, b) => a.e - b.e || a.at - b.at);
            }
          } else if (o.k === 'take') {
            const w = g.take(o.e);
            const i = model.findIndex((m) => m.e === o.e);
            if (i < 0) expect(w).toBeUndefined();
            else {
              expect(w?.e).toBe(o.e);
              expect(w?.packet).toBe(model[i]?.packet);
              expect(w?.at).toBe(model[i]?.at);
              model.splice(i, 1);
            }
          } else if (o.k === 'release') {
            if (!closed) g.trust(o.hi);
            const hi = g.hi;
            const out: Array<[number, Buffer]> = [];
            for (let w = g.nextReleasable(); w !== undefined; w = g.nextReleasable()) {
              out.push([w.e, w.packet]);
            }
            const due = model.filter((m) => m.e <= hi);
            expect(out).toEqual(due.map((m) => [m.e, m.packet]));
            model = model.filter((m) => m.e > hi);
          } else if (o.k === 'expire') {
            now += o.dt;
            g.expire(now);
            // The oldest by e go first, as far as they waited WAIT_MS.
            while (model.length > 0 && now - (model[0]?.at ?? 0) >= WAIT_MS) {
              model.shift();
              dropped++;
            }
          } else {
            g.broken(7);
            dropped += model.length;
            model = [];
            closed = true;
          }
          expect(g.waitingCount).toBe(model.length);
          expect(g.dropped).toBe(dropped);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('at WAIT_CAPACITY the oldest waiting filler goes', () => {
    const g = new MappingGuard(0, 7);
    for (let e = 8; e < 8 + WAIT_CAPACITY + 3; e++) expect(fill(g, e)).toBe(FILL_WAIT);
    expect(g.waitingCount).toBe(WAIT_CAPACITY);
    expect(g.dropped).toBe(3);
    g.trust(1e9);
    const out = released(g);
    expect(out.length).toBe(WAIT_CAPACITY);
    expect(out[0]).toBe(11);
    expect(out[out.length - 1]).toBe(8 + WAIT_CAPACITY + 2);
  });
});
