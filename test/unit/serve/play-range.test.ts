/**
 * A viewer's PLAY with a malformed Range is answered 457 Invalid Range by seamd itself: the
 * source (and so the origin) is never asked. A well-formed one is forwarded in canonical form.
 * Runs the RTSP method handlers with a stand-in front end and source (no sockets, no origin).
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RtspHeaders, type RtspRequest } from '../../../src/protocol/rtsp/message.js';
import { parseSdp } from '../../../src/protocol/sdp/sdp.js';
import type { MediaSource, PlayStart } from '../../../src/source/media-source.js';
import type { ViewerConnection } from '../../../src/serve/connection.js';
import { handleRequest, type FrontState } from '../../../src/serve/methods.js';
import { ViewerSession } from '../../../src/serve/viewer.js';
import {
  GORTSPLIB_RANGE_INVALID,
  GORTSPLIB_RANGE_VALID,
} from '../protocol/vectors/gortsplib-range.js';
import { BASE, SDP } from './cam-sdp.js';

/** A viewer connection with one set-up session, and a source recording what it is asked. */
function setUp(): {
  front: FrontState;
  conn: ViewerConnection;
  session: ViewerSession;
  plays: Array<string | undefined>;
} {
  const plays: Array<string | undefined> = [];
  const source = {
    info: parseSdp(SDP, `${BASE}/`),
    shared: false,
    play(range: string | undefined): Promise<PlayStart> {
      plays.push(range);
      return Promise.resolve({ range, tracks: [{ seq: 1, rtptime: 2 }] } as unknown as PlayStart);
    },
  } as unknown as MediaSource;
  const conn = { id: 'c1', remoteAddress: '127.0.0.1' } as unknown as ViewerConnection;
  const out = { sendFrame: () => true, sendUdpRtp: () => undefined, sendUdpRtcp: () => undefined };
  const session = new ViewerSession('c1', '127.0.0.1', source, BASE, out);
  session.tracks.set(0, { kind: 'tcp', rtpChannel: 0, rtcpChannel: 1 });
  const front = {
    log: pino({ level: 'silent' }),
    sessionTimeoutSec: 60,
    findSession: (id: string) => (id === session.id ? session : undefined),
    startPlaying: () => undefined,
  } as unknown as FrontState;
  return { front, conn, session, plays };
}

function play(session: ViewerSession, range: string): RtspRequest {
  return {
    kind: 'request',
    method: 'PLAY',
    uri: BASE,
    version: 'RTSP/1.0',
    headers: new RtspHeaders({ CSeq: '4', Session: session.id, Range: range }),
    body: Buffer.alloc(0),
  };
}

describe('PLAY with a Range', () => {
  for (const [name, range] of GORTSPLIB_RANGE_INVALID) {
    it(`${name}: ${JSON.stringify(range)} gets 457 and the source is not asked`, async () => {
      const { front, conn, session, plays } = setUp();
      const reply = await handleRequest(front, conn, play(session, range));
      expect(reply.status).toBe(457);
      expect(plays).toEqual([]);
      expect(session.state).toBe('ready');
    });
  }

  for (const v of GORTSPLIB_RANGE_VALID) {
    it(`${v.name}: ${v.input} is forwarded as ${v.forwarded}`, async () => {
      const { front, conn, session, plays } = setUp();
      const reply = await handleRequest(front, conn, play(session, v.input));
      expect(reply.status).toBe(200);
      expect(plays).toEqual([v.forwarded]);
    });
  }
});
