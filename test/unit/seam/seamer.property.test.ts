/**
 * The property: for random loss, reordering, duplication, wraparound and join offsets
 * across 1-4 legs, the merged output is correct, once each, with a consistent mapping; it holds
 * everything the reference delivered and nothing no aligned leg delivered (another leg fills a
 * hole only where runs of matching payloads verify its mapping on both sides); every leg that
 * can be aligned is aligned.
 *
 * Model. A true stream of N packets: index i has timestamp floor(i/2)*3000 and a payload that
 * is unique random bytes, except: an "SPS" payload at every i ≡ 0 (mod 10), "silence" (one
 * fixed payload) on runs of up to 3 packets starting at i ≡ 1 (mod 10), and at some i ≡ 5
 * (mod 10) a copy of an earlier packet's payload. Each leg has its own SSRC, 16-bit seq base
 * and 32-bit ts base (biased near the wrap points), a join index and maybe a leave index,
 * independent loss, duplication, a network delay (so legs run ahead of or behind each other)
 * and per-packet jitter (local reordering). The first leg is the reference. Some legs get a
 * correct RTP-Info hint. Arrivals of all legs are merged by arrival time.
 *
 * "Alignable" (when a leg MUST be aligned) is defined as a fixpoint: the reference is aligned
 * if it delivered anything; canonical = what aligned legs delivered and was output; a leg
 * becomes alignable when it delivered K consecutive indices that are all in canonical, at
 * least one of them with a payload unique in the true stream and not all one payload (or, with
 * a hint, 3 such consecutive indices with two distinct payloads). The payload layout above guarantees that
 * no run of K packets matches at a wrong offset (every window of 8 holds an index ≡ 4, 6..9
 * mod 10, whose payload is unique), so any leg that does align must be mapped correctly; the
 * payload check of every output packet asserts it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rtpPacket } from '../../helpers/rtp.js';
import { mulberry32 } from '../../../src/seam/loss-model.js';
import { Seamer, type SeamEvent } from '../../../src/seam/seamer.js';

const K = 8;
/** SEAM_PROP_RUNS=5000 for a longer hunt. */
const RUNS = Number(process.env.SEAM_PROP_RUNS ?? 200);
const TIMEOUT = Math.max(20_000, RUNS * 40);

const SPS = Buffer.from('67428029e8a0280f44000003000400000300ca3c60ca', 'hex');
const SILENCE = Buffer.alloc(24, 0xf8);

function trueStream(n: number, seed: number): { payloads: Buffer[]; unique: boolean[] } {
  const rnd = mulberry32(seed);
  const payloads: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const r = i % 10;
    if (r === 0) {
      payloads.push(SPS);
    } else if (r >= 1 && r <= 3 && rnd() < 0.3) {
      payloads.push(SILENCE);
    } else if (r === 5 && i > 10 && rnd() < 0.3) {
      payloads.push(payloads[Math.floor(rnd() * (i - 1))] as Buffer);
    } else {
      const b = Buffer.alloc(16 + Math.floor(rnd() * 180));
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
      payloads.push(b);
    }
  }
  const count = new Map<string, number>();
  for (const p of payloads) count.set(p.toString('hex'), (count.get(p.toString('hex')) ?? 0) + 1);
  return { payloads, unique: payloads.map((p) => count.get(p.toString('hex')) === 1) };
}

const trueTs = (i: number): number => Math.floor(i / 2) * 3000;

const legArb = fc.record({
  seqBase: fc.oneof(fc.integer({ min: 65280, max: 65535 }), fc.integer({ min: 0, max: 65535 })),
  tsBase: fc.oneof(
    fc.integer({ min: 0xffffffff - 500_000, max: 0xffffffff }),
    fc.integer({ min: 0, max: 0xffffffff }),
  ),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  join: fc.double({ min: 0, max: 0.9, noNaN: true }),
  leave: fc.option(fc.double({ min: 0.2, max: 1, noNaN: true })),
  loss: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 50 }).map((x) => x / 100),
  ),
  dup: fc.double({ min: 0, max: 0.2, noNaN: true }),
  delay: fc.integer({ min: 0, max: 60 }),
  jitter: fc.integer({ min: 0, max: 6 }),
  hinted: fc.boolean(),
  seed: fc.integer(),
});
type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;
type LegSpec = ArbValue<typeof legArb> & { name: string };

const scenarioArb = scenario(300);

function scenario(maxN: number) {
  return fc.record({
    n: fc.integer({ min: 20, max: maxN }),
    seed: fc.integer(),
    legs: fc.array(legArb, { minLength: 1, maxLength: 4 }),
  });
}

interface Arrival {
  leg: number;
  index: number;
  at: number;
}

interface Scenario {
  n: number;
  payloads: Buffer[];
  unique: boolean[];
  legs: LegSpec[];
  arrivals: Arrival[];
  delivered: Array<Set<number>>;
}

function build(s: ArbValue<typeof scenarioArb>): Scenario {
  const { payloads, unique } = trueStream(s.n, s.seed);
  const legs = s.legs.map((l, k) => ({ ...l, name: `leg${k}` }));
  const arrivals: Arrival[] = [];
  const delivered = legs.map(() => new Set<number>());
  legs.forEach((l, k) => {
    const rnd = mulberry32(l.seed);
    const join = Math.floor(l.join * s.n);
    const leave = l.leave === null ? s.n : Math.max(join + 1, Math.floor(l.leave * s.n));
    for (let i = join; i < Math.min(leave, s.n); i++) {
      if (rnd() < l.loss) continue;
      delivered[k]?.add(i);
      const at = i + l.delay + rnd() * l.jitter;
      arrivals.push({ leg: k, index: i, at });
      if (rnd() < l.dup) arrivals.push({ leg: k, index: i, at: at + rnd() * 20 });
    }
  });
  arrivals.sort((a, b) => a.at - b.at || a.leg - b.leg);
  return { n: s.n, payloads, unique, legs, arrivals, delivered };
}

function packetOf(sc: Scenario, a: Arrival): Buffer {
  const l = sc.legs[a.leg] as LegSpec;
  return rtpPacket({
    seq: l.seqBase + a.index,
    ts: l.tsBase + trueTs(a.index),
    ssrc: l.ssrc,
    marker: a.index % 2 === 1,
    payload: sc.payloads[a.index],
  });
}

/** The reference's extended sequence number for true index i (SeqExtender: first + 2^16). */
function refExtOf(sc: Scenario): ((i: number) => number) | undefined {
  const first = sc.arrivals.find((a) => a.leg === 0);
  if (!first) return undefined;
  const ref = sc.legs[0] as LegSpec;
  const ext0 = ((ref.seqBase + first.index) & 0xffff) + 0x10000;
  return (i) => ext0 + (i - first.index);
}

/** Which legs must end up aligned (see the file comment). */
function alignable(sc: Scenario, output: readonly number[]): boolean[] {
  const ok = sc.legs.map(() => false);
  const canon = new Set<number>();
  const outSet = new Set(output);
  if ((sc.delivered[0]?.size ?? 0) > 0) {
    ok[0] = true;
    for (const i of sc.delivered[0] ?? []) canon.add(i);
  }
  const hasRun = (k: number): boolean => {
    const d = sc.delivered[k] as Set<number>;
    const hinted = (sc.legs[k] as LegSpec).hinted && ok[0] === true;
    for (const i of d) {
      for (const need of hinted ? [3, K] : [K]) {
        let all = true;
        let uniq = false;
        let distinct = false;
        for (let x = i; x < i + need; x++) {
          if (!d.has(x) || !canon.has(x)) {
            all = false;
            break;
          }
          if (sc.unique[x]) uniq = true;
          if (!(sc.payloads[x] as Buffer).equals(sc.payloads[i] as Buffer)) distinct = true;
        }
        if (all && distinct && (uniq || need === 3)) return true;
      }
    }
    return false;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = 1; k < sc.legs.length; k++) {
      if (ok[k] || !hasRun(k)) continue;
      ok[k] = true;
      // What it delivered counts only where it was output: a leg aligned by payload fills a
      // hole only where its mapping is verified on both sides.
      for (const i of sc.delivered[k] ?? []) if (outSet.has(i)) canon.add(i);
      changed = true;
    }
  }
  return ok;
}

interface RunResult {
  events: SeamEvent[];
  seamer: Seamer;
  pushed: number[];
}

function run(
  sc: Scenario,
  opts: { gapTimeoutMs: number; reorderWindowMs: number; historyPackets?: number },
): RunResult {
  const seamer = new Seamer({ tracks: 1, clockRates: [90000], alignRun: K, ...opts });
  const refExt = refExtOf(sc);
  const ref = sc.legs[0] as LegSpec;
  for (const l of sc.legs) {
    const join = sc.arrivals.find((a) => sc.legs[a.leg] === l);
    if (l !== ref && l.hinted && refExt && join) {
      // RTP-Info of this leg at its first packet, and where canonical space has that packet.
      const i = join.index;
      seamer.addLeg(
        l.name,
        [{ seq: (l.seqBase + i) & 0xffff, rtptime: (l.tsBase + trueTs(i)) >>> 0 }],
        [{ ext: refExt(i), ts: (ref.tsBase + trueTs(i)) >>> 0 }],
      );
    } else {
      seamer.addLeg(l.name);
    }
  }
  const events: SeamEvent[] = [];
  const pushed = sc.legs.map(() => 0);
  let now = 0;
  for (const a of sc.arrivals) {
    now = a.at;
    pushed[a.leg] = (pushed[a.leg] ?? 0) + 1;
    // The returned array and packet events are reused: copy.
    for (const e of seamer.push(`leg${a.leg}`, 0, packetOf(sc, a), now)) events.push({ ...e });
  }
  for (const e of seamer.tick(now + opts.gapTimeoutMs + opts.reorderWindowMs + 1)) {
    events.push({ ...e });
  }
  return { events, seamer, pushed };
}

/** Checks every output packet against the true stream; returns the output indices in order. */
function checkOutput(sc: Scenario, events: SeamEvent[]): number[] {
  const refExt = refExtOf(sc);
  const ref = sc.legs[0] as LegSpec;
  const out: number[] = [];
  for (const e of events) {
    if (e.kind !== 'packet') continue;
    expect(refExt).toBeDefined();
    const i = e.ext - (refExt as (i: number) => number)(0);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(i).toBeLessThan(sc.n);
    expect(e.packet.subarray(12).equals(sc.payloads[i] as Buffer)).toBe(true);
    expect(e.packet.readUInt16BE(2)).toBe(e.ext & 0xffff);
    expect(e.packet.readUInt32BE(4)).toBe((ref.tsBase + trueTs(i)) >>> 0);
    expect(e.packet.readUInt32BE(8)).toBe(ref.ssrc >>> 0);
    out.push(i);
  }
  expect(new Set(out).size).toBe(out.length); // once each
  return out;
}

function gapIndices(sc: Scenario, events: SeamEvent[]): number[] {
  const refExt = refExtOf(sc);
  const base = refExt ? refExt(0) : 0;
  const idx: number[] = [];
  for (const e of events) {
    if (e.kind !== 'gap') continue;
    expect(e.toExt).toBeGreaterThanOrEqual(e.fromExt);
    for (let x = e.fromExt; x <= e.toExt; x++) idx.push(x - base);
  }
  return idx;
}

function unionOfAligned(sc: Scenario, seamer: Seamer): Set<number> {
  const u = new Set<number>();
  sc.legs.forEach((l, k) => {
    if (seamer.legStats(l.name)?.aligned[0]) for (const i of sc.delivered[k] ?? []) u.add(i);
  });
  return u;
}

const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

/**
 * Output ⊆ what aligned legs delivered, and ⊇ what the reference delivered (it defines canonical
 * space). Another leg's packet is output only where its mapping was verified by matching runs
 * around it (see guard.ts): its packets from before its confirming run, or past anything the
 * reference delivered, may be left out.
 */
function expectWithinUnion(sc: Scenario, seamer: Seamer, out: number[]): void {
  const union = unionOfAligned(sc, seamer);
  const outSet = new Set(out);
  for (const i of out) expect(union.has(i), `index ${i} delivered by an aligned leg`).toBe(true);
  for (const i of sc.delivered[0] ?? []) {
    expect(outSet.has(i), `index ${i} of the reference output`).toBe(true);
  }
}

describe('Seamer properties', () => {
  it(
    'first arrival: output correct, once each, holds all the reference delivered and nothing no aligned leg delivered; alignable legs align; gaps = the span minus the output',
    () => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const sc = build(s);
          const { events, seamer, pushed } = run(sc, { gapTimeoutMs: 1e9, reorderWindowMs: 0 });
          const out = checkOutput(sc, events);
          expectWithinUnion(sc, seamer, out);

          const must = alignable(sc, out);
          sc.legs.forEach((l, k) => {
            const st = seamer.legStats(l.name);
            if (must[k]) expect(st?.aligned[0], `${l.name} must align`).toBe(true);
            if (st?.aligned[0]) {
              expect(st.late[0]).toBe(0);
              // Dropped: packets of a leg aligned by payload where its mapping was not verified.
              if (k === 0) expect(st.dropped[0]).toBe(0);
              const used = (st.contributed[0] ?? 0) + (st.duplicates[0] ?? 0);
              expect(used + (st.dropped[0] ?? 0)).toBe(pushed[k]);
            }
          });
          const contributed = sc.legs.reduce(
            (sum, l) => sum + (seamer.legStats(l.name)?.contributed[0] ?? 0),
            0,
          );
          expect(contributed).toBe(out.length);
          expect(events.filter((e) => e.kind === 'unaligned' || e.kind === 'realign')).toEqual([]);

          // Gaps: exactly the indices of the output span nobody delivered, each once.
          const gaps = gapIndices(sc, events);
          expect(new Set(gaps).size).toBe(gaps.length);
          const missing: number[] = [];
          const outSet = new Set(out);
          if (out.length > 0) {
            const lo = Math.min(...out);
            const hi = Math.max(...out);
            for (let i = lo; i <= hi; i++) if (!outSet.has(i)) missing.push(i);
          }
          expect(sorted(gaps)).toEqual(missing);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT,
  );

  it(
    'short gap timeout: late fills are still output; every hole of the output span is declared once',
    () => {
      fc.assert(
        fc.property(scenarioArb, fc.integer({ min: 1, max: 40 }), (s, gapTimeoutMs) => {
          const sc = build(s);
          const { events, seamer } = run(sc, { gapTimeoutMs, reorderWindowMs: 0 });
          const out = checkOutput(sc, events);
          expectWithinUnion(sc, seamer, out);
          const gaps = gapIndices(sc, events);
          expect(new Set(gaps).size).toBe(gaps.length);
          const gapSet = new Set(gaps);
          const outSet = new Set(out);
          if (out.length > 0) {
            for (let i = Math.min(...out); i <= Math.max(...out); i++) {
              if (!outSet.has(i)) expect(gapSet.has(i), `hole ${i} declared`).toBe(true);
            }
          }
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    },
    TIMEOUT,
  );

  it(
    'reorder window: output strictly in canonical order, correct, and every delivered packet is output or inside a declared gap',
    () => {
      fc.assert(
        fc.property(
          scenarioArb,
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 1, max: 60 }),
          (s, reorderWindowMs, gapTimeoutMs) => {
            const sc = build(s);
            const { events, seamer } = run(sc, { gapTimeoutMs, reorderWindowMs });
            const out = checkOutput(sc, events);
            for (let k = 1; k < out.length; k++) {
              expect(out[k]).toBeGreaterThan(out[k - 1] as number);
            }
            const union = unionOfAligned(sc, seamer);
            const outSet = new Set(out);
            for (const i of out) expect(union.has(i)).toBe(true);
            const gapSet = new Set(gapIndices(sc, events));
            for (const i of union) {
              if (out.length > 0 && i >= Math.min(...out) && i <= Math.max(...out)) {
                expect(outSet.has(i) || gapSet.has(i), `index ${i} output or declared`).toBe(true);
              }
            }
          },
        ),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    },
    TIMEOUT,
  );
  it(
    'a history smaller than the stream: still correct and once each; nothing is output that no aligned leg delivered',
    () => {
      fc.assert(
        fc.property(scenario(700), fc.boolean(), (s, ordered) => {
          const sc = build(s);
          const { events, seamer } = run(sc, {
            gapTimeoutMs: 30,
            reorderWindowMs: ordered ? 10 : 0,
            historyPackets: 64,
          });
          const out = checkOutput(sc, events);
          const union = unionOfAligned(sc, seamer);
          for (const i of out) expect(union.has(i)).toBe(true);
          const gaps = gapIndices(sc, events);
          expect(new Set(gaps).size).toBe(gaps.length);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    },
    TIMEOUT,
  );
});
