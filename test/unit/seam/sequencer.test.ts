import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCEPT,
  DUPLICATE,
  LATE,
  TrackSequencer,
  type SequencerSink,
  type TrackSequencerOptions,
} from '../../../src/seam/sequencer.js';

type Out = { packet: number; leg: string } | { gap: [number, number] };

function make(opts: Partial<TrackSequencerOptions> = {}): {
  seq: TrackSequencer;
  out: Out[];
  offer: (ext: number, now: number, leg?: string) => number;
} {
  const out: Out[] = [];
  const sink: SequencerSink = {
    packet: (_t, _p, ext, leg) => out.push({ packet: ext, leg }),
    gap: (_t, a, b) => out.push({ gap: [a, b] }),
  };
  const seq = new TrackSequencer(
    0,
    { historyPackets: 64, gapTimeoutMs: 100, reorderWindowMs: 0, ...opts },
    sink,
  );
  const offer = (ext: number, now: number, leg = 'L'): number => {
    const c = seq.classify(ext);
    if (c === ACCEPT) seq.accept(ext, ext * 10, ext, Buffer.alloc(12), leg, now);
    seq.maintain(now);
    return c;
  };
  return { seq, out, offer };
}

const drain = (out: Out[]): Out[] => out.splice(0, out.length);

describe('TrackSequencer', () => {
  it('first arrival is emitted at once; later copies are duplicates; too old is late', () => {
    const { seq, out, offer } = make();
    expect(seq.empty).toBe(true);
    expect(offer(1000, 0, 'a')).toBe(ACCEPT);
    expect(offer(1000, 1, 'b')).toBe(DUPLICATE);
    expect(offer(1001, 2, 'b')).toBe(ACCEPT);
    expect(drain(out)).toEqual([
      { packet: 1000, leg: 'a' },
      { packet: 1001, leg: 'b' },
    ]);
    expect([seq.outExt, seq.outTs, seq.highest, seq.topTs, seq.topTime]).toEqual([
      1001, 10010, 1001, 10010, 2,
    ]);
    expect(seq.received(1001)).toBe(true);
    offer(1100, 3);
    expect(seq.classify(1100 - 64)).toBe(LATE);
    expect(seq.classify(1100 - 63)).toBe(ACCEPT);
    expect(seq.received(1001)).toBe(false); // out of the history
  });

  it('holes below the first packet (a leg behind) are gaps too, after the timeout', () => {
    const { out, offer } = make();
    offer(500, 0);
    offer(501, 1);
    offer(495, 10); // opens 496..499 at t=10
    drain(out);
    offer(502, 109);
    expect(drain(out)).toEqual([{ packet: 502, leg: 'L' }]);
    offer(503, 110);
    expect(drain(out)).toEqual([{ packet: 503, leg: 'L' }, { gap: [496, 499] }]);
  });

  it('maintains a hash index only while retained', () => {
    const { seq, offer } = make();
    for (let e = 10; e < 20; e++) offer(e, e);
    expect(seq.index).toBeUndefined();
    seq.retainIndex();
    seq.retainIndex();
    expect(seq.index?.count(15)).toBe(1); // hash = ext in this test
    offer(20, 20);
    expect(seq.index?.latest(20)).toBe(20);
    offer(10 + 64, 21); // pushes 10 out of the ring
    expect(seq.index?.count(10)).toBe(0);
    seq.releaseIndex();
    expect(seq.index).toBeDefined();
    seq.releaseIndex();
    expect(seq.index).toBeUndefined();
  });

  it('reorder mode: held packets pushed out of history are released first, in order', () => {
    const { out, offer } = make({ historyPackets: 16, reorderWindowMs: 1000 });
    offer(100, 0);
    offer(102, 1);
    expect(drain(out)).toEqual([]);
    offer(120, 2); // 100..104 leave the window: release 100, declare 101, release 102, …
    expect(drain(out)).toEqual([
      { packet: 100, leg: 'L' },
      { gap: [101, 101] },
      { packet: 102, leg: 'L' },
      { gap: [103, 104] },
    ]);
    expect(offer(103, 3)).toBe(LATE);
  });

  it('property: any arrival order and copies → each ext once; gaps = the span minus what came', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 120 }),
        fc.boolean(),
        (exts, ordered) => {
          const { out, offer, seq } = make({
            historyPackets: 256,
            reorderWindowMs: ordered ? 5 : 0,
          });
          exts.forEach((x, t) => offer(70000 + x, t));
          seq.maintain(1e9);
          const pk = out.flatMap((o) => ('packet' in o ? [o.packet] : []));
          const gaps = out.flatMap((o) =>
            'gap' in o
              ? Array.from({ length: o.gap[1] - o.gap[0] + 1 }, (_, k) => o.gap[0] + k)
              : [],
          );
          const sent = new Set(exts.map((x) => 70000 + x));
          expect(new Set(pk).size).toBe(pk.length);
          if (ordered) {
            for (let k = 1; k < pk.length; k++) expect(pk[k]).toBeGreaterThan(pk[k - 1] as number);
            for (const x of pk) expect(sent.has(x)).toBe(true);
          } else {
            expect([...pk].sort((a, b) => a - b)).toEqual([...sent].sort((a, b) => a - b));
          }
          const lo = Math.min(...pk);
          const hi = Math.max(...pk);
          for (let x = lo; x <= hi; x++) {
            expect(pk.includes(x) || gaps.includes(x), `ext ${x}`).toBe(true);
          }
          expect(new Set(gaps).size).toBe(gaps.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
