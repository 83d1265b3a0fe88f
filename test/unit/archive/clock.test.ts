import { describe, expect, it } from 'vitest';
import {
  formatClockRange,
  formatUtcTime,
  parseClockRange,
  parseDurationMs,
  parseTimeQuery,
} from '../../../src/protocol/rtsp/headers/clock-range.js';
import { ntpFromMs } from '../../../src/protocol/rtp/rtcp.js';
import { msFromNtp, WallClockMap } from '../../../src/protocol/rtp/wallclock.js';

const T = Date.UTC(2026, 11, 1, 14, 15, 0);

describe('clock ranges', () => {
  it.each([
    ['clock=20261201T141500Z-', T, undefined],
    ['clock=20261201T141500.250Z-', T + 250, undefined],
    ['clock=20261201T141500Z-20261201T143000Z', T, T + 15 * 60_000],
    ['clock=20240229T000000Z-', Date.UTC(2024, 1, 29), undefined],
  ])('%s', (header, start, end) => {
    expect(parseClockRange(header)).toEqual({ startMs: start, endMs: end });
  });

  it('other units are not clock ranges', () => {
    expect(parseClockRange('npt=0-')).toBeUndefined();
  });

  it.each([
    'clock=20261301T141500Z-',
    'clock=20261201T141500-',
    'clock=20250229T000000Z-',
    'clock=20261201T143000Z-20261201T141500Z',
    'clock=-20261201T141500Z',
  ])('%s is a bad Range (457)', (header) => {
    expect(() => parseClockRange(header)).toThrow(
      expect.objectContaining({ code: 'HDR_BAD_RANGE' }),
    );
  });

  it('formats times as RFC 2326 utc-time, ms only when there are some', () => {
    expect(formatUtcTime(T)).toBe('20261201T141500Z');
    expect(formatUtcTime(T + 7)).toBe('20261201T141500.007Z');
    expect(formatClockRange(T)).toBe('clock=20261201T141500Z-');
    expect(formatClockRange(T, T + 1000)).toBe('clock=20261201T141500Z-20261201T141501Z');
    expect(parseClockRange(formatClockRange(T + 123))?.startMs).toBe(T + 123);
  });
});

describe('durations and time-shift queries', () => {
  it.each([
    ['90s', 90_000],
    ['2h', 7_200_000],
    ['15m', 900_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['20', 20_000],
  ])('%s', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', 'abc', '-5s', '5w', '1 h'])('%j is not a duration', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });

  it('at= (ISO 8601 or RFC 2326) and ago=', () => {
    const now = T + 3_600_000;
    expect(parseTimeQuery('?at=2026-12-01T14:15:00Z', now)).toBe(T);
    expect(parseTimeQuery('at=2026-12-01T15:15:00%2B01:00', now)).toBe(T);
    expect(parseTimeQuery('?at=20261201T141500Z', now)).toBe(T);
    expect(parseTimeQuery('?ago=90s', now)).toBe(now - 90_000);
    expect(parseTimeQuery('?ago=2h', now)).toBe(now - 7_200_000);
    expect(parseTimeQuery('', now)).toBeUndefined();
    expect(parseTimeQuery('?foo=1', now)).toBeUndefined();
  });

  it.each(['?at=yesterday', '?at=2026-12-01T14:15:00', '?at=2026-13-01T14:15:00Z', '?ago=soon'])(
    '%s is a bad Range (457)',
    (q) => {
      expect(() => parseTimeQuery(q, T)).toThrow(
        expect.objectContaining({ code: 'HDR_BAD_RANGE' }),
      );
    },
  );
});

describe('wall-clock time from sender reports', () => {
  it('NTP round-trips to ms', () => {
    const n = ntpFromMs(T + 0.5);
    expect(msFromNtp(n.sec, n.frac)).toBeCloseTo(T + 0.5, 3);
  });

  it('before any SR: the first arrival anchors the timestamps (no jitter)', () => {
    const m = new WallClockMap(90_000);
    expect(m.wallOf(1000, T)).toBe(T);
    // Arrived 30 ms late: the timestamp says 40 ms after the first.
    expect(m.wallOf(1000 + 3600, T + 70)).toBe(T + 40);
    expect(m.mapped).toBe(false);
  });

  it('an SR maps timestamps to its NTP time, across the 32-bit wrap', () => {
    const m = new WallClockMap(90_000);
    const n = ntpFromMs(T);
    m.onSenderReport(n.sec, n.frac, 0xffffff00);
    expect(m.mapped).toBe(true);
    expect(m.wallOf(0xffffff00, T + 100)).toBeCloseTo(T, 3);
    expect(m.wallOf(0x100 - 0x100 + 0x2328 - 0x100, T + 100)).toBeCloseTo(T + 100, 3);
    expect(m.wallOf(0xffffff00 - 90_000, T)).toBeCloseTo(T - 1000, 3);
  });

  it('a mapping far from the arrival time (a wrong origin clock) is not used', () => {
    const m = new WallClockMap(8000);
    const n = ntpFromMs(T - 86_400_000);
    m.onSenderReport(n.sec, n.frac, 0);
    expect(m.wallOf(8000, T)).toBe(T);
  });
});
