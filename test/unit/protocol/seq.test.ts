import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqExtender, seqDelta, tsAdd, tsDelta } from '../../../src/protocol/rtp/seq.js';

describe('seqDelta / tsDelta / tsAdd', () => {
  it.each([
    [0, 1, 1],
    [65535, 0, 1],
    [65535, 1, 2],
    [1, 65535, -2],
    [100, 100, 0],
    [0, 32767, 32767],
    [0, 32768, -32768],
  ])('seqDelta(%i, %i) = %i', (a, b, d) => expect(seqDelta(a, b)).toBe(d));

  it.each([
    [0xffffffff, 0, 1],
    [0, 0xffffffff, -1],
    [10, 3610, 3600],
  ])('tsDelta(%i, %i) = %i', (a, b, d) => expect(tsDelta(a, b)).toBe(d));

  it('tsAdd wraps both ways', () => {
    expect(tsAdd(0xffffffff, 2)).toBe(1);
    expect(tsAdd(1, -2)).toBe(0xffffffff);
  });
});

describe('SeqExtender', () => {
  it('extends across wraparound and tolerates reordering', () => {
    const x = new SeqExtender();
    const seqs = [65533, 65534, 65535, 1, 0, 2, 3];
    expect(seqs.map((s) => x.extend(s))).toEqual([
      131069, 131070, 131071, 131073, 131072, 131074, 131075,
    ]);
    expect(x.max).toBe(131075);
  });

  it('property: for any start and bounded reordering, extension recovers the true order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 2000 }),
        (start, jitter) => {
          // True extended numbers start..start+n, each delivered with a small displacement.
          const order = jitter
            .map((j, i) => ({ trueIndex: i, key: i + j }))
            .sort((a, b) => a.key - b.key || a.trueIndex - b.trueIndex);
          const x = new SeqExtender();
          const firstTrue = order[0]?.trueIndex ?? 0;
          let base: number | undefined;
          for (const { trueIndex } of order) {
            const ext = x.extend((start + trueIndex) & 0xffff);
            base ??= ext - firstTrue;
            if (ext - base !== trueIndex) return false;
          }
          return true;
        },
      ),
    );
  });
});
