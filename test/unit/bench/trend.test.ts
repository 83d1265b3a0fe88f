/** The endurance run's judgement of growth (bench/lib/trend.ts). */
import { describe, expect, it } from 'vitest';
import { fit, judge } from '../../../bench/lib/trend.js';

const t = Array.from({ length: 60 }, (_, i) => i * 30); // 30 min, every 30 s

describe('trend', () => {
  it('fits the slope per hour of a line exactly', () => {
    const f = fit(
      t,
      t.map((s) => 100 + s / 360),
    ); // +10 per hour
    expect(f.slopePerHour).toBeCloseTo(10, 9);
    expect(f.residualSd).toBeCloseTo(0, 9);
    expect(f.rise).toBeCloseTo((10 * 1770) / 3600, 9);
  });

  it('a flat series with scatter is flat; the same scatter on a slope past the floor grew', () => {
    const noise = t.map((_, i) => ((i * 7919) % 13) - 6); // deterministic, ±6
    const flat = judge(
      t,
      noise.map((n) => 150 + n),
      12,
    );
    expect(flat.grew).toBe(false);
    const rising = judge(
      t,
      noise.map((n, i) => 150 + n + i),
      12,
    ); // +59 over the window
    expect(rising.grew).toBe(true);
    expect(rising.fit.slopePerHour).toBeGreaterThan(100);
  });

  it('a rise within the floor is not growth; too few samples judge nothing', () => {
    expect(
      judge(
        t,
        t.map((_, i) => i * 0.1),
        12,
      ).grew,
    ).toBe(false);
    expect(judge([0, 30, 60], [1, 100, 1000], 0).grew).toBe(false);
  });
});
