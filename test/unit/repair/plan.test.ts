/** Span planning, Range text, off-peak windows, pacing under a bandwidth cap, the config section. */
import { describe, expect, it } from 'vitest';
import { planSpans, rangeFor, type TrackGap } from '../../../src/repair/spans.js';
import {
  inWindow,
  msUntilOpen,
  parseWindow,
  type TimeWindow,
} from '../../../src/repair/schedule.js';
import { pace } from '../../../src/repair/repairer.js';
import { parseConfigText } from '../../../src/daemon/config.js';
import { ConfigError } from '../../../src/errors.js';

function gap(track: number, fromNpt: number, toNpt: number, fromExt = 0, toExt = 0): TrackGap {
  return { track, fromExt, toExt, fromNpt, toNpt, kind: 'gap' };
}

describe('planSpans', () => {
  it('merges overlapping and nearby gaps of all tracks; keeps far ones apart', () => {
    const spans = planSpans(
      [
        gap(0, 1.0, 1.2, 10, 12),
        gap(1, 1.1, 1.3, 5, 5),
        gap(0, 2.5, 2.6, 40, 41),
        gap(1, 9, 9.1, 80, 80),
      ],
      { coalesceSec: 2 },
    );
    expect(spans.map((s) => [s.fromNpt, s.toNpt, s.tracks, s.packets])).toEqual([
      [1.0, 2.6, [0, 1], 6],
      [9, 9.1, [1], 1],
    ]);
  });

  it('coalesceSec 0 merges only overlaps; maxSpanSec splits long runs', () => {
    const gaps = [gap(0, 0, 1), gap(0, 1, 2), gap(0, 2.5, 3), gap(0, 3, 4), gap(0, 4, 5)];
    expect(planSpans(gaps, { coalesceSec: 0 }).map((s) => [s.fromNpt, s.toNpt])).toEqual([
      [0, 2],
      [2.5, 5],
    ]);
    expect(
      planSpans(gaps, { coalesceSec: 1, maxSpanSec: 3 }).map((s) => [s.fromNpt, s.toNpt]),
    ).toEqual([
      [0, 3],
      [3, 5],
    ]);
  });

  it('rangeFor widens by lead/tail, clamps to [0, duration] and always has an end', () => {
    expect(rangeFor({ fromNpt: 0.1, toNpt: 4 }, 0.2, 0.3, 20).header).toBe('npt=0-4.3');
    // a start past 0 is nudged 10 ms on (an exact keyframe time is answered with clipped frames)
    expect(rangeFor({ fromNpt: 5.5, toNpt: 19.5 }, 0.2, 0.3, 20).header).toBe('npt=5.31-19.8');
    // to the end: open-ended (the origin's npt may be a hair off; the last packet must come)
    expect(rangeFor({ fromNpt: 5.5, toNpt: 19.9 }, 0.2, 0.3, 20).header).toBe('npt=5.31-');
    expect(rangeFor({ fromNpt: 5, toNpt: 6 }, 0, 0.3).header).toBe('npt=5.01-6.3');
    // a span with a head: open-ended from 0 (a ranged PLAY prepends parameter sets)
    const head = { fromNpt: 0, toNpt: 0.04, gaps: [{ kind: 'head' as const }] };
    expect(rangeFor(head, 0, 0.3, 20).header).toBe('npt=0-');
  });
});

describe('off-peak windows', () => {
  const w = (t: string): TimeWindow => parseWindow(t) as TimeWindow;
  const at = (h: number, m: number): Date => new Date(2026, 0, 1, h, m, 0);

  it('parses HH:MM-HH:MM and says why not', () => {
    expect(w('01:00-06:00')).toMatchObject({ start: 60, end: 360 });
    expect(parseWindow('1-6')).toMatch(/HH:MM-HH:MM/);
    expect(parseWindow('25:00-06:00')).toMatch(/HH:MM/);
  });

  it('inWindow, including windows over midnight', () => {
    expect(inWindow(w('01:00-06:00'), at(3, 0))).toBe(true);
    expect(inWindow(w('01:00-06:00'), at(6, 0))).toBe(false);
    expect(inWindow(w('22:00-02:00'), at(23, 30))).toBe(true);
    expect(inWindow(w('22:00-02:00'), at(1, 59))).toBe(true);
    expect(inWindow(w('22:00-02:00'), at(12, 0))).toBe(false);
  });

  it('msUntilOpen: 0 inside, time to the next start outside, Infinity without windows', () => {
    expect(msUntilOpen([w('01:00-06:00')], at(2, 0))).toBe(0);
    expect(msUntilOpen([w('01:00-06:00'), w('12:00-13:00')], at(7, 0))).toBe(5 * 3600_000);
    expect(msUntilOpen([w('01:00-06:00')], at(23, 0))).toBe(2 * 3600_000);
    expect(msUntilOpen([], at(3, 0))).toBe(Infinity);
  });
});

describe('pace', () => {
  it('lowers Speed, then legs, to stay under the cap; never below one leg at real time', () => {
    const o = { speed: 8, maxConcurrentLegs: 4 };
    expect(pace({ ...o, maxBandwidthKbps: 0 }, 1600)).toEqual({ speed: 8, legs: 4 });
    expect(pace({ ...o, maxBandwidthKbps: 20_000 }, 1600)).toEqual({ speed: 2, legs: 4 });
    expect(pace({ ...o, maxBandwidthKbps: 4000 }, 1600)).toEqual({ speed: 1, legs: 2 });
    expect(pace({ ...o, maxBandwidthKbps: 100 }, 1600)).toEqual({ speed: 1, legs: 1 });
  });
});

describe('repair: config section', () => {
  it('takes its keys', () => {
    const c = parseConfigText(
      'repair:\n  schedule: off-peak\n  offPeak: ["01:00-06:00", "22:00-23:30"]\n' +
        '  maxBandwidthKbps: 8000\n  speed: 2\n  prefetch: [cam1, "rtsp://o.example/x"]\n',
      'x.yaml',
    );
    expect(c.repair.schedule).toBe('off-peak');
    expect(c.repair.offPeak.map((x) => [x.start, x.end])).toEqual([
      [60, 360],
      [1320, 1410],
    ]);
    expect(c.repair.maxBandwidthKbps).toBe(8000);
    expect(c.repair.speed).toBe(2);
    expect(c.repair.prefetch).toEqual(['cam1', 'rtsp://o.example/x']);
    expect(c.repair.maxConcurrentLegs).toBe(2);
  });

  it.each([
    ['repair: { schedule: off-peak }', /repair: .*offPeak window/],
    ['repair: { offPeak: ["1am-6am"] }', /repair\.offPeak\[0\]: expected HH:MM-HH:MM .*\(line 1\)/],
    ['repair: { speed: 0.5 }', /repair\.speed/],
    [
      'repair: { prefetch: ["http://x/y"] }',
      /repair\.prefetch\[0\]: must be a path name or an rtsp/,
    ],
    ['repair: { retries: 3 }', /repair.*retries/],
  ])('%s is refused', (text, why) => {
    let message = '';
    try {
      parseConfigText(text, 'x.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(why);
  });
});
