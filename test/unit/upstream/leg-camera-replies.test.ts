/**
 * Real cameras' SETUP and PLAY answers that bend RFC 2326 (an empty `source=`, a decimal 10-digit
 * `ssrc`, RTP-Info with RFC 7826's `ssrc`, a malformed Session timeout) do not break the leg: the
 * usable parts are kept and what was left out is logged at debug as leg.ignored_params.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Leg } from '../../../src/upstream/leg.js';
import { answeredTransport, playResultOf, sessionOf } from '../../../src/upstream/leg-rtsp.js';
import { RtspHeaders, type RtspResponse } from '../../../src/protocol/rtsp/message.js';
import { parseSdp } from '../../../src/protocol/sdp/sdp.js';
import { startFakeServer, twoTrackSdp, type FakeServer } from '../../helpers/fake-origin.js';

const EMPTY_SOURCE =
  'RTP/AVP/UDP;unicast;source=;client_port=32560-32561;server_port=3046-3047;ssrc=45dcb578';
const DECIMAL_SSRC =
  'RTP/AVP;unicast;client_port=14236;source=172.16.8.2;server_port=56002;ssrc=1449463210';

function answer(headers: Record<string, string>): RtspResponse {
  return {
    kind: 'response',
    version: 'RTSP/1.0',
    status: 200,
    reason: 'OK',
    headers: new RtspHeaders(headers),
    body: Buffer.alloc(0),
  };
}

describe('leg-rtsp: liberal reading of camera answers', () => {
  it('keeps a SETUP answer with an empty source= and reports it', () => {
    const seen: Array<[string, string[]]> = [];
    const spec = answeredTransport(answer({ Transport: EMPTY_SOURCE }), 'c', 'UDP', (h, _v, i) =>
      seen.push([h, i]),
    );
    expect(spec).toMatchObject({ serverPort: [3046, 3047], ssrc: 0x45dcb578 });
    expect(spec?.source).toBeUndefined();
    expect(seen).toEqual([['Transport', ['source= (empty)']]]);
  });

  it('keeps a SETUP answer with a decimal ssrc, without the ssrc', () => {
    const seen: string[] = [];
    const spec = answeredTransport(answer({ Transport: DECIMAL_SSRC }), 'c', 'UDP', (_h, _v, i) =>
      seen.push(...i),
    );
    expect(spec).toMatchObject({ source: '172.16.8.2', serverPort: [56002, 56003] });
    expect(spec?.ssrc).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^ssrc=1449463210 /);
  });

  it('keeps the session of an answer with a malformed timeout', () => {
    const seen: string[] = [];
    const s = sessionOf(answer({ Session: 'K9;timeout=abc' }), undefined, (_h, _v, i) =>
      seen.push(...i),
    );
    expect(s).toEqual({ id: 'K9', timeout: 60 });
    expect(seen).toEqual(['timeout=abc']);
  });

  it('maps RTP-Info entries carrying ssrc to their tracks with seq and rtptime', () => {
    const info = parseSdp(twoTrackSdp(), 'rtsp://cam/live/');
    const seen: string[] = [];
    const bad: string[] = [];
    const play = playResultOf(
      [
        answer({
          'RTP-Info':
            'url=stream=0;seq=55664;rtptime=254718369;ssrc=56597976,' +
            'url=stream=1;ssrc=ee839a80;seq=43807;rtptime=1702259566',
        }),
      ],
      info,
      (v) => bad.push(v),
      (_h, _v, i) => seen.push(...i),
    );
    expect(bad).toEqual([]);
    expect(play.rtpInfo.map((e) => [e.trackIndex, e.url, e.seq, e.rtptime])).toEqual([
      [0, 'stream=0', 55664, 254718369],
      [1, 'stream=1', 43807, 1702259566],
    ]);
    expect(seen).toEqual(['stream=0: ssrc=56597976', 'stream=1: ssrc=ee839a80']);
  });
});

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Leg against a camera-like origin', () => {
  it('sets up and plays, and logs what it left out at debug', async () => {
    server = await startFakeServer((req, conn) => {
      const base = `${server?.url() ?? ''}/`;
      switch (req.method) {
        case 'DESCRIBE':
          return conn.reply(
            req,
            200,
            { 'Content-Base': base, 'Content-Type': 'application/sdp' },
            twoTrackSdp(),
          );
        case 'SETUP': {
          const ch = /stream=1/.test(req.uri) ? '2-3' : '0-1';
          return conn.reply(req, 200, {
            Session: 'CAM1;timeout=sixty',
            Transport: `RTP/AVP/TCP;unicast;interleaved=${ch};source=;ssrc=1449463210`,
          });
        }
        case 'PLAY':
          return conn.reply(req, 200, {
            Session: 'CAM1',
            'RTP-Info':
              `url=${base}stream=0;seq=55664;rtptime=254718369;ssrc=56597976,` +
              `url=${base}stream=1;seq=43807;rtptime=1702259566;ssrc=ee839a80`,
          });
        default:
          return conn.reply(req, 200, { Session: 'CAM1' });
      }
    });
    const lines: Array<Record<string, unknown>> = [];
    const log = pino(
      { level: 'debug' },
      { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
    );
    const leg = new Leg({
      id: 'L1',
      url: server.url(),
      transport: 'tcp',
      udpTimeoutMs: 300,
      connectTimeoutMs: 1000,
      requestTimeoutMs: 1000,
      userAgent: 'seamd-test',
      log,
    });
    try {
      await leg.describe();
      expect((await leg.setup()).session).toEqual({ id: 'CAM1', timeout: 60 });
      const play = await leg.play();
      expect(play.rtpInfo.map((e) => [e.trackIndex, e.seq, e.rtptime])).toEqual([
        [0, 55664, 254718369],
        [1, 43807, 1702259566],
      ]);
    } finally {
      leg.close();
    }
    const ignored = lines.filter((l) => l.event === 'leg.ignored_params');
    expect(ignored.every((l) => l.level === 20)).toBe(true); // pino debug
    expect(ignored.map((l) => l.header)).toEqual([
      'Transport',
      'Session',
      'Transport',
      'Session',
      'RTP-Info',
    ]);
    expect(lines.some((l) => l.event === 'leg.bad_rtp_info')).toBe(false);
  });
});
