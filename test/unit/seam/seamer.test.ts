import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/seam/loss-model.js';
import { Seamer, type SeamerOptions, type SeamEvent } from '../../../src/seam/seamer.js';
import { rtpPacket } from '../../helpers/rtp.js';

// ---- a small model: a true stream of payloads, legs with their own SSRC / seq / ts bases ----

const SPS = Buffer.from('67428029e8a0280f44000003000400000300ca3c60ca', 'hex');
const SILENCE = Buffer.alloc(32, 0xf8);

function randomPayload(rnd: () => number): Buffer {
  const b = Buffer.alloc(24 + Math.floor(rnd() * 200));
  for (let k = 0; k < b.length; k++) b[k] = Math.floor(rnd() * 256);
  return b;
}

/** n payloads: the same SPS at every index ≡ 0 mod 10, unique random bytes elsewhere. */
function stream(n: number, seed = 1): Buffer[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => (i % 10 === 0 ? SPS : randomPayload(rnd)));
}

interface LegModel {
  name: string;
  seqBase: number;
  tsBase: number;
  ssrc: number;
}

const TS_STEP = 3000;

function rtp(l: LegModel, i: number, payload: Buffer): Buffer {
  return rtpPacket({ seq: l.seqBase + i, ts: l.tsBase + i * TS_STEP, ssrc: l.ssrc, payload });
}

/** Extended number the seamer gives true index i of a leg whose first packet was index first. */
const extOf = (l: LegModel, first: number, i: number): number =>
  ((l.seqBase + first) & 0xffff) + 0x10000 + (i - first);

class Harness {
  readonly seamer: Seamer;
  readonly events: SeamEvent[] = [];
  now = 0;

  constructor(
    opts: Partial<SeamerOptions> = {},
    readonly payloads: Buffer[] = stream(300),
  ) {
    this.seamer = new Seamer({ tracks: 1, clockRates: [90000], ...opts });
  }

  /** Pushes true index i as delivered by leg l (payload overridable); returns copies. */
  push(l: LegModel, i: number, at = this.now, payload = this.payloads[i] as Buffer): SeamEvent[] {
    this.now = at;
    const evs = this.seamer.push(l.name, 0, rtp(l, i, payload), at).map((e) => ({ ...e }));
    this.events.push(...evs);
    return evs;
  }

  tick(at: number): SeamEvent[] {
    this.now = at;
    const evs = this.seamer.tick(at).map((e) => ({ ...e }));
    this.events.push(...evs);
    return evs;
  }

  packets(): Array<Extract<SeamEvent, { kind: 'packet' }>> {
    return this.events.filter((e) => e.kind === 'packet');
  }

  of<K extends SeamEvent['kind']>(kind: K): Array<Extract<SeamEvent, { kind: K }>> {
    return this.events.filter((e): e is Extract<SeamEvent, { kind: K }> => e.kind === kind);
  }

  /** Asserts every output packet is the true packet at its index in `ref`'s numbering. */
  expectCorrect(ref: LegModel, refFirst: number): number[] {
    const idx = this.packets().map((e) => {
      const i = e.ext - extOf(ref, refFirst, 0);
      expect(e.packet.subarray(12).equals(this.payloads[i] as Buffer), `payload at ${i}`).toBe(
        true,
      );
      expect(e.packet.readUInt16BE(2)).toBe((ref.seqBase + i) & 0xffff);
      expect(e.packet.readUInt32BE(4)).toBe((ref.tsBase + i * TS_STEP) >>> 0);
      expect(e.packet.readUInt32BE(8)).toBe(ref.ssrc);
      return i;
    });
    expect(new Set(idx).size).toBe(idx.length);
    return idx;
  }
}

const range = (a: number, b: number): number[] =>
  Array.from({ length: Math.max(0, b - a + 1) }, (_, k) => a + k);
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

const A: LegModel = { name: 'A', seqBase: 20000, tsBase: 5_000_000, ssrc: 0xaaaa0001 };
const B: LegModel = { name: 'B', seqBase: 40000, tsBase: 900_000_000, ssrc: 0xbbbb0002 };

describe('Seamer: the reference leg', () => {
  it('defines canonical space: offset 0, its SSRC, output at once and in place', () => {
    const s = new Seamer({ tracks: 1, clockRates: [90000] });
    s.addLeg('A');
    const p0 = rtp(A, 0, SPS);
    const ev = s.push('A', 0, p0, 0);
    expect(ev[0]).toEqual({
      kind: 'aligned',
      leg: 'A',
      track: 0,
      seqOffset: 0,
      tsOffset: 0,
      via: 'reference',
    });
    expect(ev[1]).toMatchObject({ kind: 'packet', track: 0, ext: 20000 + 0x10000, leg: 'A' });
    expect(ev[1]?.kind === 'packet' && ev[1].packet).toBe(p0); // zero copy
    const ev2 = s.push('A', 0, rtp(A, 1, Buffer.from('x')), 20);
    expect(ev2).toBe(ev); // the returned array is reused
    expect(ev2).toHaveLength(1);
    expect(s.canonicalSsrc(0)).toBe(A.ssrc);
    expect(s.lastOutput(0)).toEqual({ ext: 20001 + 0x10000, seq: 20001, ts: 5_003_000 });
    expect(s.mapTimestamp('A', 0, 123)).toBe(123);
    expect(s.push('A', 0, rtp(A, 1, Buffer.from('x')), 30)).toEqual([]); // duplicate
    expect(s.push('A', 0, Buffer.alloc(5), 31)).toEqual([]); // malformed
    expect(s.legStats('A')).toEqual({
      contributed: [2],
      duplicates: [1],
      aligned: [true],
      held: [0],
      late: [0],
      dropped: [1],
    });
    expect(s.legStats('nope')).toBeUndefined();
    expect(s.push('nope', 0, rtp(A, 2, SPS), 40)).toEqual([]);
    expect(() => s.push('A', 1, rtp(A, 2, SPS), 40)).toThrow(RangeError);
    expect(() => s.addLeg('A')).toThrow();
    expect(s.lastOutput(0)?.ext).toBe(20001 + 0x10000);
  });

  it('handles seq wraparound (near 65535) and ts wraparound (near 2^32) on every leg', () => {
    const h = new Harness();
    const a: LegModel = { name: 'A', seqBase: 65530, tsBase: 0xffffffff - 6000, ssrc: 1 };
    const b: LegModel = { name: 'B', seqBase: 65520, tsBase: 0xfffff000, ssrc: 2 };
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    const lostByA = new Set([15, 16, 17, 30]);
    for (let i = 0; i < 40; i++) {
      if (!lostByA.has(i)) h.push(a, i, i * 2);
      if (i >= 5) h.push(b, i, i * 2 + 1);
    }
    const aligned = h.of('aligned').find((e) => e.leg === 'B');
    expect(aligned).toMatchObject({ via: 'hash', seqOffset: 10 });
    expect(aligned?.tsOffset).toBe((a.tsBase - b.tsBase) >>> 0);
    const idx = h.expectCorrect(a, 0);
    expect(sorted(idx)).toEqual(range(0, 39));
    for (const i of lostByA)
      expect(h.packets().find((e) => e.ext === extOf(a, 0, i))?.leg).toBe('B');
    expect(h.seamer.mapTimestamp('B', 0, b.tsBase)).toBe(a.tsBase);
    expect(h.seamer.mapSeq('B', 0, 65525)).toBe(65535);
    expect(h.seamer.mapSeq('B', 0, 65530)).toBe(4);
    expect(h.seamer.mapSeq('C', 0, 1)).toBeUndefined();
    expect(h.seamer.lastOutput(0)).toEqual({
      ext: extOf(a, 0, 39),
      seq: (65530 + 39) & 0xffff,
      ts: (a.tsBase + 39 * TS_STEP) >>> 0,
    });
  });
});

describe('Seamer: alignment', () => {
  it('a leg joining late is aligned by a payload run; it fills holes only between runs that match', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    const lostByA = new Set([101, 150, 151, 152]);
    let filledAt = -1;
    for (let i = 0; i < 200; i++) {
      if (!lostByA.has(i)) h.push(A, i, i);
      if (i >= 100) {
        const evs = h.push(B, i, i);
        // Run 102..109 is the first with A's twins all present (A lost 101).
        const kinds = evs.map((e) => e.kind);
        if (i === 109) expect(kinds).toEqual(['aligned']);
        else if (i < 109) expect(kinds).toEqual([]);
        if (evs.some((e) => e.kind === 'packet') && filledAt < 0) filledAt = i;
      }
    }
    expect(h.of('aligned')[1]).toEqual({
      kind: 'aligned',
      leg: 'B',
      track: 0,
      seqOffset: 20000 - 40000,
      tsOffset: (A.tsBase - B.tsBase) >>> 0,
      via: 'hash',
    });
    // B's 101 came before its confirming run: nothing verifies where it belongs, so it is not
    // used (an origin re-sends parameter sets there after a seek). 150..152 lie between B's
    // matching packets 146..149 and the run 153..156 after them: filled when that run is in.
    expect(filledAt).toBe(156);
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 199).filter((i) => i !== 101));
    expect(h.seamer.legStats('B')).toMatchObject({
      contributed: [3],
      duplicates: [96],
      dropped: [1],
    });
    expect(h.tick(1e6)).toEqual([
      { kind: 'gap', track: 0, fromExt: extOf(A, 0, 101), toExt: extOf(A, 0, 101) },
    ]);
  });

  it('a leg ahead of the reference is held and aligned when canonical packets arrive; it fills what the reference lost once the reference catches up', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    for (let i = 0; i < 30; i++) expect(h.push(B, i, i)).toEqual([]);
    expect(h.seamer.legStats('B')?.held).toEqual([30]);
    for (let i = 0; i < 30; i++) {
      if (i === 20) continue;
      const evs = h.push(A, i, 30 + i);
      // B's 8..29 lie past its run (0..7): nothing has checked them yet, so they wait.
      if (i === 7) expect(evs.map((e) => e.kind)).toEqual(['packet', 'aligned']);
      // A's 21..24 match B's waiting 21..24: a run after B's 20, which fills A's hole.
      if (i === 24) expect(evs.map((e) => e.kind)).toEqual(['packet', 'packet']);
    }
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 29));
    expect(
      h
        .packets()
        .filter((e) => e.leg === 'B')
        .map((e) => e.ext),
    ).toEqual([extOf(A, 0, 20)]);
    expect(h.seamer.legStats('A')).toMatchObject({ contributed: [29], duplicates: [0] });
    expect(h.seamer.legStats('B')).toMatchObject({ contributed: [1], held: [0], aligned: [true] });
  });

  it('repeated payloads (SPS every 10th, a repeated block of 20) never pin an offset', () => {
    const payloads = stream(220, 7);
    for (let k = 0; k < 20; k++) payloads[140 + k] = payloads[40 + k] as Buffer;
    const h = new Harness({}, payloads);
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    for (let i = 0; i < 220; i++) if (i !== 145 && i !== 165) h.push(A, i, i);
    // B delivers only the repeated block: it fits at two offsets, so it must not align.
    for (let i = 140; i < 160; i++) expect(h.push(B, i, 300 + i)).toEqual([]);
    expect(h.seamer.legStats('B')?.aligned).toEqual([false]);
    // 161 is unique: the run 154..161 pins the offset. The held 145 lies before that run (not
    // verified there: not used); 165 lies between matching runs and fills A's hole.
    for (let i = 160; i < 175; i++) h.push(B, i, 300 + i);
    const al = h.of('aligned').find((e) => e.leg === 'B');
    expect(al).toMatchObject({ via: 'hash', seqOffset: -20000 });
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 219).filter((i) => i !== 145));
    expect(
      h
        .packets()
        .filter((e) => e.leg === 'B')
        .map((e) => e.ext - extOf(A, 0, 0)),
    ).toEqual([165]);
  });

  it('a leg ahead inside a repeated block is not aligned at the earlier copy', () => {
    const payloads = stream(220, 9);
    for (let k = 0; k < 20; k++) payloads[140 + k] = payloads[40 + k] as Buffer;
    const h = new Harness({}, payloads);
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    for (let i = 0; i <= 100; i++) h.push(A, i, i);
    // B runs ahead: 130..159. 141..148 match canonical 41..48 (the only copy seen so far), but
    // B's 130..139 contradict that offset (canonical 30..39 differ).
    for (let i = 130; i < 160; i++) expect(h.push(B, i, 200 + i)).toEqual([]);
    let alignedAt = -1;
    for (let i = 101; i < 220; i++) {
      if (h.push(A, i, 400 + i).some((e) => e.kind === 'aligned')) alignedAt = i;
    }
    expect(alignedAt).toBe(137); // A's 130..137: the first true run
    expect(h.of('aligned').find((e) => e.leg === 'B')?.seqOffset).toBe(-20000);
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 219));
  });

  it('a run of one repeated payload (silence) aligns nothing', () => {
    const payloads = stream(100, 3);
    for (let i = 20; i < 60; i++) payloads[i] = SILENCE;
    const h = new Harness({ alignGiveUpPackets: 40 }, payloads);
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    for (let i = 0; i < 100; i++) h.push(A, i, i);
    for (let i = 20; i < 60; i++) h.push(B, i, 200 + i);
    expect(h.of('unaligned')).toEqual([
      { kind: 'unaligned', leg: 'B', track: 0, reason: expect.stringMatching(/foreign/) as string },
    ]);
  });

  it('a leg with foreign content is reported unaligned and its packets are dropped', () => {
    const h = new Harness({ alignGiveUpPackets: 50 });
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    const rnd = mulberry32(99);
    for (let i = 0; i < 100; i++) {
      h.push(A, i, i);
      const evs = h.push(B, i, i, randomPayload(rnd));
      if (i === 49) expect(evs.map((e) => e.kind)).toEqual(['unaligned']);
      else expect(evs).toEqual([]);
    }
    expect(h.of('unaligned')[0]?.reason).toMatch(/no payload of 50 packets matched/);
    expect(h.seamer.legStats('B')).toMatchObject({
      aligned: [false],
      held: [0],
      contributed: [0],
      dropped: [100],
    });
    expect(h.packets().every((e) => e.leg === 'A')).toBe(true);
    expect(h.seamer.mapTimestamp('B', 0, 1)).toBeUndefined();
  });

  describe('RTP-Info hints', () => {
    const hintFor = (l: LegModel, i: number, extShift = 0, tsShift = 0) =>
      [
        [{ seq: (l.seqBase + i) & 0xffff, rtptime: (l.tsBase + i * TS_STEP) >>> 0 }],
        [
          {
            ext: extOf(A, 0, i) + extShift,
            ts: (A.tsBase + i * TS_STEP + tsShift) >>> 0,
          },
        ],
      ] as const;

    function run(
      hint: ReturnType<typeof hintFor>,
      payloadOf?: (i: number) => Buffer,
      giveUp = 3000,
    ): Harness {
      const h = new Harness({ alignGiveUpPackets: giveUp });
      h.seamer.addLeg('A');
      h.seamer.addLeg('B', [...hint[0]], [...hint[1]]);
      for (let i = 0; i < 100; i++) h.push(A, i, i);
      for (let i = 50; i < 100; i++) h.push(B, i, 100 + i, payloadOf?.(i));
      return h;
    }

    it('a right hint is confirmed by 3 packets', () => {
      const h = run(hintFor(B, 50));
      const al = h.of('aligned').find((e) => e.leg === 'B');
      expect(al).toMatchObject({ via: 'hint', seqOffset: -20000 });
      // aligned on B's third packet (50, 51, 52)
      const at = h.events.indexOf(al as SeamEvent);
      expect(h.events.slice(0, at).filter((e) => e.kind === 'packet')).toHaveLength(100);
      expect(h.seamer.legStats('B')?.duplicates).toEqual([50]);
    });

    it('a wrong hint is not trusted: the hash run finds the true offset', () => {
      // (a timestamp off by less than the slack, 1 ms of clock, is not "wrong": see tsSlackFor)
      for (const hint of [hintFor(B, 50, 5), hintFor(B, 50, 0, 5000)]) {
        const h = run(hint);
        expect(h.of('aligned').find((e) => e.leg === 'B')).toMatchObject({
          via: 'hash',
          seqOffset: -20000,
        });
        h.expectCorrect(A, 0);
      }
    });

    it('a hint alone never aligns a leg whose payloads do not match', () => {
      const rnd = mulberry32(5);
      const h = run(hintFor(B, 50), () => randomPayload(rnd), 40);
      expect(h.of('aligned').filter((e) => e.leg === 'B')).toEqual([]);
      expect(h.of('unaligned')).toHaveLength(1);
    });
  });
});

describe('Seamer: SSRC change (origin restart)', () => {
  it('the only leg: realign, and canonical space continues (seq last+1, ts by wall clock)', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    for (let i = 0; i < 10; i++) h.push(A, i, i * 20);
    const A2: LegModel = { name: 'A', seqBase: 777, tsBase: 123456, ssrc: 0xcccc0003 };
    const evs = h.push(A2, 0, 1000);
    const lastTs = (A.tsBase + 9 * TS_STEP) >>> 0;
    expect(evs.map((e) => e.kind)).toEqual(['realign', 'aligned', 'packet']);
    expect(evs[0]).toEqual({ kind: 'realign', leg: 'A', track: 0, reason: 'ssrc-change' });
    expect(evs[1]).toMatchObject({ via: 'reference' });
    const p = evs[2] as Extract<SeamEvent, { kind: 'packet' }>;
    expect(p.ext).toBe(extOf(A, 0, 10));
    expect(p.packet.readUInt16BE(2)).toBe(A.seqBase + 10);
    expect(p.packet.readUInt32BE(4)).toBe(lastTs + (1000 - 180) * 90);
    expect(p.packet.readUInt32BE(8)).toBe(A.ssrc);
    // a straggler with the old SSRC is dropped; the new numbering goes on
    expect(h.push(A, 10, 1001)).toEqual([]);
    const next = h.push(A2, 1, 1020)[0] as Extract<SeamEvent, { kind: 'packet' }>;
    expect(next.ext).toBe(extOf(A, 0, 11));
    expect(next.packet.readUInt32BE(4)).toBe(lastTs + (1000 - 180) * 90 + TS_STEP);
    expect(h.seamer.canonicalSsrc(0)).toBe(A.ssrc);
    expect(h.seamer.legStats('A')?.dropped).toEqual([1]);
    expect(h.tick(1e6)).toEqual([]);
  });

  it('another leg: realign, aligned again by hash with its new offsets', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    const B2: LegModel = { name: 'B', seqBase: 3, tsBase: 42, ssrc: 0xdddd0004 };
    for (let i = 0; i < 120; i++) {
      if (i < 70 || i > 72) h.push(A, i, i);
      h.push(i < 50 ? B : B2, i, i);
    }
    expect(h.of('realign')).toEqual([
      { kind: 'realign', leg: 'B', track: 0, reason: 'ssrc-change' },
    ]);
    const again = h.of('aligned').filter((e) => e.leg === 'B');
    expect(again.map((e) => e.seqOffset)).toEqual([-20000, 20000 - 3]);
    expect(again[1]?.tsOffset).toBe((A.tsBase - B2.tsBase) >>> 0);
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 119));
  });

  it('the reference with another aligned leg: realigned by hash, no continuation', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    const A2: LegModel = { name: 'A', seqBase: 60000, tsBase: 7, ssrc: 0xeeee0005 };
    for (let i = 0; i < 100; i++) {
      h.push(i < 50 ? A : A2, i, i);
      if (i !== 60) h.push(B, i, i);
    }
    expect(h.of('realign').map((e) => e.leg)).toEqual(['A']);
    expect(
      h
        .of('aligned')
        .filter((e) => e.leg === 'A')
        .map((e) => e.via),
    ).toEqual(['reference', 'hash']);
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 99));
    expect(h.seamer.canonicalSsrc(0)).toBe(A.ssrc);
  });
});

describe('Seamer: gaps', () => {
  it('are declared after gapTimeoutMs and not before, one event per contiguous range', () => {
    const h = new Harness({ gapTimeoutMs: 100 });
    h.seamer.addLeg('A');
    for (const [i, t] of [
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [8, 10],
      [9, 11],
      [12, 20],
    ]) {
      h.push(A, i as number, t);
    }
    const e = (i: number): number => extOf(A, 0, i);
    expect(h.tick(109)).toEqual([]);
    expect(h.push(A, 13, 109.5).filter((x) => x.kind === 'gap')).toEqual([]);
    expect(h.tick(110)).toEqual([{ kind: 'gap', track: 0, fromExt: e(5), toExt: e(7) }]);
    expect(h.tick(119)).toEqual([]);
    expect(h.tick(120)).toEqual([{ kind: 'gap', track: 0, fromExt: e(10), toExt: e(11) }]);
    // A late fill of a declared gap is still output (players reorder).
    expect(h.push(A, 6, 130).map((x) => x.kind)).toEqual(['packet']);
    // A hole filled in time is no gap.
    h.push(A, 15, 200);
    h.push(A, 14, 250);
    expect(h.tick(1000)).toEqual([]);
  });

  it('holes pushed out of the history are declared at once; older packets are late', () => {
    const h = new Harness({ historyPackets: 16, gapTimeoutMs: 100 });
    h.seamer.addLeg('A');
    h.push(A, 0, 0);
    const evs = h.push(A, 40, 1);
    const e = (i: number): number => extOf(A, 0, i);
    expect(evs.filter((x) => x.kind === 'gap')).toEqual([
      { kind: 'gap', track: 0, fromExt: e(1), toExt: e(24) },
    ]);
    expect(h.push(A, 3, 2)).toEqual([]);
    expect(h.seamer.legStats('A')?.late).toEqual([1]);
    expect(h.push(A, 30, 3).map((x) => x.kind)).toEqual(['packet']);
    expect(h.tick(101)).toEqual([
      { kind: 'gap', track: 0, fromExt: e(25), toExt: e(29) },
      { kind: 'gap', track: 0, fromExt: e(31), toExt: e(39) },
    ]);
  });
});

describe('Seamer: reorder window', () => {
  it('releases in canonical order; a packet waits at most reorderWindowMs for the holes before it', () => {
    const h = new Harness({ reorderWindowMs: 50, gapTimeoutMs: 1000 });
    h.seamer.addLeg('A');
    const e = (i: number): number => extOf(A, 0, i);
    expect(h.push(A, 0, 0)).toMatchObject([{ kind: 'aligned' }]);
    expect(h.push(A, 2, 1)).toEqual([]);
    expect(h.push(A, 3, 2)).toEqual([]);
    expect(h.push(A, 1, 10)).toEqual([]);
    expect(h.tick(49)).toEqual([]);
    expect(h.tick(50).map((x) => x.kind === 'packet' && x.ext)).toEqual([e(0), e(1), e(2), e(3)]);
    // in order and contiguous: released at once
    expect(h.push(A, 4, 55).map((x) => x.kind === 'packet' && x.ext)).toEqual([e(4)]);
    // a hole: 6 waits for 5 at most 50 ms, then 5 is declared and 6 goes
    expect(h.push(A, 6, 60)).toEqual([]);
    expect(h.push(A, 7, 70)).toEqual([]);
    expect(h.tick(109)).toEqual([]);
    expect(h.tick(110)).toEqual([
      { kind: 'gap', track: 0, fromExt: e(5), toExt: e(5) },
      expect.objectContaining({ kind: 'packet', ext: e(6) }),
      expect.objectContaining({ kind: 'packet', ext: e(7) }),
    ]);
    // 5 arriving now is too late for an ordered stream
    expect(h.push(A, 5, 120)).toEqual([]);
    expect(h.seamer.legStats('A')?.late).toEqual([1]);
    expect(h.tick(5000).filter((x) => x.kind === 'gap')).toEqual([]);
  });
});

describe('Seamer: tracks, verification, legs', () => {
  it('aligns each track on its own; stats are per track', () => {
    const s = new Seamer({ tracks: 2, clockRates: [90000, 48000] });
    s.addLeg('A');
    s.addLeg('B');
    const video = stream(60, 11);
    const audio = stream(60, 12);
    const Aa: LegModel = { ...A, ssrc: 0xaaaa0009, seqBase: 100, tsBase: 77 };
    const Ba: LegModel = { ...B, ssrc: 0xbbbb0009, seqBase: 9000, tsBase: 1 };
    const kinds: string[] = [];
    for (let i = 0; i < 60; i++) {
      for (const e of s.push('A', 0, rtp(A, i, video[i] as Buffer), i)) kinds.push(`${e.kind}0`);
      for (const e of s.push('A', 1, rtp(Aa, i, audio[i] as Buffer), i)) kinds.push(`${e.kind}1`);
      if (i >= 10) s.push('B', 0, rtp(B, i, video[i] as Buffer), i);
      if (i >= 30) s.push('B', 1, rtp(Ba, i, audio[i] as Buffer), i);
    }
    expect(s.canonicalSsrc(0)).toBe(A.ssrc);
    expect(s.canonicalSsrc(1)).toBe(0xaaaa0009);
    expect(s.legStats('B')).toMatchObject({ aligned: [true, true], duplicates: [50, 30] });
    expect(s.mapTimestamp('B', 1, Ba.tsBase)).toBe(Aa.tsBase);
    expect(s.mapTimestamp('B', 0, B.tsBase)).toBe(A.tsBase);
  });

  it('an aligned leg whose duplicates stop matching (origin seek, same SSRC) is realigned', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    for (let i = 0; i < 150; i++) {
      h.push(A, i, i);
      // From 60 on, B's origin jumped 5 packets ahead: seq goes on, content and ts jump.
      const j = i < 60 ? i : i + 5;
      h.now = i;
      const pkt = rtp(B, i, h.payloads[j] as Buffer);
      pkt.writeUInt32BE((B.tsBase + j * TS_STEP) >>> 0, 4);
      h.events.push(...h.seamer.push('B', 0, pkt, i).map((e) => ({ ...e })));
    }
    expect(h.of('realign')).toEqual([{ kind: 'realign', leg: 'B', track: 0, reason: 'mismatch' }]);
    const al = h.of('aligned').filter((e) => e.leg === 'B');
    expect(al.map((e) => e.seqOffset)).toEqual([-20000, -20000 + 5]);
    // B's last five (true 150..154) are past anything A delivered: nothing checks them, and A,
    // still aligned, may yet deliver them, so they wait and are not output.
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 149));
    expect(h.seamer.legStats('B')?.dropped).toEqual([0]);
    h.tick(149 + 2000);
    expect(h.seamer.legStats('B')?.dropped).toEqual([5]);
  });

  it('a guarded copy with other bytes at the right seq and timestamp never fills: the leg is realigned', () => {
    const h = new Harness();
    h.seamer.addLeg('A');
    h.seamer.addLeg('B');
    const lost = new Set([70, 71, 90]); // A (the reference) loses these: holes B could fill
    for (let i = 0; i < 150; i++) {
      // From 60 on B carries other bytes (one flipped) with the right numbering; its copies go
      // before A's on even i (they wait for their twin) and after on odd i (duplicates).
      const payload = h.payloads[i] as Buffer;
      const bPayload = i < 60 ? payload : Buffer.from(payload);
      if (i >= 60) bPayload[5] = (bPayload[5] ?? 0) ^ 0xff;
      if (i % 2 === 0) h.push(B, i, i, bPayload);
      if (!lost.has(i)) h.push(A, i, i);
      if (i % 2 === 1) h.push(B, i, i, bPayload);
    }
    h.tick(149 + 2000);
    expect(h.of('realign')).toEqual([{ kind: 'realign', leg: 'B', track: 0, reason: 'mismatch' }]);
    // Every output packet is the true one; the holes stay holes.
    expect(sorted(h.expectCorrect(A, 0))).toEqual(range(0, 149).filter((i) => !lost.has(i)));
    expect(h.seamer.legStats('B')?.contributed).toEqual([0]);
  });

  it('a track the reference does not carry is defined by another leg after alignGiveUpPackets', () => {
    const s = new Seamer({ tracks: 2, clockRates: [90000, 8000], alignGiveUpPackets: 20 });
    s.addLeg('A');
    s.addLeg('B');
    const p = stream(60, 21);
    const evs: SeamEvent[] = [];
    const push = (l: LegModel, i: number): void => {
      evs.push(...s.push(l.name, 1, rtp(l, i, p[i] as Buffer), i).map((e) => ({ ...e })));
    };
    for (let i = 0; i < 19; i++) push(B, i);
    expect(evs).toEqual([]); // waiting for the reference
    push(B, 19);
    expect(evs[0]).toEqual({
      kind: 'aligned',
      leg: 'B',
      track: 1,
      seqOffset: 0,
      tsOffset: 0,
      via: 'reference',
    });
    expect(evs.filter((e) => e.kind === 'packet')).toHaveLength(20);
    expect(s.canonicalSsrc(1)).toBe(B.ssrc);
    // The reference turns up late on that track: it aligns to B's numbering by hash.
    for (let i = 10; i < 30; i++) push(A, i);
    expect(evs.find((e) => e.kind === 'aligned' && e.leg === 'A')).toMatchObject({
      via: 'hash',
      seqOffset: 40000 - 20000,
    });
  });

  it('removeLeg: a track the reference never carried is defined by the next leg', () => {
    const s = new Seamer({ tracks: 2, clockRates: [90000, 8000] });
    s.addLeg('A');
    s.addLeg('B');
    const p = stream(30, 4);
    for (let i = 0; i < 30; i++) s.push('A', 0, rtp(A, i, p[i] as Buffer), i);
    s.removeLeg('A');
    expect(s.legStats('A')).toBeUndefined();
    s.removeLeg('A'); // twice is fine
    const kinds = s.push('B', 1, rtp(B, 0, p[0] as Buffer), 40).map((e) => e.kind);
    expect(kinds).toEqual(['aligned', 'packet']);
    expect(s.canonicalSsrc(1)).toBe(B.ssrc);
    // track 0 has history: B aligns against it by hash
    const evs: SeamEvent[] = [];
    for (let i = 20; i < 40; i++) {
      evs.push(
        ...s.push('B', 0, rtp(B, i, (p[i] ?? SPS).subarray(0)), 50 + i).map((e) => ({ ...e })),
      );
    }
    expect(evs.find((e) => e.kind === 'aligned')).toMatchObject({ via: 'hash', seqOffset: -20000 });
  });
});
