import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/errors.js';
import { RtspHeaders } from '../../../../src/protocol/rtsp/message.js';
import {
  reasonFor,
  serializeFrame,
  serializeRequest,
  serializeResponse,
} from '../../../../src/protocol/rtsp/serialize.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ProtocolError ? err.code : `not a ProtocolError: ${String(err)}`;
  }
  return undefined;
}

describe('serializeRequest', () => {
  it('writes the request line, headers in order and a blank line', () => {
    const out = serializeRequest({
      method: 'SETUP',
      uri: 'rtsp://cam/live/trackID=1',
      headers: new RtspHeaders([
        ['CSeq', '3'],
        ['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1'],
      ]),
    });
    expect(out.toString()).toBe(
      'SETUP rtsp://cam/live/trackID=1 RTSP/1.0\r\nCSeq: 3\r\n' +
        'Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n',
    );
  });

  it('sets Content-Length from the body and drops a stale one', () => {
    const out = serializeRequest({
      method: 'ANNOUNCE',
      uri: 'rtsp://srv/x',
      version: 'RTSP/1.0',
      headers: new RtspHeaders({
        'Content-Length': '999',
        CSeq: '2',
        'Content-Type': 'application/sdp',
      }),
      body: Buffer.from('v=0\r\n'),
    });
    expect(out.toString()).toBe(
      'ANNOUNCE rtsp://srv/x RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n' +
        'Content-Length: 5\r\n\r\nv=0\r\n',
    );
  });

  it('drops Content-Length when there is no body', () => {
    const headers = new RtspHeaders({ CSeq: '1', 'content-length': '12' });
    expect(serializeRequest({ method: 'OPTIONS', uri: '*', headers }).toString()).toBe(
      'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n',
    );
    expect(headers.get('Content-Length')).toBe('12'); // the caller's headers are not mutated
  });

  it('writes UTF-8 header text', () => {
    const out = serializeRequest({
      method: 'OPTIONS',
      uri: '*',
      headers: new RtspHeaders({ 'X-T': 'café' }),
    });
    expect(out.equals(Buffer.from('OPTIONS * RTSP/1.0\r\nX-T: café\r\n\r\n', 'utf8'))).toBe(true);
  });

  const bad: Array<[string, () => unknown, string]> = [
    [
      'CRLF in a header value',
      () =>
        serializeRequest({
          method: 'OPTIONS',
          uri: '*',
          headers: new RtspHeaders({ 'X-A': 'a\r\nInjected: 1' }),
        }),
      'RTSP_BAD_HEADER',
    ],
    [
      'bare LF in a header value',
      () =>
        serializeRequest({
          method: 'OPTIONS',
          uri: '*',
          headers: new RtspHeaders({ 'X-A': 'a\nb' }),
        }),
      'RTSP_BAD_HEADER',
    ],
    [
      'NUL in a header value',
      () =>
        serializeRequest({
          method: 'OPTIONS',
          uri: '*',
          headers: new RtspHeaders({ 'X-A': 'a\0' }),
        }),
      'RTSP_BAD_HEADER',
    ],
    [
      'CR in a header name',
      () =>
        serializeRequest({
          method: 'OPTIONS',
          uri: '*',
          headers: new RtspHeaders({ 'X\r\nY': 'a' }),
        }),
      'RTSP_BAD_HEADER',
    ],
    [
      'colon in a header name',
      () =>
        serializeRequest({ method: 'OPTIONS', uri: '*', headers: new RtspHeaders({ 'X:Y': 'a' }) }),
      'RTSP_BAD_HEADER',
    ],
    [
      'empty header name',
      () =>
        serializeRequest({ method: 'OPTIONS', uri: '*', headers: new RtspHeaders({ '': 'a' }) }),
      'RTSP_BAD_HEADER',
    ],
    [
      'space in the method',
      () => serializeRequest({ method: 'GET X', uri: '*', headers: new RtspHeaders() }),
      'RTSP_BAD_START_LINE',
    ],
    [
      'method starting with $',
      () => serializeRequest({ method: '$X', uri: '*', headers: new RtspHeaders() }),
      'RTSP_BAD_START_LINE',
    ],
    [
      'space in the URI',
      () => serializeRequest({ method: 'PLAY', uri: 'rtsp://h/a b', headers: new RtspHeaders() }),
      'RTSP_BAD_START_LINE',
    ],
    [
      'CRLF in the URI',
      () => serializeRequest({ method: 'PLAY', uri: 'rtsp://h/\r\n', headers: new RtspHeaders() }),
      'RTSP_BAD_START_LINE',
    ],
    [
      'empty URI',
      () => serializeRequest({ method: 'PLAY', uri: '', headers: new RtspHeaders() }),
      'RTSP_BAD_START_LINE',
    ],
    [
      'bad version',
      () =>
        serializeRequest({
          method: 'PLAY',
          uri: '*',
          version: 'RTSP/1.0\r\n',
          headers: new RtspHeaders(),
        }),
      'RTSP_BAD_VERSION',
    ],
  ];
  for (const [name, fn, want] of bad) {
    it(`rejects ${name} (${want})`, () => expect(code(fn)).toBe(want));
  }
});

describe('serializeResponse', () => {
  it('defaults the reason phrase from STATUS_REASONS', () => {
    const out = serializeResponse({ status: 454, headers: new RtspHeaders({ CSeq: '7' }) });
    expect(out.toString()).toBe('RTSP/1.0 454 Session Not Found\r\nCSeq: 7\r\n\r\n');
  });

  it('keeps an explicit reason and writes the body', () => {
    const out = serializeResponse({
      status: 200,
      reason: 'Okay then',
      version: 'RTSP/1.0',
      headers: new RtspHeaders({ CSeq: '2', 'Content-Type': 'text/parameters' }),
      body: Buffer.from('a: 1\r\n'),
    });
    expect(out.toString()).toBe(
      'RTSP/1.0 200 Okay then\r\nCSeq: 2\r\nContent-Type: text/parameters\r\nContent-Length: 6\r\n\r\na: 1\r\n',
    );
  });

  it('falls back to the class reason for unregistered codes', () => {
    expect(reasonFor(299)).toBe('OK');
    expect(reasonFor(499)).toBe('Bad Request');
    expect(reasonFor(999)).toBe('Unknown');
  });

  it('rejects bad status codes, reasons and header values', () => {
    expect(code(() => serializeResponse({ status: 99, headers: new RtspHeaders() }))).toBe(
      'RTSP_BAD_START_LINE',
    );
    expect(code(() => serializeResponse({ status: 200.5, headers: new RtspHeaders() }))).toBe(
      'RTSP_BAD_START_LINE',
    );
    expect(
      code(() =>
        serializeResponse({ status: 200, reason: 'OK\r\nX: 1', headers: new RtspHeaders() }),
      ),
    ).toBe('RTSP_BAD_START_LINE');
    expect(
      code(() =>
        serializeResponse({ status: 200, headers: new RtspHeaders({ Session: '1\r\n' }) }),
      ),
    ).toBe('RTSP_BAD_HEADER');
  });
});

describe('serializeFrame', () => {
  it('writes $, channel, 16-bit big-endian length and payload', () => {
    expect(serializeFrame(1, Buffer.from([0xde, 0xad])).toString('hex')).toBe(
      '240100 02dead'.replace(' ', ''),
    );
    const big = serializeFrame(255, Buffer.alloc(0x1234));
    expect(big.subarray(0, 4).toString('hex')).toBe('24ff1234');
    expect(big.length).toBe(4 + 0x1234);
  });

  it('writes an empty frame', () => {
    expect(serializeFrame(0, Buffer.alloc(0)).toString('hex')).toBe('24000000');
  });

  it('rejects a payload above 65535 bytes and channels outside 0-255', () => {
    expect(code(() => serializeFrame(0, Buffer.alloc(65536)))).toBe('RTSP_FRAME_TOO_LARGE');
    expect(() => serializeFrame(256, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => serializeFrame(-1, Buffer.alloc(1))).toThrow(RangeError);
  });
});
