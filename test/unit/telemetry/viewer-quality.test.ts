import { describe, expect, it } from 'vitest';
import type { ReportBlock } from '../../../src/protocol/rtp/rtcp.js';
import { reportBlock } from '../../helpers/rtp.js';
import { SrClock, TrackQuality, ViewerQuality } from '../../../src/telemetry/viewer-quality.js';

const block = (b: Partial<ReportBlock>): ReportBlock => reportBlock({ ssrc: 1, ...b });

describe('a track of a viewer, from its receiver reports', () => {
  it('loss over the window is Δcumulative lost / Δhighest sequence', () => {
    const q = new TrackQuality(10_000, 90_000);
    q.onReport(block({ highestSeq: 1000, cumulativeLost: 10 }), 0);
    q.onReport(block({ highestSeq: 2000, cumulativeLost: 60, fractionLost: 13 }), 2000);
    q.onReport(block({ highestSeq: 3000, cumulativeLost: 110, fractionLost: 13 }), 4000);
    const s = q.stats(4000);
    expect(s.lossPct).toBeCloseTo(5, 5);
    expect(s.expected).toBe(2000);
    expect(s.lost).toBe(100);
    expect(s.fractionLostPct).toBeCloseTo((13 / 256) * 100, 5);
    expect(s.cumulativeLost).toBe(110);
  });

  it('old reports leave the window (one stays as the baseline)', () => {
    const q = new TrackQuality(5000, 90_000);
    q.onReport(block({ highestSeq: 0, cumulativeLost: 0 }), 0);
    q.onReport(block({ highestSeq: 1000, cumulativeLost: 500 }), 1000); // a bad second
    q.onReport(block({ highestSeq: 2000, cumulativeLost: 500 }), 7000);
    q.onReport(block({ highestSeq: 3000, cumulativeLost: 500 }), 8000);
    expect(q.stats(8000).lossPct).toBe(0);
  });

  it('a single report gives its fraction lost; jitter in ms from the clock rate', () => {
    const q = new TrackQuality(10_000, 90_000);
    q.onReport(block({ highestSeq: 100, fractionLost: 128, jitter: 900 }), 0);
    const s = q.stats(100);
    expect(s.lossPct).toBe(50);
    expect(s.jitterMs).toBe(10);
    expect(q.stats(20_000).lossPct).toBe(0); // stale
  });

  it('round trip from LSR/DLSR and the time seamd sent that SR', () => {
    const clock = new SrClock(4);
    clock.record(0xabcd0000, 1000);
    const q = new TrackQuality(10_000, 90_000);
    // received at 1150 ms, the viewer held the SR 100 ms (DLSR in 1/65536 s)
    q.onReport(block({ lsr: 0xabcd0000, dlsr: 6554 }), 1150, (lsr) => clock.sentAt(lsr));
    expect(q.stats(1150).rttMs).toBeCloseTo(50, 0);
    // an LSR seamd never sent is ignored
    const other = new TrackQuality(10_000, 90_000);
    other.onReport(block({ lsr: 0x1 }), 10, (lsr) => clock.sentAt(lsr));
    expect(other.stats(10).rttMs).toBeUndefined();
  });

  it('the SR clock is bounded', () => {
    const clock = new SrClock(2);
    clock.record(1, 10);
    clock.record(2, 20);
    clock.record(3, 30);
    expect(clock.sentAt(1)).toBeUndefined();
    expect(clock.sentAt(3)).toBe(30);
  });
});

describe('a viewer, all its tracks', () => {
  it('weights loss by packets and takes the worst jitter', () => {
    const v = new ViewerQuality(10_000, [90_000, 44_100]);
    expect(v.hasReports).toBe(false);
    v.onReport(0, block({ highestSeq: 0 }), 0);
    v.onReport(0, block({ highestSeq: 1000, cumulativeLost: 10, jitter: 90 }), 1000);
    v.onReport(1, block({ highestSeq: 0 }), 0);
    v.onReport(1, block({ highestSeq: 100, cumulativeLost: 10, jitter: 441 }), 1000);
    const s = v.stats(1000);
    expect(s.lossPct).toBeCloseTo((100 * 20) / 1100, 5);
    expect(s.jitterMs).toBeCloseTo(10, 5);
    expect(s.reports).toBe(4);
  });
});
