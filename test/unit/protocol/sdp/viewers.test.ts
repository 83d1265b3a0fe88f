import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/errors.js';
import {
  parseSdp,
  rewriteSdpForViewers,
  trackIndexFromUrl,
} from '../../../../src/protocol/sdp/sdp.js';
import * as F from './fixtures.js';

const fixtures: Array<[string, string[], string]> = [
  ['gst file', F.GST_FILE, F.GST_FILE_BASE],
  ['gst live', F.GST_LIVE, F.GST_LIVE_BASE],
  ['live555 file', F.LIVE555_FILE, F.LIVE555_FILE_BASE],
  ['live555 absolute', F.LIVE555_ABS, F.LIVE555_ABS_BASE],
  ['axis', F.AXIS, F.AXIS_BASE],
  ['no control', F.NO_CONTROL, F.NO_CONTROL_BASE],
];

/** Split into sections: [session lines, ...media lines]. */
function sections(lines: string[]): string[][] {
  const out: string[][] = [[]];
  for (const l of lines) {
    if (l.startsWith('m=')) out.push([]);
    out[out.length - 1]?.push(l);
  }
  return out;
}

describe.each(fixtures)('rewriteSdpForViewers: %s', (_name, lines, base) => {
  const info = parseSdp(F.crlf(lines), base);
  const before = structuredClone(info.sdp);
  const out = rewriteSdpForViewers(info);
  const outLines = out.split('\r\n');

  it('uses CRLF only and ends with CRLF', () => {
    expect(out.endsWith('\r\n')).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(outLines[0]).toBe('v=0');
  });

  it('keeps the o= line verbatim and has a t= line', () => {
    expect(outLines.filter((l) => l.startsWith('o='))).toEqual(
      lines.filter((l) => l.startsWith('o=')),
    );
    expect(outLines.filter((l) => l.startsWith('t='))).toHaveLength(1);
  });

  it('sets aggregate control to * and per-track controls to trackID=<index>', () => {
    const [session = [], ...media] = sections(outLines);
    expect(session.filter((l) => l.startsWith('a=control:'))).toEqual(['a=control:*']);
    expect(media).toHaveLength(info.tracks.length);
    media.forEach((m, i) => {
      expect(m.filter((l) => l.startsWith('a=control:'))).toEqual([`a=control:trackID=${i}`]);
    });
  });

  it('sets every c= line to IN IP4 0.0.0.0, with one at session level', () => {
    const [session = []] = sections(outLines);
    expect(session).toContain('c=IN IP4 0.0.0.0');
    for (const l of outLines.filter((x) => x.startsWith('c='))) expect(l).toBe('c=IN IP4 0.0.0.0');
  });

  it('keeps every other attribute and line of each section', () => {
    const keep = (l: string): boolean => !/^(a=control:|c=|o=|t=)/.test(l);
    const inSections = sections(lines);
    const outSections = sections(outLines.filter((l) => l !== ''));
    expect(outSections).toHaveLength(inSections.length);
    inSections.forEach((sec, i) => {
      expect([...(outSections[i] ?? [])].filter(keep).sort()).toEqual([...sec].filter(keep).sort());
    });
  });

  it('reparses to the same tracks and identity under seamd base', () => {
    const again = parseSdp(out, 'rtsp://seamd:8554/cam/');
    expect(again.identity).toBe(info.identity);
    expect(again.aggregateControl).toBe('rtsp://seamd:8554/cam/');
    expect(again.range).toEqual(info.range);
    expect(again.tracks).toEqual(
      info.tracks.map((t) => ({ ...t, control: `rtsp://seamd:8554/cam/trackID=${t.index}` })),
    );
  });

  it('does not modify info.sdp', () => {
    expect(info.sdp).toEqual(before);
  });
});

describe('rewriteSdpForViewers: options and gaps', () => {
  it('replaces s= with sessionName, sanitising line breaks', () => {
    const info = parseSdp(F.crlf(F.GST_LIVE), F.GST_LIVE_BASE);
    expect(rewriteSdpForViewers(info, { sessionName: 'front door' })).toContain(
      '\r\ns=front door\r\n',
    );
    expect(rewriteSdpForViewers(info, { sessionName: 'a\r\nb=x' })).toContain('\r\ns=a  b=x\r\n');
    expect(rewriteSdpForViewers(info, { sessionName: '' })).toContain('\r\ns= \r\n');
    expect(rewriteSdpForViewers(info)).toContain('\r\ns=Session streamed with GStreamer\r\n');
  });

  it('keeps a numeric s= and a session-level c= of another family', () => {
    const info = parseSdp(
      F.crlf(['v=0', 's=1', 'c=IN IP6 ::1', 'm=video 0 RTP/AVP 96']),
      'rtsp://cam/',
    );
    const out = rewriteSdpForViewers(info).split('\r\n');
    expect(out).toContain('s=1');
    expect(out).toContain('c=IN IP4 0.0.0.0');
    expect(out).not.toContain('c=IN IP6 ::1');
  });

  it('synthesises o=, s= and t= when the origin omitted them', () => {
    const info = parseSdp(F.crlf(['v=0', 'm=video 0 RTP/AVP 26']), 'rtsp://cam/');
    const out = rewriteSdpForViewers(info).split('\r\n');
    expect(out.slice(0, 3)).toEqual(['v=0', 'o=- 0 0 IN IP4 0.0.0.0', 's= ']);
    expect(out).toContain('t=0 0');
    expect(out).toContain('a=control:trackID=0');
  });

  it('replaces media-level c= but does not add one where there was none', () => {
    const info = parseSdp(
      F.crlf([
        'v=0',
        's=-',
        'c=IN IP6 ff15::1',
        'm=video 0 RTP/AVP 96',
        'm=audio 0 RTP/AVP 0',
        'c=IN IP4 232.1.1.1/127',
      ]),
      'rtsp://cam/',
    );
    const out = rewriteSdpForViewers(info);
    expect(out.match(/^c=.*$/gm)).toEqual(['c=IN IP4 0.0.0.0', 'c=IN IP4 0.0.0.0']);
  });
});

describe('trackIndexFromUrl', () => {
  const base = 'rtsp://seamd.local:8554/cams/front/';
  const rows: Array<[string, number | undefined | null]> = [
    ['rtsp://seamd.local:8554/cams/front/trackID=0', 0],
    ['rtsp://seamd.local:8554/cams/front/trackID=1', 1],
    ['rtsp://seamd.local:8554/cams/front/trackid=1', 1],
    ['rtsp://seamd.local:8554/cams/front/trackID=1/', 1],
    ['rtsp://10.1.2.3:8554/cams/front/trackID=1', 1],
    ['rtsp://seamd.local/cams/front/trackID=1', 1],
    ['rtsp://seamd.local:8554/cams/front/trackID=01', 1],
    ['  rtsp://seamd.local:8554/cams/front/trackID=0  ', 0],
    ['rtsp://seamd.local:8554/cams/front/', undefined],
    ['rtsp://seamd.local:8554/cams/front', undefined],
    ['rtsp://seamd.local:8554/cams/front?x=1', undefined],
    ['rtsp://seamd.local:8554/cams/front/trackID=2', null],
    ['rtsp://seamd.local:8554/cams/front/trackID=99999999999', null],
    ['rtsp://seamd.local:8554/cams/front/trackID=', null],
    ['rtsp://seamd.local:8554/cams/front/trackID=-1', null],
    ['rtsp://seamd.local:8554/cams/front/stream=0', null],
    ['rtsp://seamd.local:8554/cams/front/trackID=0/extra', null],
    ['rtsp://seamd.local:8554/cams/back/trackID=0', null],
    ['rtsp://seamd.local:8554/cams/frontdoor/trackID=0', null],
    ['rtsp://seamd.local:8554/cams', null],
    ['rtsp://seamd.local:8554/', null],
    ['*', null],
    ['not a url', null],
    ['', null],
  ];
  it.each(rows)('%s → %s', (url, expected) => {
    expect(trackIndexFromUrl(url, base, 2)).toBe(expected);
  });

  it('accepts a base without trailing slash and a root base', () => {
    expect(trackIndexFromUrl('rtsp://h/cams/front/trackID=1', 'rtsp://h/cams/front', 2)).toBe(1);
    expect(trackIndexFromUrl('rtsp://h/cams/front', 'rtsp://h/cams/front', 2)).toBeUndefined();
    expect(trackIndexFromUrl('rtsp://h:8554/trackID=0', 'rtsp://h:8554/', 1)).toBe(0);
    expect(trackIndexFromUrl('rtsp://h:8554', 'rtsp://h:8554/', 1)).toBeUndefined();
    expect(trackIndexFromUrl('rtsp://h:8554/', 'rtsp://h:8554', 1)).toBeUndefined();
  });

  it('compares percent-encoded paths consistently', () => {
    expect(trackIndexFromUrl('rtsp://h/my%20cam/trackID=0', 'rtsp://h/my cam/', 1)).toBe(0);
  });

  it('throws URL_INVALID for a bad base', () => {
    expect(() => trackIndexFromUrl('rtsp://h/x', 'nope', 1)).toThrow(ProtocolError);
  });
});
