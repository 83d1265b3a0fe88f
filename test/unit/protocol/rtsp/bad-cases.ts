/** Raw-byte RTSP streams that must fail, with the exact error code (and CSeq when known). */
import { b, type BadCase } from './cases.js';

const LONG = 'x'.repeat(30);

export const BAD: BadCase[] = [
  {
    name: 'request line without version',
    input: b('DESCRIBE rtsp://x\r\n\r\n'),
    code: 'RTSP_BAD_START_LINE',
  },
  {
    name: 'request line with 4 fields',
    input: b('PLAY rtsp://x y RTSP/1.0\r\n'),
    code: 'RTSP_BAD_START_LINE',
  },
  { name: 'method with tspecial', input: b('OPT(ONS * RTSP/1.0\r\n'), code: 'RTSP_BAD_START_LINE' },
  {
    name: 'leading space on start line',
    input: b(' OPTIONS * RTSP/1.0\r\n'),
    code: 'RTSP_BAD_START_LINE',
  },
  { name: 'garbage version token', input: b('OPTIONS * RTSP1.0\r\n'), code: 'RTSP_BAD_START_LINE' },
  {
    name: 'HTTP request (tunnelling)',
    input: b('GET /x HTTP/1.1\r\nHost: a\r\n\r\n'),
    code: 'RTSP_BAD_VERSION',
  },
  {
    name: 'RTSP/2.0 request',
    input: b('OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n'),
    code: 'RTSP_BAD_VERSION',
  },
  { name: 'HTTP response', input: b('HTTP/1.0 200 OK\r\n\r\n'), code: 'RTSP_BAD_VERSION' },
  {
    name: 'status with 4 digits',
    input: b('RTSP/1.0 2000 OK\r\n\r\n'),
    code: 'RTSP_BAD_START_LINE',
  },
  { name: 'status missing', input: b('RTSP/1.0 OK\r\n\r\n'), code: 'RTSP_BAD_START_LINE' },
  {
    name: 'status glued to reason',
    input: b('RTSP/1.0 200OK\r\n\r\n'),
    code: 'RTSP_BAD_START_LINE',
  },
  { name: 'NUL in start line', input: b('OPTIONS *\0 RTSP/1.0\r\n'), code: 'RTSP_BAD_START_LINE' },
  {
    name: 'header line without colon, after CSeq',
    input: b('OPTIONS * RTSP/1.0\r\nCSeq: 5\r\nUser-Agent Lavf\r\n\r\n'),
    code: 'RTSP_BAD_HEADER',
    cseq: '5',
  },
  {
    name: 'space inside header name',
    input: b('RTSP/1.0 200 OK\r\nCSeq: 6\r\nContent Type: a\r\n\r\n'),
    code: 'RTSP_BAD_HEADER',
    cseq: '6',
  },
  {
    name: 'empty header name',
    input: b('OPTIONS * RTSP/1.0\r\n: v\r\n\r\n'),
    code: 'RTSP_BAD_HEADER',
  },
  {
    name: 'continuation line before any header',
    input: b('OPTIONS * RTSP/1.0\r\n folded\r\n\r\n'),
    code: 'RTSP_BAD_HEADER',
  },
  {
    name: 'bare CR inside a header value',
    input: b('OPTIONS * RTSP/1.0\r\nCSeq: 2\r\nX: a\rb\r\n\r\n'),
    code: 'RTSP_BAD_HEADER',
    cseq: '2',
  },
  {
    name: 'Content-Length not a number',
    input: b('ANNOUNCE * RTSP/1.0\r\nCSeq: 8\r\nContent-Length: abc\r\n\r\n'),
    code: 'RTSP_BAD_CONTENT_LENGTH',
    cseq: '8',
  },
  {
    name: 'negative Content-Length',
    input: b('RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n'),
    code: 'RTSP_BAD_CONTENT_LENGTH',
  },
  {
    name: 'conflicting Content-Length headers',
    input: b('RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde'),
    code: 'RTSP_BAD_CONTENT_LENGTH',
    cseq: '3',
  },
  {
    name: 'body above the limit',
    input: b('RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Length: 1048577\r\n\r\n'),
    code: 'RTSP_BODY_TOO_LARGE',
    cseq: '4',
  },
  {
    name: 'absurd Content-Length',
    input: b(`RTSP/1.0 200 OK\r\nContent-Length: ${'9'.repeat(40)}\r\n\r\n`),
    code: 'RTSP_BODY_TOO_LARGE',
  },
  {
    name: 'too many headers',
    limits: { maxHeaderCount: 3 },
    input: b('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n'),
    code: 'RTSP_TOO_MANY_HEADERS',
    cseq: '1',
  },
  {
    name: 'start line too long, no newline yet',
    limits: { maxLineLength: 24 },
    input: b(`DESCRIBE rtsp://h/${LONG}`),
    code: 'RTSP_LINE_TOO_LONG',
  },
  {
    name: 'header line too long',
    limits: { maxLineLength: 24 },
    input: b(`OPTIONS * RTSP/1.0\r\nCSeq: 9\r\nX-Long: ${LONG}\r\n\r\n`),
    code: 'RTSP_LINE_TOO_LONG',
    cseq: '9',
  },
  {
    name: 'folded header too long in total',
    limits: { maxLineLength: 24 },
    input: b('OPTIONS * RTSP/1.0\r\nX-Fold: 0123456789\r\n 0123456789\r\n 01\r\n\r\n'),
    code: 'RTSP_LINE_TOO_LONG',
  },
  {
    name: 'interleaved frame above the limit',
    limits: { maxFrameLength: 1500 },
    input: Buffer.from([0x24, 0x00, 0x05, 0xdd]),
    code: 'RTSP_FRAME_TOO_LARGE',
  },
];
