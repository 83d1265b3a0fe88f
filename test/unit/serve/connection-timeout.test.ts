/**
 * The connection's request (header) timeout and idle timeout, driven by a fake clock: no test
 * here waits for real time.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RTSP_LIMITS, type RtspRequest } from '../../../src/protocol/rtsp/message.js';
import {
  ViewerConnection,
  type ConnectionHooks,
  type Reply,
} from '../../../src/serve/connection.js';
import type { ViewerSession } from '../../../src/serve/viewer.js';
import { FakeClock } from './fake-clock.js';
import { FakeSocket } from './request-fuzz.js';

interface Rig {
  clock: FakeClock;
  socket: FakeSocket;
  conn: ViewerConnection;
  logs: Array<Record<string, unknown>>;
  closed: () => boolean;
  /** Resolves the handler's pending answers (when `hold` is set). */
  release: () => void;
}

function rig(opts: { hold?: boolean } = {}): Rig {
  const clock = new FakeClock();
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  let onCloseCalled = false;
  const waiting: Array<() => void> = [];
  const hooks: ConnectionHooks = {
    log,
    limits: DEFAULT_RTSP_LIMITS,
    serverHeader: 'test',
    clock,
    requestTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    handle: (_c, _req: RtspRequest): Promise<Reply> =>
      opts.hold
        ? new Promise((resolve) => waiting.push(() => resolve({ status: 200 })))
        : Promise.resolve({ status: 200 }),
    sendUdpRtp: () => undefined,
    sendUdpRtcp: () => undefined,
    onInterleaved: () => undefined,
    onClose: () => {
      onCloseCalled = true;
    },
  };
  const socket = new FakeSocket('10.1.2.3', 41000);
  const conn = new ViewerConnection(socket.asSocket(), hooks);
  return {
    clock,
    socket,
    conn,
    logs,
    closed: () => onCloseCalled && conn.isClosed,
    release: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

const OPTIONS = 'OPTIONS rtsp://seamd/cam1 RTSP/1.0\r\nCSeq: 1\r\n\r\n';
const send = (r: Rig, text: string): boolean => r.socket.emit('data', Buffer.from(text, 'latin1'));
const timeouts = (r: Rig): Array<Record<string, unknown>> =>
  r.logs.filter((l) => l.event === 'conn.timeout');

describe('request (header) timeout', () => {
  it('half a request: 408 and closed when the request timeout runs out, logged with the peer', async () => {
    const r = rig();
    send(r, 'OPTIONS rtsp://seamd/cam1 RTSP/1.0\r\nCSeq: 1\r\n');
    r.clock.advance(9_999);
    expect(r.closed()).toBe(false);
    r.clock.advance(1);
    await r.conn.settled();
    expect(r.socket.statuses).toEqual([408]);
    expect(r.closed()).toBe(true);
    expect(timeouts(r)).toEqual([
      expect.objectContaining({
        event: 'conn.timeout',
        reason: 'header',
        remote: '10.1.2.3',
        port: 41000,
      }),
    ]);
    // The 408 is flushed (end), and a peer that does not close is cut off a second later.
    expect(r.socket.destroyed).toBe(false);
    r.clock.advance(1_000);
    expect(r.socket.destroyed).toBe(true);
    expect(r.clock.pending).toBe(0);
  });

  it('is not reset by a peer trickling bytes', () => {
    const r = rig();
    const text = 'OPTIONS rtsp://seamd/cam1 RTSP/1.0\r\nCSeq: 1\r\n';
    for (let i = 0; i < 4; i++) {
      send(r, text.slice(i * 3, i * 3 + 3));
      r.clock.advance(3_000);
    }
    expect(r.closed()).toBe(true);
    expect(timeouts(r)[0]).toMatchObject({ reason: 'header' });
  });

  it('a request completed in time is answered and the timer stops', async () => {
    const r = rig();
    send(r, OPTIONS.slice(0, 20));
    r.clock.advance(9_000);
    send(r, OPTIONS.slice(20));
    await r.conn.settled();
    r.clock.advance(5_000);
    expect(r.closed()).toBe(false);
    expect(r.socket.statuses).toEqual([200]);
  });

  it('half an interleaved frame counts too', () => {
    const r = rig();
    send(r, '$\x00\x01\x00abc');
    r.clock.advance(10_000);
    expect(r.closed()).toBe(true);
    expect(timeouts(r)[0]).toMatchObject({ reason: 'header' });
  });
});

describe('idle timeout', () => {
  it('a connection that never sends anything is closed after the idle timeout', () => {
    const r = rig();
    r.clock.advance(59_999);
    expect(r.closed()).toBe(false);
    r.clock.advance(1);
    expect(r.closed()).toBe(true);
    expect(r.socket.statuses).toEqual([]);
    expect(timeouts(r)).toEqual([
      expect.objectContaining({ reason: 'idle', remote: '10.1.2.3', port: 41000 }),
    ]);
    r.clock.advance(1_000);
    expect(r.socket.destroyed).toBe(true);
    expect(r.clock.pending).toBe(0);
  });

  it('each request starts the idle time again', async () => {
    const r = rig();
    for (let i = 0; i < 3; i++) {
      r.clock.advance(50_000);
      send(r, OPTIONS);
      await r.conn.settled();
    }
    expect(r.closed()).toBe(false);
    r.clock.advance(60_000);
    expect(r.closed()).toBe(true);
  });

  it('a request still being answered is not idle', async () => {
    const r = rig({ hold: true });
    send(r, OPTIONS);
    await new Promise(setImmediate); // the handler has the request
    r.clock.advance(120_000);
    expect(r.closed()).toBe(false);
    r.release();
    await r.conn.settled();
    expect(r.socket.statuses).toEqual([200]);
    r.clock.advance(60_000);
    expect(r.closed()).toBe(true);
  });

  it('a connection with a session is not idle; it is once the session ends', () => {
    const r = rig();
    r.conn.sessions.set('s1', {} as ViewerSession);
    r.conn.refreshIdle();
    r.clock.advance(600_000);
    expect(r.closed()).toBe(false);
    r.conn.sessions.delete('s1');
    r.conn.refreshIdle();
    r.clock.advance(60_000);
    expect(r.closed()).toBe(true);
    expect(timeouts(r)[0]).toMatchObject({ reason: 'idle' });
  });
});

describe('closing after a malformed request', () => {
  it('does not wait for the peer to close: the slot is given back at once', async () => {
    const r = rig();
    send(r, 'OPTIONS rtsp://seamd/cam1 RTSP/9.9\r\nCSeq: 1\r\n\r\n');
    await r.conn.settled();
    expect(r.socket.statuses).toEqual([505]);
    expect(r.closed()).toBe(true);
  });
});
