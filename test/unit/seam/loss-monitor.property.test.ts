import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LossMonitor } from '../../../src/seam/loss-monitor.js';
import { MAX_MISORDER } from '../../../src/protocol/rtp/seq.js';

/** How far (in sequence numbers) a packet or a duplicate may arrive late: below MAX_MISORDER. */
const MAX_DELAY = 40;

interface Slot {
  lost: boolean;
  delay: number;
  dups: number[];
}
interface Arrival {
  offset: number;
  key: number;
}

const slotArb: fc.Arbitrary<Slot> = fc.record({
  lost: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
  delay: fc.integer({ min: 0, max: MAX_DELAY }),
  dups: fc.array(fc.integer({ min: 0, max: MAX_DELAY }), { maxLength: 2 }),
});

const startArb = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }),
  fc.integer({ min: 0xffff - 300, max: 0xffff }),
);

/**
 * Arrival order of a stream: offset o is sent as seq (start + o) mod 2^16; kept packets (and
 * their duplicates) arrive ordered by o + delay, so none arrives more than MAX_DELAY behind the
 * highest offset seen before it.
 */
function arrivals(slots: readonly Slot[]): Arrival[] {
  const out: Arrival[] = [];
  slots.forEach((s, o) => {
    if (s.lost) return;
    out.push({ offset: o, key: o + s.delay });
    for (const d of s.dups) out.push({ offset: o, key: o + d + 0.5 });
  });
  return out.sort((a, b) => a.key - b.key);
}

/** Truth for a set of unique offsets: [expected, received, lost]. */
function truth(offsets: Iterable<number>): [number, number, number] {
  const set = new Set(offsets);
  if (set.size === 0) return [0, 0, 0];
  const all = [...set];
  const expected = Math.max(...all) - Math.min(...all) + 1;
  return [expected, set.size, expected - set.size];
}

/** Feeds the stream with arrivals every stepMs and compares stats() with the truth. */
function checkSliding(
  start: number,
  slots: readonly Slot[],
  stepMs: number,
  windowMs: number,
  maxWindowPackets: number,
  every: number,
): void {
  const order = arrivals(slots);
  const m = new LossMonitor({ clockRate: 8000, windowMs, maxWindowPackets });
  const firsts: { offset: number; at: number }[] = [];
  const seen = new Set<number>();
  order.forEach((a, i) => {
    const at = i * stepMs;
    m.onPacket((start + a.offset) & 0xffff, a.offset * 160, 20, at);
    if (!seen.has(a.offset)) {
      seen.add(a.offset);
      firsts.push({ offset: a.offset, at });
    }
    if (i % every !== 0 && i !== order.length - 1) return;
    // time only moves forward: after the last packet, look later and later
    const last = i === order.length - 1;
    const nows = last ? [at, at + Math.floor(windowMs / 2), at + windowMs] : [at];
    for (const now of nows) {
      const inWindow = firsts
        .slice(-maxWindowPackets)
        .filter((f) => f.at > now - windowMs && f.at <= now);
      const [expected, received, lost] = truth(inWindow.map((f) => f.offset));
      expect(m.stats(now)).toMatchObject({ expected, received, lost });
    }
  });
}

describe('LossMonitor properties', () => {
  it('keeps MAX_DELAY within MAX_MISORDER', () => expect(2 * MAX_DELAY).toBeLessThan(MAX_MISORDER));

  it('lost = missing sequence numbers in the span, duplicates = injected duplicates', () => {
    fc.assert(
      fc.property(startArb, fc.array(slotArb, { minLength: 1, maxLength: 600 }), (start, slots) => {
        const order = arrivals(slots);
        const m = new LossMonitor({ clockRate: 90000, windowMs: 1e9 });
        order.forEach((a, i) => m.onPacket((start + a.offset) & 0xffff, a.offset * 3000, 50, i));
        const s = m.stats(order.length);
        const [expected, received, lost] = truth(order.map((a) => a.offset));
        const injected = order.length - received;
        expect(s).toMatchObject({ expected, received, lost, duplicates: injected });
        expect(s.packets).toBe(order.length);
        expect(s.bytes).toBe(50 * order.length);
        expect(s.cumulativeLost).toBe(lost);
        const first = order[0];
        if (first === undefined) {
          expect(s.highestExt).toBe(-1);
        } else {
          // the first arrival is in cycle 0 of the extended numbering
          const maxOffset = Math.max(...order.map((a) => a.offset));
          const s0 = (start + first.offset) & 0xffff;
          expect(s.highestExt).toBe(s0 + maxOffset - first.offset);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a sliding window counts the first copies that arrived in (now - windowMs, now]', () => {
    fc.assert(
      fc.property(
        startArb,
        fc.array(slotArb, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 50 }), // ms between arrivals
        fc.integer({ min: 1, max: 3000 }), // window
        fc.integer({ min: 1, max: 300 }), // maxWindowPackets
        fc.integer({ min: 1, max: 97 }), // checkpoint every n arrivals
        checkSliding,
      ),
      { numRuns: 200 },
    );
  });

  it('stays exact while the window ring grows (long streams, large windows)', () => {
    fc.assert(
      fc.property(
        startArb,
        fc.array(slotArb, { minLength: 3000, maxLength: 6000 }),
        fc.integer({ min: 1, max: 10 }), // ms between arrivals
        fc.integer({ min: 30_000, max: 100_000 }), // ≥ 3000 arrivals: the ring outgrows 1024
        fc.integer({ min: 1500, max: 5000 }),
        fc.integer({ min: 100, max: 500 }),
        checkSliding,
      ),
      { numRuns: 20, endOnFailure: true }, // shrinking thousands of packets takes minutes
    );
  });

  it('RR intervals follow RFC 3550 A.3 over the unique packets so far', () => {
    fc.assert(
      fc.property(
        startArb,
        fc.array(slotArb, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 60 }),
        (start, slots, every) => {
          const m = new LossMonitor({ clockRate: 8000, windowMs: 5000 });
          const order = arrivals(slots);
          let [expectedPrior, receivedPrior] = [0, 0];
          order.forEach((a, i) => {
            m.onPacket((start + a.offset) & 0xffff, a.offset * 160, 20, i);
            if (i % every !== 0 && i !== order.length - 1) return;
            const [expected, received, lost] = truth(order.slice(0, i + 1).map((x) => x.offset));
            const expectedInterval = expected - expectedPrior;
            const lostInterval = expectedInterval - (received - receivedPrior);
            const fraction =
              expectedInterval > 0 && lostInterval > 0
                ? Math.floor((256 * lostInterval) / expectedInterval)
                : 0;
            [expectedPrior, receivedPrior] = [expected, received];
            expect(m.takeReportInterval()).toMatchObject({
              fractionLost: Math.min(255, fraction),
              cumulativeLost: lost,
            });
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
