import { describe, expect, it } from 'vitest';
import { HistoryStore, MAX_POINTS, OTHER } from '../../../src/telemetry/history.js';
import { HistorySampler } from '../../../src/telemetry/history-sample.js';
import { leg, source, viewer } from './fixtures.js';

const T0 = 1_800_000_000; // a unix second, a multiple of 60

function point(viewers: number, joins = 0) {
  return { totals: { viewers, joins }, groups: {} };
}

describe('HistoryStore bounds', () => {
  it('holds a fixed number of bytes, whatever is added', () => {
    const h = new HistoryStore();
    const before = h.bytes;
    // 1 hour + 1 day-sized breakdowns: 1000 different names per tick for 2 hours
    for (let s = 0; s < 7200; s += 10) {
      const names = new Map<string, number>();
      for (let i = 0; i < 1000; i++) names.set(`p${s}-${i}`, i);
      h.add(T0 + s, { totals: { viewers: s }, groups: { viewersByPath: names } });
    }
    expect(h.bytes).toBe(before);
    // 3600 s + 1440 min slots of (11 totals + 4 × 13 names) columns at 10 bytes, plus times
    expect(h.bytes).toBe(3600 * 63 * 10 + 3600 * 8 + 1440 * 63 * 10 + 1440 * 8);
    expect(h.bytes).toBeLessThan(3.5 * 2 ** 20);
  });

  it('forgets per-second data older than the ring; the per-minute ring still has it', () => {
    const h = new HistoryStore({ seconds: 60, minutes: 10 });
    for (let s = 0; s < 180; s++) h.add(T0 + s, point(s));
    const old = h.query({ from: T0, to: T0 + 179, step: 1 });
    expect(old.t).toHaveLength(180);
    expect(old.totals.viewers.slice(0, 120).every((v) => v === null)).toBe(true);
    expect(old.totals.viewers[120]).toBe(120);
    expect(old.totals.viewers[179]).toBe(179);
    const minutes = h.query({ from: T0, to: T0 + 179, step: 60 });
    expect(minutes.resolution).toBe(60);
    expect(minutes.totals.viewers).toEqual([29.5, 89.5, 149.5]);
  });

  it('forgets per-minute data older than the day ring', () => {
    const h = new HistoryStore({ seconds: 60, minutes: 10 });
    for (let m = 0; m < 15; m++) h.add(T0 + m * 60, point(m));
    const a = h.query({ from: T0, to: T0 + 15 * 60 - 1, step: 60 });
    expect(a.totals.viewers).toEqual([
      null,
      null,
      null,
      null,
      null,
      5,
      6,
      7,
      8,
      9,
      10,
      11,
      12,
      13,
      14,
    ]);
  });

  it('keeps at most maxNames names per breakdown and folds the rest into other', () => {
    const h = new HistoryStore({ maxNames: 2 });
    const names = new Map([
      ['a', 5],
      ['b', 3],
      ['c', 2],
      ['d', 1],
    ]);
    h.add(T0, { totals: {}, groups: { viewersByPath: names, legLossBySource: names } });
    const a = h.query({ from: T0, to: T0, step: 1 });
    expect(a.groups.viewersByPath).toEqual({ a: [5], b: [3], [OTHER]: [3] });
    expect(a.groups.legLossBySource).toEqual({ a: [5], b: [3], [OTHER]: [2] });
  });

  it('gives a name that has not been seen for a day its column to a new name', () => {
    const h = new HistoryStore({ seconds: 60, minutes: 10, maxNames: 1 });
    h.add(T0, { totals: {}, groups: { viewersByPath: new Map([['old', 1]]) } });
    h.add(T0 + 60, { totals: {}, groups: { viewersByPath: new Map([['new', 2]]) } });
    expect(h.query({ from: T0 + 60, to: T0 + 60, step: 1 }).groups.viewersByPath).toEqual({
      [OTHER]: [2],
    });
    const later = T0 + 11 * 60 + 61;
    h.add(later, { totals: {}, groups: { viewersByPath: new Map([['new', 4]]) } });
    expect(h.query({ from: later, to: later, step: 1 }).groups.viewersByPath).toEqual({ new: [4] });
  });

  it('answers at most MAX_POINTS buckets', () => {
    const h = new HistoryStore();
    expect(h.query({ from: T0, to: T0 + 100_000, step: 1 }).t).toHaveLength(MAX_POINTS);
  });
});

describe('HistoryStore downsampling', () => {
  it('means gauges and sums counts over a bucket', () => {
    const h = new HistoryStore();
    for (let s = 0; s < 10; s++) h.add(T0 + s, point(s, 1));
    const a = h.query({ from: T0, to: T0 + 9, step: 5 });
    expect(a.t).toEqual([T0, T0 + 5]);
    expect(a.totals.viewers).toEqual([2, 7]);
    expect(a.totals.joins).toEqual([5, 5]);
  });

  it('per-minute buckets over several minutes: mean of all ticks, total of counts', () => {
    const h = new HistoryStore();
    for (let s = 0; s < 240; s++) h.add(T0 + s, point(s < 120 ? 10 : 20, 1));
    const a = h.query({ from: T0, to: T0 + 239, step: 120 });
    expect(a.resolution).toBe(60);
    expect(a.totals.viewers).toEqual([10, 20]);
    expect(a.totals.joins).toEqual([120, 120]);
  });

  it('aligns from down to the step and leaves empty buckets null', () => {
    const h = new HistoryStore();
    h.add(T0 + 12, point(4));
    const a = h.query({ from: T0 + 7, to: T0 + 29, step: 10 });
    expect(a.from).toBe(T0);
    expect(a.t).toEqual([T0, T0 + 10, T0 + 20]);
    expect(a.totals.viewers).toEqual([null, 4, null]);
    expect(a.totals.viewerLossPct).toEqual([null, null, null]);
  });

  it('skips a NaN figure (no viewer reported) instead of averaging it as 0', () => {
    const h = new HistoryStore();
    h.add(T0, { totals: { viewerLossPct: NaN }, groups: {} });
    h.add(T0 + 1, { totals: { viewerLossPct: 4 }, groups: {} });
    expect(h.query({ from: T0, to: T0 + 1, step: 2 }).totals.viewerLossPct).toEqual([4]);
  });
});

describe('HistorySampler', () => {
  const src = (viewers: ReturnType<typeof viewer>[], legLoss = 10, merged = 1) =>
    source({
      id: 'cam1',
      originHost: 'o:554',
      mergedLossPct: merged,
      legs: [leg({ id: 'l1', host: 'o:554', lossPct: legLoss, kbps: 800 })],
      viewers,
    });

  it('counts joins and leaves, rates and the seaming gain', () => {
    const s = new HistorySampler();
    const a = viewer({ id: 'a', network: '10.0.0.0/24', bytesSent: 1000, joinMs: 30 });
    const b = viewer({ id: 'b', network: '10.0.1.0/24', bytesSent: 0, lossPct: 5, joinMs: 50 });
    const p1 = s.sample({ at: 1000, sources: [src([a, b])] });
    expect(p1.totals).toMatchObject({ viewers: 2, joins: 2, leaves: 0, legs: 1, upKbps: 800 });
    expect(p1.totals.joinMs).toBe(40);
    expect(p1.totals.viewerLossPct).toBe(2.5);
    expect(p1.groups.legLossBySource?.get('cam1')).toBe(10);
    expect(p1.groups.mergedLossBySource?.get('cam1')).toBe(1);
    const a2 = { ...a, bytesSent: 126_000 };
    const p2 = s.sample({ at: 2000, sources: [src([a2])] });
    expect(p2.totals).toMatchObject({ viewers: 1, joins: 0, leaves: 1, downKbps: 1000 });
    expect(p2.totals.joinMs).toBeNaN(); // a's join time was counted once already
    expect(p2.groups.viewersByPath?.get('cam1')).toBe(1);
  });
});
