import { describe, expect, it } from 'vitest';
import {
  baseUrlOf,
  resolveControlUrl,
} from '../../../../../src/protocol/rtsp/headers/content-base.js';
import { RtspHeaders } from '../../../../../src/protocol/rtsp/message.js';

const REQ = 'rtsp://192.168.1.64:554/Streaming/Channels/101';

describe('baseUrlOf (RFC 2326 C.1.1)', () => {
  const rows: Array<[string, Record<string, string>, string]> = [
    [
      'Content-Base wins',
      { 'Content-Location': 'rtsp://other/x/', 'Content-Base': 'rtsp://cam/base/' },
      'rtsp://cam/base/',
    ],
    [
      'Content-Base is kept verbatim (no normalisation)',
      { 'Content-Base': 'rtsp://USER@Cam:554/a%2fb/' },
      'rtsp://USER@Cam:554/a%2fb/',
    ],
    ['then Content-Location', { 'content-location': 'rtsp://cam/loc/' }, 'rtsp://cam/loc/'],
    [
      'relative Content-Location resolved against the request URL',
      { 'Content-Location': 'sub/' },
      'rtsp://192.168.1.64:554/Streaming/Channels/sub/',
    ],
    [
      'absolute-path Content-Location',
      { 'Content-Location': '/live/' },
      'rtsp://192.168.1.64:554/live/',
    ],
    [
      'empty Content-Base is ignored',
      { 'Content-Base': '  ', 'Content-Location': 'rtsp://cam/l/' },
      'rtsp://cam/l/',
    ],
    ['surrounding whitespace trimmed', { 'Content-Base': ' rtsp://cam/b/ ' }, 'rtsp://cam/b/'],
    ['else the request URL', { 'Content-Type': 'application/sdp' }, REQ],
  ];
  for (const [name, headers, want] of rows) {
    it(name, () => expect(baseUrlOf(new RtspHeaders(headers), REQ)).toBe(want));
  }
  it('skips a relative header that cannot be resolved', () => {
    expect(baseUrlOf(new RtspHeaders({ 'Content-Base': 'x/' }), 'not a url')).toBe('not a url');
  });
});

describe('resolveControlUrl', () => {
  const rows: Array<[string, string, string]> = [
    ['rtsp://h/x/', 'trackID=1', 'rtsp://h/x/trackID=1'],
    ['rtsp://h/x', 'trackID=1', 'rtsp://h/x/trackID=1'],
    ['rtsp://h/x/', '/trackID=1', 'rtsp://h/x/trackID=1'],
    ['rtsp://h/x', '*', 'rtsp://h/x'],
    ['rtsp://h/x', '', 'rtsp://h/x'],
    ['rtsp://h/x/', 'rtsp://other/y/stream=0', 'rtsp://other/y/stream=0'],
  ];
  for (const [base, control, want] of rows) {
    it(`${base} + ${JSON.stringify(control)}`, () =>
      expect(resolveControlUrl(base, control)).toBe(want));
  }
});
