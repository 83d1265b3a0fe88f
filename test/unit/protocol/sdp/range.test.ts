import { describe, expect, it } from 'vitest';
import { parseSdpRange, type SdpRange } from '../../../../src/protocol/sdp/range.js';

describe('parseSdpRange', () => {
  const good: Array<[string, SdpRange]> = [
    ['npt=0-', { start: 0, end: undefined }],
    ['npt=now-', { start: 'now', end: undefined }],
    ['npt=now-30', { start: 'now', end: 30 }],
    ['npt=0-30', { start: 0, end: 30 }],
    ['npt=0.000-596.458', { start: 0, end: 596.458 }],
    ['npt=12.-', { start: 12, end: undefined }],
    ['npt=-30', { start: undefined, end: 30 }],
    ['npt=00:00:00-00:01:30.5', { start: 0, end: 90.5 }],
    ['npt=1:02:03-', { start: 3723, end: undefined }],
    ['NPT=NOW-', { start: 'now', end: undefined }],
    [' npt = 0 - 10 ', { start: 0, end: 10 }],
    ['npt=0-10;x=y', { start: 0, end: 10 }],
    ['smpte=10:07:00-10:07:33:15', { start: 36420, end: 36453.5 }],
    ['smpte-25=0:00:00-0:00:10:12.50', { start: 0, end: 10.5 }],
    ['smpte-30-drop=0:00:01-', { start: 1, end: undefined }],
    ['clock=19961108T142300Z-19961108T143520Z', { start: 0, end: 740 }],
    ['clock=19961108T142300.25Z-19961108T142301Z', { start: 0, end: 0.75 }],
    ['clock=20240101T000000Z-', { start: 0, end: undefined }],
  ];
  it.each(good)('%s', (value, expected) => {
    expect(parseSdpRange(value)).toEqual(expected);
  });

  const bad = [
    '',
    'npt',
    'npt=',
    'npt=-',
    'npt=abc-',
    'npt=0-now',
    'npt=0-1-2',
    'npt=1:99:00-',
    'npt=0:0-',
    'time=0-10',
    'smpte=-0:00:10',
    'smpte=x-',
    'clock=-20240101T000000Z',
    'clock=2024-01-01T00:00:00Z-',
  ];
  it.each(bad)('unparseable: %j', (value) => {
    expect(parseSdpRange(value)).toBeUndefined();
  });
});
