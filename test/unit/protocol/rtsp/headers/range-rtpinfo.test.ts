import { describe, expect, it } from 'vitest';
import {
  formatRange,
  nptBounds,
  parseNptTime,
  parseRange,
  type RangeSpec,
} from '../../../../../src/protocol/rtsp/headers/range.js';
import {
  formatRtpInfo,
  parseRtpInfo,
  type RtpInfoEntry,
} from '../../../../../src/protocol/rtsp/headers/rtp-info.js';
import { errorCode } from './helpers.js';

describe('parseNptTime', () => {
  const good: Array<[string, number | 'now']> = [
    ['12.5', 12.5],
    ['0', 0],
    ['12.', 12],
    ['1:02:03.25', 3723.25],
    ['0:00:07', 7],
    ['100:59:59', 363599],
    ['now', 'now'],
    ['NOW', 'now'],
  ];
  for (const [input, want] of good) {
    it(`parses ${input}`, () => expect(parseNptTime(input)).toBe(want));
  }
  for (const input of ['', '-1', '.5', '1:60:00', '1:00:60', '1:2', 'abc', '1e3', '1.2.3']) {
    it(`rejects ${JSON.stringify(input)}`, () =>
      expect(errorCode(() => parseNptTime(input))).toBe('HDR_BAD_RANGE'));
  }
});

describe('Range', () => {
  const good: Array<[string, RangeSpec, string]> = [
    ['npt=0.000-', { unit: 'npt', start: 0, end: undefined }, 'npt=0-'],
    ['npt=8-30', { unit: 'npt', start: 8, end: 30 }, 'npt=8-30'],
    ['npt=now-', { unit: 'npt', start: 'now', end: undefined }, 'npt=now-'],
    ['npt=-30', { unit: 'npt', start: undefined, end: 30 }, 'npt=-30'],
    ['npt=10.5-', { unit: 'npt', start: 10.5, end: undefined }, 'npt=10.5-'],
    ['npt = 0:01:00.125 - 0:02:00 ', { unit: 'npt', start: 60.125, end: 120 }, 'npt=60.125-120'],
    ['npt=5-5', { unit: 'npt', start: 5, end: 5 }, 'npt=5-5'],
    ['npt=3.14159-', { unit: 'npt', start: 3.14159, end: undefined }, 'npt=3.142-'],
    [
      'npt=0-;time=19970123T143720Z',
      { unit: 'npt', start: 0, end: undefined, time: '19970123T143720Z' },
      'npt=0-;time=19970123T143720Z',
    ],
    [
      'clock=20240101T000000Z-20240101T010000.5Z',
      { unit: 'clock', raw: '20240101T000000Z-20240101T010000.5Z' },
      'clock=20240101T000000Z-20240101T010000.5Z',
    ],
    [
      'smpte=10:07:00-10:07:33:05.01',
      { unit: 'smpte', raw: '10:07:00-10:07:33:05.01' },
      'smpte=10:07:00-10:07:33:05.01',
    ],
    [
      'smpte-25=10:07:00-',
      { unit: 'smpte', raw: '10:07:00-', variant: 'smpte-25' },
      'smpte-25=10:07:00-',
    ],
    ['NPT=1-2;foo=bar', { unit: 'npt', start: 1, end: 2 }, 'npt=1-2'],
    [
      'clock=20240229T235959.25Z-20240301T000000Z',
      { unit: 'clock', raw: '20240229T235959.25Z-20240301T000000Z' },
      'clock=20240229T235959.25Z-20240301T000000Z',
    ],
    [
      'clock=20240101T000000.25Z-20240101T000000.5Z;time=20000229T000000Z',
      { unit: 'clock', raw: '20240101T000000.25Z-20240101T000000.5Z', time: '20000229T000000Z' },
      'clock=20240101T000000.25Z-20240101T000000.5Z;time=20000229T000000Z',
    ],
    [
      'smpte-30-drop=0:0:0:29.99-99:59:59',
      { unit: 'smpte', raw: '0:0:0:29.99-99:59:59', variant: 'smpte-30-drop' },
      'smpte-30-drop=0:0:0:29.99-99:59:59',
    ],
    ['smpte=1:2:3.4-', { unit: 'smpte', raw: '1:2:3.4-' }, 'smpte=1:2:3.4-'],
    [
      'clock=20240101T000000.000000000000000000000Z-20240101T000000Z',
      { unit: 'clock', raw: '20240101T000000.000000000000000000000Z-20240101T000000Z' },
      'clock=20240101T000000.000000000000000000000Z-20240101T000000Z',
    ],
  ];
  for (const [input, want, formatted] of good) {
    it(`parses and formats ${input}`, () => {
      expect(parseRange(input)).toEqual(want);
      expect(formatRange(want)).toBe(formatted);
    });
  }

  const bad: string[] = [
    '',
    'npt',
    'npt=',
    'npt=-',
    'npt=30-8',
    'npt=5',
    'npt=0-now',
    'npt=a-b',
    'frames=1-2',
    'clock=',
    'clock=20240101T000000Z',
    'npt=0-;time=yesterday',
    // clock and smpte follow their RFC 2326 grammar (§3.5, §3.7), with real dates and times
    'clock=-',
    'clock=-20240101T000000Z',
    'clock=20240101T000000Z-20231231T235959Z',
    'clock=20240101T000000.5Z-20240101T000000.25Z',
    'clock=20240101T000000-',
    'clock=20241301T000000Z-',
    'clock=20230229T000000Z-',
    'clock=20240431T000000Z-',
    'clock=20240101T240000Z-',
    'clock=20240101T006000Z-',
    'clock=20240101T000060Z-',
    'clock=20240101T000000.Z-',
    'clock=20240101T000000Z-;time=20241301T000000Z',
    'smpte=-',
    'smpte=-10:00:00',
    'smpte=10:00-',
    'smpte=10:60:00-',
    'smpte=10:00:60-',
    'smpte=10:00:00:30-',
    'smpte-25=10:00:00:25-',
    'smpte=100:00:00-',
    'smpte=10:00:00.-',
    'smpte=10:00:01-10:00:00',
    'smpte=10:00:00:01.100-',
    'smpte=10:00:00-10:00:00-',
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)}`, () =>
      expect(errorCode(() => parseRange(input))).toBe('HDR_BAD_RANGE'));
  }

  it('refuses to format nonsense', () => {
    expect(errorCode(() => formatRange({ unit: 'npt', start: undefined, end: undefined }))).toBe(
      'HDR_BAD_RANGE',
    );
    expect(errorCode(() => formatRange({ unit: 'npt', start: 9, end: 1 }))).toBe('HDR_BAD_RANGE');
    expect(errorCode(() => formatRange({ unit: 'npt', start: -1, end: undefined }))).toBe(
      'HDR_BAD_RANGE',
    );
    expect(errorCode(() => formatRange({ unit: 'npt', start: NaN, end: undefined }))).toBe(
      'HDR_BAD_RANGE',
    );
    expect(errorCode(() => formatRange({ unit: 'clock', raw: 'x\r\ny-' }))).toBe('HDR_BAD_RANGE');
    expect(errorCode(() => formatRange({ unit: 'clock', raw: '-' }))).toBe('HDR_BAD_RANGE');
    expect(
      errorCode(() => formatRange({ unit: 'smpte', raw: '0:0:0:25-', variant: 'smpte-25' })),
    ).toBe('HDR_BAD_RANGE');
  });
});

describe('nptBounds', () => {
  it.each([
    [undefined, 0, undefined],
    ['npt=12.5-', 12.5, undefined],
    ['npt=3-9', 3, 9],
    ['npt=now-', 0, undefined],
    ['npt=-20', 0, 20],
    ['clock=20240101T000000Z-', 0, undefined],
    ['garbage', 0, undefined],
  ])('%s → start %s, end %s', (value, start, end) => {
    expect(nptBounds(value)).toEqual({ start, end });
  });
});

describe('RTP-Info', () => {
  const good: Array<[string, string, RtpInfoEntry[]]> = [
    [
      'gst-rtsp-server, two streams',
      'url=rtsp://h/x/stream=0;seq=123;rtptime=456,url=rtsp://h/x/stream=1;seq=9;rtptime=10',
      [
        { url: 'rtsp://h/x/stream=0', seq: 123, rtptime: 456 },
        { url: 'rtsp://h/x/stream=1', seq: 9, rtptime: 10 },
      ],
    ],
    [
      'live555 with whitespace after comma',
      'url=rtsp://10.0.0.1/live/track1;seq=26411;rtptime=3190525402, url=rtsp://10.0.0.1/live/track2;seq=1;rtptime=4294967295',
      [
        { url: 'rtsp://10.0.0.1/live/track1', seq: 26411, rtptime: 3190525402 },
        { url: 'rtsp://10.0.0.1/live/track2', seq: 1, rtptime: 4294967295 },
      ],
    ],
    [
      'URL holding commas and semicolons (odd servers)',
      'url=rtsp://h/a,b;c=d/trackID=1;seq=65535;rtptime=0,url=rtsp://h/e;f/trackID=2;rtptime=7',
      [
        { url: 'rtsp://h/a,b;c=d/trackID=1', seq: 65535, rtptime: 0 },
        { url: 'rtsp://h/e;f/trackID=2', rtptime: 7 },
      ],
    ],
    [
      'only url, param order swapped, case',
      ' URL=rtsp://h/x ; RTPTIME=5 ;SEQ=6 ',
      [{ url: 'rtsp://h/x', seq: 6, rtptime: 5 }],
    ],
    ['url only', 'url=trackID=3', [{ url: 'trackID=3' }]],
    ['quoted url (RFC 7826 style)', 'url="rtsp://h/x";seq=1', [{ url: 'rtsp://h/x', seq: 1 }]],
    ['trailing comma', 'url=rtsp://h/x;seq=1,', [{ url: 'rtsp://h/x', seq: 1 }]],
  ];
  for (const [name, input, want] of good) {
    it(`parses ${name}`, () => expect(parseRtpInfo(input)).toEqual(want));
  }

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['no url', 'seq=1;rtptime=2'],
    ['empty url', 'url=;seq=1'],
  ];
  for (const [name, input] of bad) {
    it(`rejects ${name}`, () =>
      expect(errorCode(() => parseRtpInfo(input))).toBe('HDR_BAD_RTP_INFO'));
  }

  // An origin's answer: what is unusable is left out of the entry and reported, the rest kept.
  const liberal: Array<[string, string, RtpInfoEntry[], string[]]> = [
    [
      'seq above 65535',
      'url=rtsp://h/x;seq=65536;rtptime=1',
      [{ url: 'rtsp://h/x', rtptime: 1 }],
      ['rtsp://h/x: seq=65536'],
    ],
    ['negative seq', 'url=rtsp://h/x;seq=-1', [{ url: 'rtsp://h/x' }], ['rtsp://h/x: seq=-1']],
    [
      'rtptime above uint32',
      'url=rtsp://h/x;seq=2;rtptime=4294967296',
      [{ url: 'rtsp://h/x', seq: 2 }],
      ['rtsp://h/x: rtptime=4294967296'],
    ],
    ['empty rtptime', 'url=rtsp://h/x;rtptime=', [{ url: 'rtsp://h/x' }], ['rtsp://h/x: rtptime=']],
    ['non-numeric seq', 'url=rtsp://h/x;seq=abc', [{ url: 'rtsp://h/x' }], ['rtsp://h/x: seq=abc']],
    [
      'ssrc before seq ends the url (RFC 7826 parameter)',
      'url=trackID=1;ssrc=56597976;seq=55664;rtptime=254718369',
      [{ url: 'trackID=1', seq: 55664, rtptime: 254718369 }],
      ['trackID=1: ssrc=56597976'],
    ],
    [
      'unknown parameter after seq',
      'url=rtsp://h/x;seq=1;x-foo=bar;rtptime=2',
      [{ url: 'rtsp://h/x', seq: 1, rtptime: 2 }],
      ['rtsp://h/x: x-foo=bar'],
    ],
  ];
  for (const [name, input, want, ignored] of liberal) {
    it(`keeps the usable part with ${name}`, () => {
      const seen: string[] = [];
      expect(parseRtpInfo(input, seen)).toEqual(want);
      expect(seen).toEqual(ignored);
      expect(parseRtpInfo(input)).toEqual(want);
    });
  }

  it('formats', () => {
    expect(
      formatRtpInfo([
        { url: 'rtsp://h/x/stream=0', seq: 123, rtptime: 456 },
        { url: 'rtsp://h/x/stream=1' },
      ]),
    ).toBe('url=rtsp://h/x/stream=0;seq=123;rtptime=456,url=rtsp://h/x/stream=1');
    expect(errorCode(() => formatRtpInfo([]))).toBe('HDR_BAD_RTP_INFO');
    expect(errorCode(() => formatRtpInfo([{ url: 'rtsp://h/x\r\n' }]))).toBe('HDR_BAD_RTP_INFO');
    expect(errorCode(() => formatRtpInfo([{ url: 'rtsp://h/x;seq=1' }]))).toBe('HDR_BAD_RTP_INFO');
    expect(errorCode(() => formatRtpInfo([{ url: 'trackID=1;ssrc=5' }]))).toBe('HDR_BAD_RTP_INFO');
    expect(errorCode(() => formatRtpInfo([{ url: 'rtsp://h/x', seq: 70000 }]))).toBe(
      'HDR_BAD_RTP_INFO',
    );
    expect(errorCode(() => formatRtpInfo([{ url: 'rtsp://h/x', rtptime: -1 }]))).toBe(
      'HDR_BAD_RTP_INFO',
    );
  });
});
