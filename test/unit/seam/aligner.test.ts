import { describe, expect, it } from 'vitest';
import {
  DUPLICATE_HELD,
  HELD,
  PendingAlignment,
  TOO_OLD,
  type AlignResult,
} from '../../../src/seam/aligner.js';
import { TrackSequencer } from '../../../src/seam/sequencer.js';

/** Canonical history with the given hashes at consecutive exts (undefined = lost). */
function canonical(first: number, hashes: Array<number | undefined>): TrackSequencer {
  const seq = new TrackSequencer(
    0,
    { historyPackets: 1024, gapTimeoutMs: 1e9, reorderWindowMs: 0 },
    { packet: () => undefined, gap: () => undefined },
  );
  seq.retainIndex();
  hashes.forEach((h, k) => {
    if (h !== undefined) add(seq, first + k, h);
  });
  return seq;
}

/** Accepts canonical ext c with hash h; its timestamp is c * 100. */
function add(seq: TrackSequencer, c: number, h: number): void {
  seq.accept(c, (c * 100) >>> 0, h, Buffer.alloc(12), 'ref', 0);
}

/** The leg: ext e has timestamp e * 100 + 7 (so tsOffset = canonical - leg = o*100 - 7). */
function feed(
  p: PendingAlignment,
  seq: TrackSequencer,
  first: number,
  hashes: number[],
): AlignResult | undefined {
  for (let k = 0; k < hashes.length; k++) {
    const e = first + k;
    p.add(e, hashes[k] ?? 0, (e * 100 + 7) >>> 0, Buffer.alloc(12));
    const r = p.onLegPacket(e, seq);
    if (r) return r;
  }
  return undefined;
}

const uniq = (from: number, n: number): number[] => Array.from({ length: n }, (_, k) => from + k);

describe('PendingAlignment', () => {
  it('confirms the offset of K consecutive matching packets with their timestamp offset', () => {
    const seq = canonical(100, uniq(1, 40));
    const p = new PendingAlignment(256, 8, 3);
    const r = feed(p, seq, 5000, uniq(11, 20)); // leg 5000 = canonical 110
    expect(r).toEqual({
      seqOffset: -4890,
      tsOffset: (-4890 * 100 - 7) >>> 0,
      via: 'hash',
      fromExt: 5000, // the run: leg 5000..5007
      toExt: 5007,
    });
    expect(p.held).toBe(8);
    const seen: number[] = [];
    p.forEachHeld((e) => seen.push(e));
    expect(seen).toEqual(uniq(5000, 8));
  });

  it('a run of one repeated payload proves nothing, even at the hinted offset', () => {
    const hashes = [...uniq(1, 10), ...Array<number>(20).fill(77), ...uniq(50, 10)];
    const seq = canonical(100, hashes);
    const p = new PendingAlignment(256, 8, 3);
    p.setHint(-4900, NaN);
    expect(feed(p, seq, 5010, Array<number>(20).fill(77))).toBeUndefined();
    expect(p.uniqueMatches).toBe(0);
    expect(feed(p, seq, 5030, [50])).toEqual(expect.objectContaining({ via: 'hint' }));
  });

  it('a repeated block does not pin the wrong copy, even where one copy lost packets', () => {
    const block = uniq(500, 20);
    const hashes: Array<number | undefined> = [
      ...uniq(1, 10), // 100..109
      ...block, // 110..129
      ...uniq(30, 10), // 130..139
      ...block, // 140..159, 145 lost below
      ...uniq(60, 10), // 160..169
    ];
    hashes[45] = undefined;
    const seq = canonical(100, hashes);
    const p = new PendingAlignment(256, 8, 3);
    // The leg carries the second copy (canonical 140..159): 505 looks unique (145 was lost)
    // and proposes 115, but 140..159 explains the run as well.
    expect(feed(p, seq, 9040, block)).toBeUndefined();
    expect(p.ambiguous).toBeGreaterThan(0);
    // 160 is unique and only fits after the second copy.
    expect(feed(p, seq, 9060, [60])).toEqual(expect.objectContaining({ seqOffset: -8900 }));
  });

  it('a few disagreeing twins are tolerated (a seek re-sends parameter sets)', () => {
    const block = uniq(500, 10);
    const seq = canonical(100, [...uniq(1, 10), ...block, ...uniq(30, 10)]); // block at 110..119
    const p = new PendingAlignment(256, 8, 3);
    // Leg 7009 (foreign payload) sits where canonical 109 has another one: one disagreement.
    expect(feed(p, seq, 7009, [999, ...block])).toMatchObject({ seqOffset: -6900, via: 'hash' });
  });

  it('a candidate many twins disagree with is not confirmed', () => {
    const block = uniq(500, 10);
    const seq = canonical(100, [...uniq(1, 10), ...block, ...uniq(30, 20)]); // block at 110..119
    const p = new PendingAlignment(256, 8, 3);
    // Twelve foreign packets whose twins (canonical 98..109 exist from 100) disagree, then the block.
    expect(feed(p, seq, 6998, [...uniq(900, 12), ...block])).toBeUndefined();
    expect(p.failureReason(false)).toMatch(/unique payload matches/);
    // more matching packets do not outweigh ten disagreeing twins
    expect(feed(p, seq, 7020, uniq(30, 8))).toBeUndefined();
  });

  it('a leg ahead of canonical space is confirmed by canonical arrivals', () => {
    const seq = canonical(100, uniq(1, 5)); // canonical has 100..104 so far
    const p = new PendingAlignment(256, 8, 3);
    expect(feed(p, seq, 3000, uniq(1, 30))).toBeUndefined(); // leg 3000..3029 = canonical 100..129
    let r: AlignResult | undefined;
    for (let c = 105; c < 130 && !r; c++) {
      add(seq, c, c - 99);
      r = p.onCanonical(c, c - 99, seq);
      if (r) expect(c).toBe(107); // first K=8 run: 100..107
    }
    expect(r).toMatchObject({ seqOffset: -2900, via: 'hash' });
  });

  it('a hint needs 3 packets and the right rtptime; a wrong rtptime falls back to K', () => {
    const seq = canonical(100, uniq(1, 40));
    const good = new PendingAlignment(256, 8, 3);
    good.setHint(-4890, (-4890 * 100 - 7) >>> 0);
    expect(feed(good, seq, 5000, uniq(11, 3))).toMatchObject({ via: 'hint', seqOffset: -4890 });
    const badTs = new PendingAlignment(256, 8, 3);
    badTs.setHint(-4890, 12345);
    expect(feed(badTs, seq, 5000, uniq(11, 7))).toBeUndefined();
    expect(feed(badTs, seq, 5007, [18])).toMatchObject({ via: 'hash', seqOffset: -4890 });
  });

  it('holds a bounded ring: duplicates ignored, too old dropped, oldest evicted', () => {
    const p = new PendingAlignment(16, 8, 3);
    const b = Buffer.alloc(12);
    expect(p.add(100, 1, 0, b)).toBe(HELD);
    expect(p.add(100, 1, 0, b)).toBe(DUPLICATE_HELD);
    for (let e = 101; e < 120; e++) p.add(e, e, 0, b);
    expect([p.held, p.evicted, p.seen]).toEqual([16, 4, 21]);
    expect(p.add(103, 3, 0, b)).toBe(TOO_OLD);
    expect(p.failureReason(true)).toMatch(/nothing in canonical space/);
    expect(p.failureReason(false)).toMatch(/foreign content/);
  });
});
