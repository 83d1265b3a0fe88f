import { describe, expect, it } from 'vitest';
import { LossMonitor } from '../../../src/seam/loss-monitor.js';

/** Feeds [seq, arrivalMs] pairs (timestamp = seq · 160, 100 bytes each). */
function feed(m: LossMonitor, packets: readonly (readonly [number, number])[]): void {
  for (const [seq, at] of packets) m.onPacket(seq, seq * 160, 100, at);
}
const at0 = (seqs: number[]): [number, number][] => seqs.map((s) => [s, 0]);

function monitor(windowMs = 5000, maxWindowPackets?: number): LossMonitor {
  return new LossMonitor({ clockRate: 8000, windowMs, maxWindowPackets });
}

describe('LossMonitor window loss', () => {
  it.each([
    // [name, seqs, expected, received, lost, duplicates, highestExt]
    ['in order', [1, 2, 3, 4], 4, 4, 0, 0, 4],
    ['one lost', [1, 2, 4, 5], 5, 4, 1, 0, 5],
    ['wrap, none lost', [65534, 65535, 0, 1], 4, 4, 0, 0, 0x10001],
    ['wrap, 65535 and 1 lost', [65533, 65534, 0, 2], 6, 4, 2, 0, 0x10002],
    ['reordered across the wrap', [65535, 1, 0, 2], 4, 4, 0, 0, 0x10002],
    ['packet before the first', [10, 12, 9, 11], 4, 4, 0, 0, 12],
    ['reordered, none lost', [1, 3, 2, 5, 4, 6], 6, 6, 0, 0, 6],
    ['reordered, one lost', [1, 3, 2, 6, 4, 7], 7, 6, 1, 0, 7],
    ['duplicates apart', [1, 2, 2, 3, 3, 3], 3, 3, 0, 3, 3],
    ['duplicate of a late one', [1, 3, 2, 2, 4], 4, 4, 0, 1, 4],
    ['duplicate across the wrap', [65535, 0, 65535, 0], 2, 2, 0, 2, 0x10000],
  ])('%s', (_name, seqs, expected, received, lost, duplicates, highestExt) => {
    const m = monitor();
    feed(m, at0(seqs));
    const s = m.stats(0);
    expect(s).toMatchObject({ expected, received, lost, duplicates, highestExt });
    expect(s.packets).toBe(seqs.length);
    expect(s.bytes).toBe(100 * seqs.length);
    expect(s.lossPct).toBeCloseTo((100 * lost) / expected, 10);
  });

  it('reports zeros before any packet', () => {
    expect(monitor().stats(1000)).toEqual({
      packets: 0,
      bytes: 0,
      duplicates: 0,
      expected: 0,
      received: 0,
      lost: 0,
      lossPct: 0,
      jitter: 0,
      jitterMs: 0,
      highestExt: -1,
      cumulativeLost: 0,
      fractionLost: 0,
    });
  });

  it('counts a hole filled later within the window as received', () => {
    const m = monitor(1000);
    feed(m, [
      [1, 0],
      [2, 10],
      [4, 20],
    ]);
    expect(m.stats(20)).toMatchObject({ expected: 4, lost: 1 });
    feed(m, [[3, 900]]);
    expect(m.stats(900)).toMatchObject({ expected: 4, received: 4, lost: 0, lossPct: 0 });
  });

  it('forgets loss once it is older than the window', () => {
    const m = monitor(1000);
    const first = [1, 2, 3, 5, 6, 7, 8, 9, 10].map((s): [number, number] => [s, s]);
    feed(m, first);
    expect(m.stats(10)).toMatchObject({ expected: 10, lost: 1 });
    feed(m, [
      [11, 1001],
      [12, 1002],
    ]);
    expect(m.stats(1002)).toMatchObject({ expected: 10, received: 9, lost: 1 }); // 3..12
    expect(m.stats(1003)).toMatchObject({ expected: 8, received: 8, lost: 0 }); // 5..12
    expect(m.stats(5000)).toMatchObject({ expected: 0, received: 0, lost: 0, lossPct: 0 });
    // totals survive the window
    expect(m.stats(5000)).toMatchObject({ packets: 11, cumulativeLost: 1, highestExt: 12 });
  });

  it('window is (now - windowMs, now]', () => {
    const m = monitor(100);
    feed(m, [
      [1, 0],
      [3, 50],
    ]);
    expect(m.stats(99)).toMatchObject({ expected: 3, lost: 1 });
    expect(m.stats(100)).toMatchObject({ expected: 1, lost: 0 });
  });

  it('bounds the window by maxWindowPackets', () => {
    const m = monitor(60_000, 4);
    feed(m, at0([1, 2, 4, 5, 6, 8, 9, 10]));
    // the last four unique arrivals: 6, 8, 9, 10
    expect(m.stats(0)).toMatchObject({ expected: 5, received: 4, lost: 1, cumulativeLost: 2 });
  });

  it('grows past its initial ring and stays exact', () => {
    const m = monitor(1_000_000);
    let lost = 0;
    for (let i = 0; i < 5000; i++) {
      if (i % 7 === 3) lost++;
      else m.onPacket((60_000 + i) & 0xffff, i * 160, 10, i);
    }
    expect(m.stats(5000)).toMatchObject({ expected: 5000, received: 5000 - lost, lost });
  });
});

describe('LossMonitor sequence jumps', () => {
  it('restarts on two sequential packets after a jump beyond MAX_DROPOUT', () => {
    const m = monitor();
    feed(m, at0([100, 101, 102, 40_000, 40_001, 40_002]));
    expect(m.stats(0)).toMatchObject({
      expected: 2,
      received: 2,
      lost: 0,
      packets: 6,
      cumulativeLost: 0,
      highestExt: 40_002, // the restart is cycle 0 again
    });
  });

  it('ignores a single stray packet far away', () => {
    const m = monitor();
    feed(m, at0([100, 101, 30_000, 102, 103]));
    expect(m.stats(0)).toMatchObject({ expected: 4, received: 4, lost: 0, packets: 5 });
  });

  it('does not take a packet more than MAX_MISORDER behind', () => {
    const m = monitor();
    const seqs = Array.from({ length: 300 }, (_, i) => i + 1).filter((s) => s !== 50);
    feed(m, at0([...seqs, 50]));
    expect(m.stats(0)).toMatchObject({ expected: 300, received: 299, lost: 1, packets: 300 });
  });

  it('accepts a jump just within MAX_DROPOUT as loss', () => {
    const m = monitor();
    feed(m, at0([1, 3001]));
    expect(m.stats(0)).toMatchObject({ expected: 3001, lost: 2999 });
  });

  it('reset() forgets everything (SSRC change)', () => {
    const m = monitor();
    feed(m, at0([1, 2, 2, 4]));
    m.reset();
    expect(m.stats(0)).toMatchObject({ packets: 0, duplicates: 0, expected: 0, highestExt: -1 });
    feed(m, at0([7000, 7001]));
    expect(m.stats(0)).toMatchObject({ packets: 2, expected: 2, lost: 0, highestExt: 7001 });
  });
});

describe('LossMonitor jitter (RFC 3550 A.8)', () => {
  it('matches a hand-computed example', () => {
    // 8 kHz, 20 ms packets (160 ticks); arrivals 0, 20, 50, 60, 80 ms
    // D: 0, +80, -80, 0 → J: 0, 5, 5 + 75/16 = 9.6875, 9.6875 · 15/16 = 9.08203125
    const m = new LossMonitor({ clockRate: 8000, windowMs: 5000 });
    const arrivals = [0, 20, 50, 60, 80];
    const js = arrivals.map((at, i) => {
      m.onPacket(i + 1, 1000 + i * 160, 172, at);
      return m.stats(at).jitter;
    });
    expect(js).toEqual([0, 0, 5, 9.6875, 9.08203125]);
    expect(m.stats(80).jitterMs).toBeCloseTo(9.08203125 / 8, 12);
    expect(m.takeReportInterval().jitter).toBe(9);
  });

  it('handles timestamp wraparound', () => {
    const m = new LossMonitor({ clockRate: 90000, windowMs: 5000 });
    m.onPacket(1, 0x100000000 - 1500, 100, 0);
    m.onPacket(2, 300, 100, 20); // +1800 ticks = 20 ms, on time across the wrap
    expect(m.stats(100).jitter).toBe(0);
    m.onPacket(3, 2100, 100, 56); // 16 ms late = 1440 ticks
    expect(m.stats(100).jitter).toBeCloseTo(90, 9);
    expect(m.stats(100).jitterMs).toBeCloseTo(1, 9);
  });

  it('ignores duplicates', () => {
    const m = monitor();
    m.onPacket(1, 0, 100, 0);
    m.onPacket(2, 160, 100, 20);
    m.onPacket(2, 160, 100, 500);
    expect(m.stats(500).jitter).toBe(0);
  });
});

describe('LossMonitor receiver report values (RFC 3550 A.3)', () => {
  it('computes fractionLost per interval and cumulativeLost since start', () => {
    const m = monitor();
    feed(m, at0([65530, 65531, 65533, 65534, 65535, 0, 1, 3]));
    expect(m.stats(0).fractionLost).toBe(Math.floor((2 * 256) / 10));
    expect(m.takeReportInterval()).toMatchObject({
      fractionLost: 51,
      cumulativeLost: 2,
      highestExt: 0x10003,
    });
    feed(m, at0([4, 5, 6, 7]));
    expect(m.takeReportInterval()).toMatchObject({
      fractionLost: 0,
      cumulativeLost: 2,
      highestExt: 0x10007,
    });
    feed(m, at0([9, 11]));
    expect(m.stats(0).fractionLost).toBe(128);
    expect(m.stats(0).fractionLost).toBe(128); // stats() does not reset the interval
    expect(m.takeReportInterval()).toMatchObject({ fractionLost: 128, cumulativeLost: 4 });
    expect(m.takeReportInterval()).toMatchObject({ fractionLost: 0, cumulativeLost: 4 });
  });

  it('counts unique packets only: duplicates never make cumulativeLost negative', () => {
    const m = monitor();
    feed(m, at0([10, 12, 11, 12, 12]));
    expect(m.takeReportInterval()).toMatchObject({ cumulativeLost: 0, fractionLost: 0 });
    expect(m.stats(0).duplicates).toBe(2);
  });

  it('a late packet of the previous interval lowers this interval’s loss', () => {
    const m = monitor();
    feed(m, at0([1, 2, 4]));
    expect(m.takeReportInterval()).toMatchObject({ fractionLost: 64, cumulativeLost: 1 });
    feed(m, at0([3, 5]));
    // expected +1 (5), received +2 (3, 5): lost interval −1 → 0
    expect(m.takeReportInterval()).toMatchObject({ fractionLost: 0, cumulativeLost: 0 });
  });
});
