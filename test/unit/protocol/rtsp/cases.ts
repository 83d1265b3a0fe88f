/**
 * Raw-byte RTSP stream samples in the style of real captures, shared by the table tests and the
 * fuzz tests (which mutate them).
 */
import type { ErrorCode } from '../../../../src/errors.js';
import type { RtspLimits, RtspMessage } from '../../../../src/protocol/rtsp/message.js';

/** Comparable form of a parsed message. */
export type Plain =
  | {
      kind: 'request';
      method: string;
      uri: string;
      version: string;
      headers: [string, string][];
      body: string;
    }
  | {
      kind: 'response';
      version: string;
      status: number;
      reason: string;
      headers: [string, string][];
      body: string;
    }
  | { kind: 'frame'; channel: number; payload: string };

export function plain(m: RtspMessage): Plain {
  switch (m.kind) {
    case 'frame':
      return { kind: 'frame', channel: m.channel, payload: m.payload.toString('hex') };
    case 'request':
      return {
        kind: 'request',
        method: m.method,
        uri: m.uri,
        version: m.version,
        headers: [...m.headers],
        body: m.body.toString('latin1'),
      };
    case 'response':
      return {
        kind: 'response',
        version: m.version,
        status: m.status,
        reason: m.reason,
        headers: [...m.headers],
        body: m.body.toString('latin1'),
      };
  }
}

export interface GoodCase {
  name: string;
  input: Buffer;
  limits?: Partial<RtspLimits>;
  expect: Plain[];
}

export interface BadCase {
  name: string;
  input: Buffer;
  limits?: Partial<RtspLimits>;
  code: ErrorCode;
  cseq?: string;
}

export const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const frame = (ch: number, hex: string): Buffer => {
  const p = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from([0x24, ch, p.length >> 8, p.length & 0xff]), p]);
};

const SDP =
  'v=0\r\no=- 1188340656180883 1 IN IP4 192.168.1.64\r\ns=Media Presentation\r\n' +
  't=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=1\r\n';

const RTP = '80e0000100000d2c1a2b3c4d67640028ac';

export const GOOD: GoodCase[] = [
  {
    name: 'ffmpeg OPTIONS',
    input: b(
      'OPTIONS rtsp://192.168.1.64:554/Streaming/Channels/101 RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf60.16.100\r\n\r\n',
    ),
    expect: [
      {
        kind: 'request',
        method: 'OPTIONS',
        uri: 'rtsp://192.168.1.64:554/Streaming/Channels/101',
        version: 'RTSP/1.0',
        headers: [
          ['CSeq', '1'],
          ['User-Agent', 'Lavf60.16.100'],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'VLC/live555 DESCRIBE',
    input: b(
      'DESCRIBE rtsp://cam.local/live RTSP/1.0\r\nCSeq: 3\r\n' +
        'User-Agent: LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)\r\nAccept: application/sdp\r\n\r\n',
    ),
    expect: [
      {
        kind: 'request',
        method: 'DESCRIBE',
        uri: 'rtsp://cam.local/live',
        version: 'RTSP/1.0',
        headers: [
          ['CSeq', '3'],
          ['User-Agent', 'LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)'],
          ['Accept', 'application/sdp'],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'gst rtspsrc SETUP over TCP',
    input: b(
      'SETUP rtsp://127.0.0.1:8554/test/stream=0 RTSP/1.0\r\n' +
        'Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nCSeq: 3\r\nUser-Agent: GStreamer/1.22.0\r\n\r\n',
    ),
    expect: [
      {
        kind: 'request',
        method: 'SETUP',
        uri: 'rtsp://127.0.0.1:8554/test/stream=0',
        version: 'RTSP/1.0',
        headers: [
          ['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1'],
          ['CSeq', '3'],
          ['User-Agent', 'GStreamer/1.22.0'],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'Hikvision DESCRIBE answer with SDP body',
    input: b(
      `RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\n` +
        `Content-Base: rtsp://192.168.1.64:554/Streaming/Channels/101/\r\nContent-Length: ${SDP.length}\r\n\r\n${SDP}`,
    ),
    expect: [
      {
        kind: 'response',
        version: 'RTSP/1.0',
        status: 200,
        reason: 'OK',
        headers: [
          ['CSeq', '3'],
          ['Content-Type', 'application/sdp'],
          ['Content-Base', 'rtsp://192.168.1.64:554/Streaming/Channels/101/'],
          ['Content-Length', String(SDP.length)],
        ],
        body: SDP,
      },
    ],
  },
  {
    name: 'live555 SETUP answer, then interleaved RTP and RTCP frames',
    input: Buffer.concat([
      b(
        'RTSP/1.0 200 OK\r\nCSeq: 4\r\nDate: Tue, Mar 05 2024 10:00:00 GMT\r\n' +
          'Transport: RTP/AVP;unicast;destination=10.0.0.2;source=10.0.0.1;client_port=5000-5001;server_port=6256-6257;ssrc=1A2B3C4D;mode="PLAY"\r\n' +
          'Session: 6B8B4567;timeout=65\r\n\r\n',
      ),
      frame(0, RTP),
      frame(1, '81c90001'),
    ]),
    expect: [
      {
        kind: 'response',
        version: 'RTSP/1.0',
        status: 200,
        reason: 'OK',
        headers: [
          ['CSeq', '4'],
          ['Date', 'Tue, Mar 05 2024 10:00:00 GMT'],
          [
            'Transport',
            'RTP/AVP;unicast;destination=10.0.0.2;source=10.0.0.1;client_port=5000-5001;server_port=6256-6257;ssrc=1A2B3C4D;mode="PLAY"',
          ],
          ['Session', '6B8B4567;timeout=65'],
        ],
        body: '',
      },
      { kind: 'frame', channel: 0, payload: RTP },
      { kind: 'frame', channel: 1, payload: '81c90001' },
    ],
  },
  {
    name: 'Axis 401 with two challenges, frame interleaved before it, reason with spaces',
    input: Buffer.concat([
      frame(2, ''),
      b(
        'RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n' +
          'WWW-Authenticate: Digest realm="AXIS_ACCC8E000000", nonce="0000a1b2Y3c1d2e3f4", stale=FALSE\r\n' +
          'WWW-Authenticate: Basic realm="AXIS_ACCC8E000000"\r\n\r\n',
      ),
    ]),
    expect: [
      { kind: 'frame', channel: 2, payload: '' },
      {
        kind: 'response',
        version: 'RTSP/1.0',
        status: 401,
        reason: 'Unauthorized',
        headers: [
          ['CSeq', '2'],
          [
            'WWW-Authenticate',
            'Digest realm="AXIS_ACCC8E000000", nonce="0000a1b2Y3c1d2e3f4", stale=FALSE',
          ],
          ['WWW-Authenticate', 'Basic realm="AXIS_ACCC8E000000"'],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'bare LF, empty lines between messages, odd whitespace, obs-fold, no reason phrase',
    input: b(
      '\r\n\nPLAY rtsp://h/x RTSP/1.0\ncseq:5\nSession:  12345678  \nRange: npt=0.000-\n\n' +
        '\r\nRTSP/1.0 200\r\nCSeq: 5\r\nRTP-Info: url=rtsp://h/x/stream=0;seq=123;rtptime=456,\r\n' +
        '\t url=rtsp://h/x/stream=1;seq=9;rtptime=10\r\n\r\n',
    ),
    expect: [
      {
        kind: 'request',
        method: 'PLAY',
        uri: 'rtsp://h/x',
        version: 'RTSP/1.0',
        headers: [
          ['cseq', '5'],
          ['Session', '12345678'],
          ['Range', 'npt=0.000-'],
        ],
        body: '',
      },
      {
        kind: 'response',
        version: 'RTSP/1.0',
        status: 200,
        reason: '',
        headers: [
          ['CSeq', '5'],
          [
            'RTP-Info',
            'url=rtsp://h/x/stream=0;seq=123;rtptime=456, url=rtsp://h/x/stream=1;seq=9;rtptime=10',
          ],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'ffmpeg ANNOUNCE with body, then GET_PARAMETER keepalive with text body',
    input: b(
      `ANNOUNCE rtsp://srv/live/cam1 RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: 2\r\n` +
        `Content-Length: ${SDP.length}\r\n\r\n${SDP}` +
        'GET_PARAMETER rtsp://srv/live/cam1 RTSP/1.0\r\nCSeq: 9\r\nContent-Type: text/parameters\r\nContent-Length: 8\r\n\r\nposition',
    ),
    expect: [
      {
        kind: 'request',
        method: 'ANNOUNCE',
        uri: 'rtsp://srv/live/cam1',
        version: 'RTSP/1.0',
        headers: [
          ['Content-Type', 'application/sdp'],
          ['CSeq', '2'],
          ['Content-Length', String(SDP.length)],
        ],
        body: SDP,
      },
      {
        kind: 'request',
        method: 'GET_PARAMETER',
        uri: 'rtsp://srv/live/cam1',
        version: 'RTSP/1.0',
        headers: [
          ['CSeq', '9'],
          ['Content-Type', 'text/parameters'],
          ['Content-Length', '8'],
        ],
        body: 'position',
      },
    ],
  },
  {
    name: 'RTSP/1.1, OPTIONS *, duplicate equal Content-Length 0, header name with space before colon',
    input: b('OPTIONS * RTSP/1.1\r\nCSeq : 7\r\nContent-Length: 0\r\ncontent-length: 0\r\n\r\n'),
    expect: [
      {
        kind: 'request',
        method: 'OPTIONS',
        uri: '*',
        version: 'RTSP/1.1',
        headers: [
          ['CSeq', '7'],
          ['Content-Length', '0'],
          ['content-length', '0'],
        ],
        body: '',
      },
    ],
  },
  {
    name: 'UTF-8 header text, empty header value, non-standard method and 3-digit status',
    input: b(
      Buffer.from(
        'X-REC rtsp://h/caméra RTSP/1.0\r\nCSeq: 1\r\nX-Title: Café ☕\r\nX-Empty:\r\n\r\nRTSP/1.0 999 Custom Thing\r\n\r\n',
        'utf8',
      ).toString('latin1'),
    ),
    expect: [
      {
        kind: 'request',
        method: 'X-REC',
        uri: 'rtsp://h/caméra',
        version: 'RTSP/1.0',
        headers: [
          ['CSeq', '1'],
          ['X-Title', 'Café ☕'],
          ['X-Empty', ''],
        ],
        body: '',
      },
      {
        kind: 'response',
        version: 'RTSP/1.0',
        status: 999,
        reason: 'Custom Thing',
        headers: [],
        body: '',
      },
    ],
  },
  {
    name: 'limits: exactly at line length, header count, body and frame size',
    limits: { maxLineLength: 24, maxHeaderCount: 3, maxBodyLength: 4, maxFrameLength: 3 },
    input: Buffer.concat([
      b(
        'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX-Long: 0123456789abcdef\r\nContent-Length: 4\r\n\r\nabcd',
      ),
      frame(7, 'a1b2c3'),
    ]),
    expect: [
      {
        kind: 'request',
        method: 'OPTIONS',
        uri: '*',
        version: 'RTSP/1.0',
        headers: [
          ['CSeq', '1'],
          ['X-Long', '0123456789abcdef'],
          ['Content-Length', '4'],
        ],
        body: 'abcd',
      },
      { kind: 'frame', channel: 7, payload: 'a1b2c3' },
    ],
  },
];
