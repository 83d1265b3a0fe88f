import { describe, expect, it } from 'vitest';
import { parseSdp, type SdpTrack } from '../../../../src/protocol/sdp/sdp.js';
import * as F from './fixtures.js';
import { expectCode } from '../../../helpers/expect-code.js';

type TrackRow = Omit<SdpTrack, 'index'>;

describe('parseSdp: realistic answers', () => {
  const rows: Array<{
    name: string;
    lines: string[];
    base: string;
    aggregate: string;
    tracks: TrackRow[];
    range: ReturnType<typeof parseSdp>['range'];
    live: boolean;
  }> = [
    {
      name: 'gst-rtsp-server file (H.264 + AAC, npt=now-30)',
      lines: F.GST_FILE,
      base: F.GST_FILE_BASE,
      aggregate: 'rtsp://127.0.0.1:8554/file/',
      tracks: [
        {
          mediaType: 'video',
          control: 'rtsp://127.0.0.1:8554/file/stream=0',
          payloadType: 96,
          encoding: 'H264',
          clockRate: 90000,
          channels: undefined,
        },
        {
          mediaType: 'audio',
          control: 'rtsp://127.0.0.1:8554/file/stream=1',
          payloadType: 97,
          encoding: 'MPEG4-GENERIC',
          clockRate: 44100,
          channels: 2,
        },
      ],
      range: { start: 'now', end: 30 },
      live: false,
    },
    {
      name: 'gst-rtsp-server live mount (npt=now-)',
      lines: F.GST_LIVE,
      base: F.GST_LIVE_BASE,
      aggregate: F.GST_LIVE_BASE,
      tracks: [
        {
          mediaType: 'video',
          control: 'rtsp://127.0.0.1:8554/live/stream=0',
          payloadType: 96,
          encoding: 'H264',
          clockRate: 90000,
          channels: undefined,
        },
      ],
      range: { start: 'now', end: undefined },
      live: true,
    },
    {
      name: 'live555 file (a=control:*, track1/track2)',
      lines: F.LIVE555_FILE,
      base: F.LIVE555_FILE_BASE,
      aggregate: F.LIVE555_FILE_BASE,
      tracks: [
        {
          mediaType: 'video',
          control: 'rtsp://192.168.1.10:8554/test.mkv/track1',
          payloadType: 96,
          encoding: 'H264',
          clockRate: 90000,
          channels: undefined,
        },
        {
          mediaType: 'audio',
          control: 'rtsp://192.168.1.10:8554/test.mkv/track2',
          payloadType: 97,
          encoding: 'MPEG4-GENERIC',
          clockRate: 48000,
          channels: 2,
        },
      ],
      range: { start: 0, end: 596.458 },
      live: false,
    },
    {
      name: 'live555 absolute session control (npt=0-)',
      lines: F.LIVE555_ABS,
      base: F.LIVE555_ABS_BASE,
      aggregate: 'rtsp://192.168.1.10:8554/proxyStream',
      tracks: [
        {
          mediaType: 'video',
          control: 'rtsp://192.168.1.10:8554/proxyStream/track1',
          payloadType: 96,
          encoding: 'H265',
          clockRate: 90000,
          channels: undefined,
        },
      ],
      range: { start: 0, end: undefined },
      live: true,
    },
    {
      name: 'Axis-style absolute per-track controls',
      lines: F.AXIS,
      base: F.AXIS_BASE,
      aggregate: 'rtsp://192.168.0.90:554/axis-media/media.amp?videocodec=h264',
      tracks: [
        {
          mediaType: 'video',
          control: 'rtsp://192.168.0.90:554/axis-media/media.amp/stream=0?videocodec=h264',
          payloadType: 96,
          encoding: 'H264',
          clockRate: 90000,
          channels: undefined,
        },
        {
          mediaType: 'application',
          control: 'rtsp://192.168.0.90:554/axis-media/media.amp/stream=1?videocodec=h264',
          payloadType: 98,
          encoding: 'VND.ONVIF.METADATA',
          clockRate: 90000,
          channels: undefined,
        },
      ],
      range: { start: 'now', end: undefined },
      live: true,
    },
    {
      name: 'no a=control anywhere, static payload types',
      lines: F.NO_CONTROL,
      base: F.NO_CONTROL_BASE,
      aggregate: F.NO_CONTROL_BASE,
      tracks: [
        {
          mediaType: 'video',
          control: F.NO_CONTROL_BASE,
          payloadType: 26,
          encoding: 'JPEG',
          clockRate: 90000,
          channels: undefined,
        },
        {
          mediaType: 'audio',
          control: F.NO_CONTROL_BASE,
          payloadType: 0,
          encoding: 'PCMU',
          clockRate: 8000,
          channels: 1,
        },
      ],
      range: undefined,
      live: true,
    },
  ];

  describe.each(rows)('$name', (row) => {
    const info = parseSdp(F.crlf(row.lines), row.base);

    it('resolves aggregate and track controls', () => {
      expect(info.aggregateControl).toBe(row.aggregate);
      expect(info.tracks).toEqual(row.tracks.map((t, index) => ({ index, ...t })));
    });

    it('reads range and liveness', () => {
      expect(info.range).toEqual(row.range);
      expect(info.live).toBe(row.live);
    });

    it('exposes the sdp-transform object', () => {
      expect(info.sdp.media).toHaveLength(row.tracks.length);
      expect(info.sdp.version).toBe(0);
    });

    it('gives a 64-hex identity, the same for LF-only text with trailing spaces', () => {
      expect(info.identity).toMatch(/^[0-9a-f]{64}$/);
      const sloppy = F.lf(row.lines.map((l) => `${l}  \t`));
      const again = parseSdp(sloppy, row.base);
      expect(again.identity).toBe(info.identity);
      expect(again.tracks).toEqual(info.tracks);
      expect(again.aggregateControl).toBe(info.aggregateControl);
      expect(again.range).toEqual(info.range);
    });
  });
});

describe('parseSdp: details', () => {
  const sdp = (...media: string[]): string =>
    F.crlf(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', ...media]);
  const base = 'rtsp://h/s/';

  it.each([
    ['m=audio 0 RTP/AVP 8', 'PCMA', 8000, 1],
    ['m=audio 0 RTP/AVP 14', 'MPA', 90000, undefined],
    ['m=video 0 RTP/AVP 32', 'MPV', 90000, undefined],
    ['m=video 0 RTP/AVP 33', 'MP2T', 90000, undefined],
    ['m=audio 0 RTP/AVP 10', 'L16', 44100, 2],
    ['m=video 0 RTP/AVP 96', undefined, 90000, undefined],
    ['m=audio 0 RTP/AVP 97', undefined, 8000, undefined],
    ['m=application 0 RTP/AVP 107', undefined, 90000, undefined],
  ])('static/default payload: %s', (mLine, encoding, clockRate, channels) => {
    const [track] = parseSdp(sdp(mLine), base).tracks;
    expect(track).toMatchObject({ encoding, clockRate, channels });
  });

  it('prefers a=rtpmap over the static table and uses the first format', () => {
    const info = parseSdp(
      sdp(
        'm=audio 0 RTP/AVP 0 8 101',
        'a=rtpmap:0 pcmu/16000/2',
        'a=rtpmap:101 telephone-event/8000',
      ),
      base,
    );
    expect(info.tracks[0]).toMatchObject({
      payloadType: 0,
      encoding: 'PCMU',
      clockRate: 16000,
      channels: 2,
    });
  });

  it('tolerates rtpmap without clock rate, and m= lines sdp-transform rejects', () => {
    const info = parseSdp(
      sdp('m=video 0/2 RTP/AVP 96', 'a=rtpmap:96 H264', 'a=control:trackID=5'),
      base,
    );
    expect(info.tracks[0]).toMatchObject({
      mediaType: 'video',
      payloadType: 96,
      encoding: 'H264',
      clockRate: 90000,
      control: 'rtsp://h/s/trackID=5',
    });
  });

  it('resolves a relative session control against the base and media controls against it', () => {
    const info = parseSdp(
      F.crlf(['v=0', 's=-', 'a=control:agg', 'm=video 0 RTP/AVP 96', 'a=control:t1']),
      'rtsp://h/s',
    );
    expect(info.aggregateControl).toBe('rtsp://h/s/agg');
    expect(info.tracks[0]?.control).toBe('rtsp://h/s/agg/t1');
  });

  it('handles integer-looking values sdp-transform turns into numbers', () => {
    const info = parseSdp(
      F.crlf(['v=0', 's=1', 'a=control:7', 'm=video 0 RTP/AVP 96', 'a=control:1']),
      'rtsp://h/s/',
    );
    expect(info.aggregateControl).toBe('rtsp://h/s/7');
    expect(info.tracks[0]?.control).toBe('rtsp://h/s/7/1');
  });

  it('accepts CR-only line endings, a BOM and blank lines', () => {
    const text =
      '\uFEFF' +
      ['v=0', '', 's=-', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', ''].join('\r');
    expect(parseSdp(text, base).tracks[0]?.encoding).toBe('H264');
  });

  it('takes the first media-level range when the session has none', () => {
    const info = parseSdp(
      sdp('m=video 0 RTP/AVP 96', 'a=range:npt=0-12.5', 'm=audio 0 RTP/AVP 0', 'a=range:npt=0-99'),
      base,
    );
    expect(info.range).toEqual({ start: 0, end: 12.5 });
    expect(info.live).toBe(false);
  });

  it('prefers the session-level range and skips unparseable ones', () => {
    const text = F.crlf([
      'v=0',
      's=-',
      'a=range:npt=garbage',
      'a=range:clock=20240101T000000Z-20240101T000130Z',
      'm=video 0 RTP/AVP 96',
      'a=range:npt=0-5',
    ]);
    const info = parseSdp(text, base);
    expect(info.range).toEqual({ start: 0, end: 90 });
  });

  it.each([
    ['npt=now-30', false],
    ['npt=0-30', false],
    ['npt=now-', true],
    ['npt=0-', true],
    ['npt=-30', false],
    ['npt=bogus', true],
  ])('a=range:%s → live %s', (range, live) => {
    expect(parseSdp(sdp(`a=range:${range}`, 'm=video 0 RTP/AVP 96'), base).live).toBe(live);
  });

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['HTML error page', '<html><body>404</body></html>'],
    ['no v=', F.crlf(['o=- 1 1 IN IP4 h', 's=-', 'm=video 0 RTP/AVP 96'])],
    ['v= only after m=', F.crlf(['s=-', 'm=video 0 RTP/AVP 96', 'v=0'])],
    ['no m=', F.crlf(['v=0', 'o=- 1 1 IN IP4 h', 's=-', 't=0 0', 'a=control:*'])],
    ['m= without format', F.crlf(['v=0', 's=-', 'm=video 0 RTP/AVP'])],
    ['m= with only a type', F.crlf(['v=0', 's=-', 'm=video'])],
    [
      'second m= without format',
      F.crlf(['v=0', 's=-', 'm=video 0 RTP/AVP 96', 'm=audio 0 RTP/AVP ']),
    ],
    ['non-RTP format', F.crlf(['v=0', 's=-', 'm=application 9 TCP/BFCP *'])],
    ['payload type > 127', F.crlf(['v=0', 's=-', 'm=video 0 RTP/AVP 200'])],
  ];
  it.each(bad)('SDP_INVALID: %s', (_name, text) => {
    expectCode(() => parseSdp(text, base), 'SDP_INVALID');
  });

  it('URL_INVALID for an unparseable base', () => {
    expectCode(() => parseSdp(F.crlf(F.GST_LIVE), 'not a url'), 'URL_INVALID');
  });
});

describe('parseSdp: identity', () => {
  const base = F.GST_FILE_BASE;
  const id = (lines: string[], b = base): string => parseSdp(F.crlf(lines), b).identity;
  const replace = (from: string, to: string): string[] =>
    F.GST_FILE.map((l) => (l === from ? to : l));
  const original = id(F.GST_FILE);

  it('is stable across DESCRIBEs of the same content', () => {
    expect(id(F.GST_FILE)).toBe(original);
    expect(parseSdp(F.lf(F.GST_FILE), base).identity).toBe(original);
  });

  it('ignores sess-id, sess-version, control URLs, base and unrelated attributes', () => {
    // gst-rtsp-server draws a new sess-id for every DESCRIBE of the same file (measured).
    expect(
      id(
        replace(
          'o=- 1188340656180883 1 IN IP4 127.0.0.1',
          'o=- 1188340656180884 1 IN IP4 127.0.0.1',
        ),
      ),
    ).toBe(original);
    expect(
      id(
        replace(
          'o=- 1188340656180883 1 IN IP4 127.0.0.1',
          'o=- 1188340656180883 7 IN IP4 127.0.0.1',
        ),
      ),
    ).toBe(original);
    expect(id(replace('a=control:stream=0', 'a=control:track9'))).toBe(original);
    expect(id(F.GST_FILE, 'rtsp://elsewhere/file/')).toBe(original);
    expect(id(replace('b=AS:2097', 'b=AS:3000'))).toBe(original);
  });

  it.each([
    ['duration of a file', 'a=range:npt=now-30', 'a=range:npt=now-31'],
    [
      'origin address',
      'o=- 1188340656180883 1 IN IP4 127.0.0.1',
      'o=- 1188340656180883 1 IN IP4 127.0.0.2',
    ],
    [
      'username',
      'o=- 1188340656180883 1 IN IP4 127.0.0.1',
      'o=gst 1188340656180883 1 IN IP4 127.0.0.1',
    ],
    ['payload type', 'm=video 0 RTP/AVP 96', 'm=video 0 RTP/AVP 98'],
    ['media type', 'm=audio 0 RTP/AVP 97', 'm=application 0 RTP/AVP 97'],
    ['encoding', 'a=rtpmap:96 H264/90000', 'a=rtpmap:96 H265/90000'],
    ['clock rate', 'a=rtpmap:97 MPEG4-GENERIC/44100/2', 'a=rtpmap:97 MPEG4-GENERIC/48000/2'],
    ['channels', 'a=rtpmap:97 MPEG4-GENERIC/44100/2', 'a=rtpmap:97 MPEG4-GENERIC/44100/1'],
    [
      'fmtp',
      'a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1210;sizelength=13;indexlength=3;indexdeltalength=3',
      'a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=1190;sizelength=13;indexlength=3;indexdeltalength=3',
    ],
  ])('changes with %s', (_name, from, to) => {
    const changed = replace(from, to);
    expect(changed).not.toEqual(F.GST_FILE);
    expect(id(changed)).not.toBe(original);
  });

  it('changes when a track is added or removed', () => {
    expect(id(F.GST_FILE.slice(0, F.GST_FILE.indexOf('m=audio 0 RTP/AVP 97')))).not.toBe(original);
  });

  it('differs between different servers', () => {
    const ids = [F.GST_FILE, F.GST_LIVE, F.LIVE555_FILE, F.LIVE555_ABS, F.AXIS, F.NO_CONTROL].map(
      (l) => id(l),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
