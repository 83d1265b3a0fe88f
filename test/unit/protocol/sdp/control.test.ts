import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/errors.js';
import { isAbsoluteRtspUrl, resolveControl } from '../../../../src/protocol/sdp/control.js';

describe('resolveControl (RFC 2326 C.1.1)', () => {
  const rows: Array<[string, string | undefined, string, string]> = [
    // [case, control, base, expected]
    ['no control → base', undefined, 'rtsp://h/cam', 'rtsp://h/cam'],
    ['empty control → base', '', 'rtsp://h/cam/', 'rtsp://h/cam/'],
    ['* → base (no slash)', '*', 'rtsp://h/cam', 'rtsp://h/cam'],
    ['* → base (slash)', '*', 'rtsp://h/cam/', 'rtsp://h/cam/'],
    ['* with spaces', ' * ', 'rtsp://h/cam/', 'rtsp://h/cam/'],
    ['absolute rtsp', 'rtsp://other:8554/x/track1', 'rtsp://h/cam/', 'rtsp://other:8554/x/track1'],
    ['absolute rtsps', 'rtsps://h/x/t', 'rtsp://h/cam', 'rtsps://h/x/t'],
    ['absolute rtspu', 'rtspu://h/x/t', 'rtsp://h/cam', 'rtspu://h/x/t'],
    ['absolute, scheme case', 'RTSP://H/x/t', 'rtsp://h/cam', 'RTSP://H/x/t'],
    [
      'absolute with query',
      'rtsp://h/m.amp/stream=0?c=h264',
      'rtsp://h/m.amp',
      'rtsp://h/m.amp/stream=0?c=h264',
    ],
    ['relative, base with slash', 'trackID=1', 'rtsp://h/cam/', 'rtsp://h/cam/trackID=1'],
    [
      'relative, base without slash keeps last segment',
      'track1',
      'rtsp://h:554/a/b.mkv',
      'rtsp://h:554/a/b.mkv/track1',
    ],
    ['relative, base = host only', 'stream=0', 'rtsp://h:8554', 'rtsp://h:8554/stream=0'],
    ['relative, base = host + /', 'stream=0', 'rtsp://h:8554/', 'rtsp://h:8554/stream=0'],
    [
      'relative, base with query',
      'track1',
      'rtsp://h/live.sdp?ch=1',
      'rtsp://h/live.sdp?ch=1/track1',
    ],
    [
      'relative, Dahua-style query base ending with /',
      'trackID=0',
      'rtsp://h/cam/realmonitor?channel=1&subtype=0/',
      'rtsp://h/cam/realmonitor?channel=1&subtype=0/trackID=0',
    ],
    ['relative with leading slash, base without', '/track1', 'rtsp://h/a', 'rtsp://h/a/track1'],
    ['relative with leading slash, base with', '/track1', 'rtsp://h/a/', 'rtsp://h/a/track1'],
    ['relative, trimmed', '  stream=1 ', 'rtsp://h/a/', 'rtsp://h/a/stream=1'],
    [
      'relative with :// in a query value',
      'stream=0?u=rtsp://x',
      'rtsp://h/a',
      'rtsp://h/a/stream=0?u=rtsp://x',
    ],
    ['non-rtsp scheme is relative', 'http://x/y', 'rtsp://h/a/', 'rtsp://h/a/http://x/y'],
    [
      'base with user info and port',
      'track2',
      'rtsp://u:p@h:10554/s',
      'rtsp://u:p@h:10554/s/track2',
    ],
    ['IPv6 base', 'track1', 'rtsp://[::1]:8554/s/', 'rtsp://[::1]:8554/s/track1'],
  ];
  it.each(rows)('%s', (_name, control, base, expected) => {
    expect(resolveControl(control, base)).toBe(expected);
  });

  const bad = ['', 'not a url', '/relative/path', 'cam/trackID=1', 'rtsp://', 'rtsp:///path'];
  it.each(bad)('throws URL_INVALID for base %j', (base) => {
    for (const control of [undefined, '*', 'track1', 'rtsp://h/abs']) {
      expect(() => resolveControl(control, base)).toThrow(ProtocolError);
      try {
        resolveControl(control, base);
      } catch (err) {
        expect((err as ProtocolError).code).toBe('URL_INVALID');
      }
    }
  });

  it('recognises only rtsp-family absolute URLs', () => {
    expect(isAbsoluteRtspUrl('rtsp://h/')).toBe(true);
    expect(isAbsoluteRtspUrl('Rtsps://h/')).toBe(true);
    expect(isAbsoluteRtspUrl('rtspu://h/')).toBe(true);
    expect(isAbsoluteRtspUrl('rtspt://h/')).toBe(false);
    expect(isAbsoluteRtspUrl('http://h/')).toBe(false);
    expect(isAbsoluteRtspUrl('trackID=1')).toBe(false);
  });
});
