/**
 * A viewer session as a guarded state machine: the legal and illegal moves, PLAY and PAUSE that
 * change state only once the source answered (a failure leaves the session where it was), the
 * answers and log lines for failures that are not the origin's, and session expiry driven by a
 * fake clock. Method handlers run against stand-in front ends and sources: no sockets, no origin.
 */
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { RuntimeError, UpstreamError } from '../../../src/errors.js';
import { RtspHeaders, type RtspRequest } from '../../../src/protocol/rtsp/message.js';
import { parseSdp } from '../../../src/protocol/sdp/sdp.js';
import type { MediaSource, PlayStart } from '../../../src/source/media-source.js';
import type { SourceRegistry } from '../../../src/source/registry.js';
import type { ViewerConnection } from '../../../src/serve/connection.js';
import { FrontEnd } from '../../../src/serve/front.js';
import { handleRequest, type FrontState } from '../../../src/serve/methods.js';
import type { Resolution } from '../../../src/serve/resolve.js';
import { ViewerSession } from '../../../src/serve/viewer.js';
import { FakeClock } from './fake-clock.js';
import { BASE, SDP } from './cam-sdp.js';
import { frontOptions } from './front-options.js';

type Line = Record<string, unknown>;

function capture(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (l: string) => void lines.push(JSON.parse(l) as Line) },
  );
  return { log, lines };
}

interface FakeSource {
  source: MediaSource;
  calls: string[];
  failPlay: Error | undefined;
  failPause: Error | undefined;
  released: number;
}

function fakeSource(shared = false): FakeSource {
  const f: FakeSource = {
    calls: [],
    failPlay: undefined,
    failPause: undefined,
    released: 0,
    source: undefined as unknown as MediaSource,
  };
  f.source = {
    kind: 'upstream',
    id: 's1',
    origin: 'rtsp://origin.test/cam',
    pathName: 'cam',
    info: parseSdp(SDP, `${BASE}/`),
    shared,
    closed: false,
    viewerCount: 1,
    retain: () => undefined,
    release: () => void f.released++,
    subscribe: () => undefined,
    unsubscribe: () => undefined,
    ensureSetup: () => Promise.resolve(),
    play(range: string | undefined): Promise<PlayStart> {
      f.calls.push(`PLAY ${range ?? ''}`.trim());
      if (f.failPlay) return Promise.reject(f.failPlay);
      return Promise.resolve({ range, tracks: [{ seq: 1, rtptime: 2 }] } as unknown as PlayStart);
    },
    pause(): Promise<void> {
      f.calls.push('PAUSE');
      return f.failPause ? Promise.reject(f.failPause) : Promise.resolve();
    },
    close: () => undefined,
    once: () => undefined,
  };
  return f;
}

interface Rig {
  front: FrontState;
  conn: ViewerConnection;
  session: ViewerSession;
  src: FakeSource;
  lines: Line[];
  sent: number[];
}

/** One connection with one UDP session set up (state 'ready') on a fake source. */
function rig(opts: { shared?: boolean } = {}): Rig {
  const { log, lines } = capture();
  const src = fakeSource(opts.shared);
  const sent: number[] = [];
  const out = {
    sendFrame: () => true,
    sendUdpRtp: (p: Buffer) => void sent.push(p.readUInt16BE(2)),
    sendUdpRtcp: () => undefined,
  };
  const conn = {
    id: 'c1',
    remoteAddress: '127.0.0.1',
    isClosed: false,
    described: new Map(),
    sessions: new Map(),
  } as unknown as ViewerConnection;
  const session = new ViewerSession('c1', '127.0.0.1', src.source, BASE, out);
  session.tracks.set(0, { kind: 'udp', address: '127.0.0.1', rtpPort: 5000, rtcpPort: 5001 });
  const sessions = new Map([[session.id, session]]);
  const front = {
    log,
    sessionTimeoutSec: 60,
    clock: new FakeClock(),
    findSession: (id: string) => sessions.get(id),
    endSession: (s: ViewerSession) => {
      sessions.delete(s.id);
      s.close();
    },
    startPlaying: (s: ViewerSession) => s.started(),
  } as unknown as FrontState;
  return { front, conn, session, src, lines, sent };
}

function request(method: string, headers: Record<string, string> = {}): RtspRequest {
  return {
    kind: 'request',
    method,
    uri: BASE,
    version: 'RTSP/1.0',
    headers: new RtspHeaders({ CSeq: '3', ...headers }),
    body: Buffer.alloc(0),
  };
}

/** Runs a request as the connection would: the reply's `after` runs once it is "written". */
async function send(r: Rig, method: string, headers: Record<string, string> = {}) {
  const reply = await handleRequest(r.front, r.conn, request(method, headers));
  reply.after?.();
  return reply;
}

const inSession = (r: Rig) => ({ Session: r.session.id });

function rtp(seq: number): Buffer {
  const p = Buffer.alloc(12);
  p[0] = 0x80;
  p.writeUInt16BE(seq, 2);
  return p;
}

function invalidState(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RuntimeError ? err.code : String(err);
  }
  return undefined;
}

describe('ViewerSession transitions', () => {
  it('ready → starting → playing → paused → starting → playing → closed', () => {
    const { session } = rig();
    expect(session.state).toBe('ready');
    session.beginPlay();
    expect(session.state).toBe('starting');
    session.started();
    expect(session.state).toBe('playing');
    session.expectPause();
    session.paused();
    expect(session.state).toBe('paused');
    session.paused(); // PAUSE while paused: stays paused
    session.expectSetup(); // SETUP while paused is allowed
    session.beginPlay();
    session.started();
    expect(session.state).toBe('playing');
    session.close();
    session.close(); // idempotent
    expect(session.state).toBe('closed');
  });

  it('refuses the illegal moves with INVALID_STATE', () => {
    const { session } = rig();
    expect(invalidState(() => session.started())).toBe('INVALID_STATE'); // media before PLAY
    expect(invalidState(() => session.paused())).toBe('INVALID_STATE'); // PAUSE while ready
    expect(invalidState(() => session.expectPause())).toBe('INVALID_STATE');
    session.beginPlay();
    expect(invalidState(() => session.beginPlay())).toBe('INVALID_STATE'); // PLAY in flight
    expect(invalidState(() => session.expectSetup())).toBe('INVALID_STATE');
    session.started();
    expect(invalidState(() => session.expectSetup())).toBe('INVALID_STATE'); // SETUP while playing
    session.close();
    expect(invalidState(() => session.beginPlay())).toBe('INVALID_STATE'); // PLAY after TEARDOWN
    expect(invalidState(() => session.paused())).toBe('INVALID_STATE');
    expect(session.state).toBe('closed');
  });

  it('a failed PLAY goes back to where it came from', () => {
    const { session } = rig();
    session.beginPlay();
    session.playFailed();
    expect(session.state).toBe('ready');
    session.beginPlay();
    session.started();
    session.paused();
    session.beginPlay();
    session.playFailed();
    expect(session.state).toBe('paused');
  });

  it('holds media while starting and sends it, in order, once started', () => {
    const r = rig();
    r.session.onRtp(0, rtp(1)); // ready: nothing goes out
    r.session.beginPlay();
    r.session.onRtp(0, rtp(2));
    r.session.onRtp(0, rtp(3));
    expect(r.sent).toEqual([]);
    r.session.started();
    r.session.onRtp(0, rtp(4));
    expect(r.sent).toEqual([2, 3, 4]);
  });
});

describe('RTSP methods against the session state', () => {
  it('PLAY before SETUP (no session) is 454 and the source is not asked', async () => {
    const r = rig();
    expect((await send(r, 'PLAY')).status).toBe(454);
    expect(r.src.calls).toEqual([]);
  });

  it('PAUSE while ready is 455 and the source is not asked', async () => {
    const r = rig();
    const reply = await send(r, 'PAUSE', inSession(r));
    expect(reply.status).toBe(455);
    expect(reply.headers?.['X-Seamd-Reason']).toBe('PAUSE not valid while ready');
    expect(r.src.calls).toEqual([]);
    expect(r.session.state).toBe('ready');
  });

  it('PLAY after TEARDOWN is 454: the session is gone', async () => {
    const r = rig();
    expect((await send(r, 'PLAY', inSession(r))).status).toBe(200);
    expect((await send(r, 'TEARDOWN', inSession(r))).status).toBe(200);
    expect(r.session.state).toBe('closed');
    expect((await send(r, 'PLAY', inSession(r))).status).toBe(454);
    expect(r.src.calls).toEqual(['PLAY']);
  });

  it('PLAY, PAUSE, PLAY: each state changes once the source answered', async () => {
    const r = rig();
    expect((await send(r, 'PLAY', inSession(r))).status).toBe(200);
    expect(r.session.state).toBe('playing');
    expect((await send(r, 'PAUSE', inSession(r))).status).toBe(200);
    expect(r.session.state).toBe('paused');
    expect((await send(r, 'PAUSE', inSession(r))).status).toBe(200);
    expect((await send(r, 'PLAY', inSession(r))).status).toBe(200);
    expect(r.session.state).toBe('playing');
    expect(r.src.calls).toEqual(['PLAY', 'PAUSE', 'PAUSE', 'PLAY']);
  });

  it('a failed upstream PAUSE answers the origin error and the session keeps playing', async () => {
    const r = rig();
    await send(r, 'PLAY', inSession(r));
    r.src.failPause = new UpstreamError('UPSTREAM_STATUS', 'PAUSE x: origin answered 500', {
      status: 500,
    });
    const reply = await send(r, 'PAUSE', inSession(r));
    expect(reply.status).toBe(502);
    expect(r.session.state).toBe('playing');
    r.session.onRtp(0, rtp(7));
    expect(r.sent).toEqual([7]); // media still reaches the viewer
    // The origin timing out is a 504, from the same table.
    r.src.failPause = new UpstreamError('UPSTREAM_TIMEOUT', 'PAUSE x: no answer');
    expect((await send(r, 'PAUSE', inSession(r))).status).toBe(504);
    expect(r.session.state).toBe('playing');
  });

  it('a failed PLAY from paused leaves it paused (a later PAUSE is not a 455)', async () => {
    const r = rig();
    await send(r, 'PLAY', inSession(r));
    await send(r, 'PAUSE', inSession(r));
    r.src.failPlay = new UpstreamError('UPSTREAM_STATUS', 'PLAY x: origin answered 457', {
      status: 457,
    });
    expect((await send(r, 'PLAY', inSession(r))).status).toBe(502);
    expect(r.session.state).toBe('paused');
    r.src.failPlay = undefined;
    expect((await send(r, 'PAUSE', inSession(r))).status).toBe(200);
  });

  it('a failed seek while playing keeps the viewer playing (media not cut off)', async () => {
    const r = rig();
    await send(r, 'PLAY', inSession(r));
    r.src.failPlay = new UpstreamError('UPSTREAM_STATUS', 'PLAY x: origin answered 457', {
      status: 457,
    });
    expect((await send(r, 'PLAY', { ...inSession(r), Range: 'npt=99-' })).status).toBe(502);
    expect(r.session.state).toBe('playing');
    r.session.onRtp(0, rtp(9));
    expect(r.sent).toEqual([9]);
  });

  it('a PLAY the source cannot start for a reason of its own is answered from the table', async () => {
    const r = rig();
    r.src.failPlay = new RuntimeError('PORT_ALLOC', 'no UDP port pair free');
    const reply = await send(r, 'PLAY', inSession(r));
    expect(reply.status).toBe(503);
    expect(r.session.state).toBe('ready');
    expect(r.lines.map((l) => l.event)).toEqual(['request.failed']);
    expect(r.lines[0]).toMatchObject({ code: 'PORT_ALLOC', status: 503, conn: 'c1' });
  });
});

describe('DESCRIBE failures that are not the origin failing', () => {
  function describeRig(acquire: () => Promise<MediaSource>): Rig {
    const r = rig();
    const resolution: Resolution = {
      ok: true,
      kind: 'path',
      viewerBase: BASE,
      origin: 'rtsp://origin.test/cam',
      mirrors: [],
      transport: 'auto',
      seam: {} as Extract<Resolution, { ok: true }>['seam'],
      pathName: 'cam',
      fastStart: true,
    };
    Object.assign(r.front, {
      resolve: () => Promise.resolve(resolution),
      registry: { acquire } as unknown as SourceRegistry,
    });
    return r;
  }

  it('a telemetry refusal is 503 and logged as upstream.refused, not as an origin error', async () => {
    const refusal = new RuntimeError(
      'UPSTREAM_NOT_ALLOWED',
      'no upstream session allowed (rule lossy) and no recording of rtsp://origin.test/cam',
    );
    const r = describeRig(() => Promise.reject(refusal));
    const reply = await send(r, 'DESCRIBE');
    expect(reply.status).toBe(503);
    expect(reply.headers?.['X-Seamd-Reason']).toBe('no upstream session allowed and no recording');
    expect(r.lines.map((l) => l.event)).toEqual(['upstream.refused']);
  });

  it('a viewer leaving during DESCRIBE releases the source and logs request.abandoned', async () => {
    const r = describeRig(() => {
      Object.assign(r.conn, { isClosed: true });
      return Promise.resolve(r.src.source);
    });
    await send(r, 'DESCRIBE');
    expect(r.src.released).toBe(1);
    expect(r.conn.described.size).toBe(0);
    expect(r.lines.map((l) => l.event)).toEqual(['request.abandoned']);
    expect(r.lines[0]).toMatchObject({ conn: 'c1', method: 'DESCRIBE' });
  });

  it('the origin failing is still upstream.error, with the status from the table', async () => {
    const r = describeRig(() =>
      Promise.reject(
        new UpstreamError('UPSTREAM_STATUS', 'DESCRIBE x: origin answered 404', { status: 404 }),
      ),
    );
    const reply = await send(r, 'DESCRIBE');
    expect(reply.status).toBe(404);
    expect(r.lines.map((l) => l.event)).toEqual(['upstream.error']);
  });

  it('seamd stopping is 503 (it was a 502 "bad gateway")', async () => {
    const r = describeRig(() => Promise.reject(new RuntimeError('STOPPING', 'seamd is stopping')));
    expect((await send(r, 'DESCRIBE')).status).toBe(503);
    expect(r.lines.map((l) => l.event)).toEqual(['request.failed']);
  });
});

describe('FrontEnd session expiry (fake clock)', () => {
  function front(clock: FakeClock): { front: FrontEnd; lines: Line[] } {
    const { log, lines } = capture();
    const fe = new FrontEnd(
      frontOptions({ log, maxConnections: 10, maxConnectionsPerAddress: 10, clock }),
    );
    return { front: fe, lines };
  }

  function session(clock: FakeClock, kind: 'udp' | 'tcp'): { s: ViewerSession; src: FakeSource } {
    const src = fakeSource();
    const out = {
      sendFrame: () => true,
      sendUdpRtp: () => undefined,
      sendUdpRtcp: () => undefined,
    };
    const s = new ViewerSession('c1', '127.0.0.1', src.source, BASE, out, clock);
    s.tracks.set(
      0,
      kind === 'udp'
        ? { kind: 'udp', address: '127.0.0.1', rtpPort: 5000, rtcpPort: 5001 }
        : { kind: 'tcp', rtpChannel: 0, rtcpChannel: 1 },
    );
    return { s, src };
  }

  const conn = () => ({ id: 'c1', sessions: new Map() }) as unknown as ViewerConnection;

  it('a UDP session with no keepalive expires after the timeout, not before', () => {
    const clock = new FakeClock();
    const { front: fe, lines } = front(clock);
    const { s, src } = session(clock, 'udp');
    fe.addSession(conn(), s);
    clock.advance(59_000);
    expect(fe.viewerSessions.size).toBe(1);
    clock.advance(2_000);
    expect(fe.viewerSessions.size).toBe(0);
    expect(s.state).toBe('closed');
    expect(src.released).toBe(1);
    const timeout = lines.find((l) => l.event === 'viewer.timeout');
    expect(timeout).toMatchObject({ viewer: s.id, conn: 'c1', reason: 'timeout', seconds: 61 });
    expect(clock.pending).toBe(0); // no sessions: the expiry check stops
  });

  it('a keepalive (touch) pushes expiry back; a TCP session never expires', () => {
    const clock = new FakeClock();
    const { front: fe } = front(clock);
    const udp = session(clock, 'udp').s;
    const tcp = session(clock, 'tcp').s;
    fe.addSession(conn(), udp);
    fe.addSession(conn(), tcp);
    clock.advance(50_000);
    udp.touch();
    clock.advance(50_000);
    expect(udp.state).not.toBe('closed');
    clock.advance(11_000);
    expect(udp.state).toBe('closed');
    clock.advance(3_600_000);
    expect(tcp.state).toBe('ready');
    expect(fe.viewerSessions.size).toBe(1);
  });
});
