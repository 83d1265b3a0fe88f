/**
 * ViewerConnection answers: a reason that quotes the request (control characters and all) must
 * not stop the answer from being written, nor the requests behind it.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RTSP_LIMITS } from '../../../src/protocol/rtsp/message.js';
import { ViewerConnection, type Reply } from '../../../src/serve/connection.js';
import { FakeClock } from './fake-clock.js';
import { FakeSocket } from './request-fuzz.js';

function connection(
  handle: () => Reply,
  logs: string[] = [],
): { socket: FakeSocket; conn: ViewerConnection } {
  const socket = new FakeSocket('10.1.2.3');
  const conn = new ViewerConnection(socket.asSocket(), {
    log: pino({ level: 'error' }, { write: (line: string) => void logs.push(line) }),
    limits: DEFAULT_RTSP_LIMITS,
    serverHeader: 'test',
    clock: new FakeClock(),
    requestTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
    handle: () => Promise.resolve(handle()),
    sendUdpRtp: () => undefined,
    sendUdpRtcp: () => undefined,
    onInterleaved: () => undefined,
    onClose: () => undefined,
  });
  return { socket, conn };
}

const OPTIONS = (n: number): Buffer =>
  Buffer.from(`OPTIONS rtsp://seamd/x RTSP/1.0\r\nCSeq: ${n}\r\n\r\n`, 'latin1');

describe('ViewerConnection answers', () => {
  it('a reason with control characters (decoded from the URI) is escaped, not fatal', async () => {
    let n = 0;
    const { socket, conn } = connection(() =>
      n++ === 0
        ? { status: 404, headers: { 'X-Seamd-Reason': 'no path named "\u0000cam1\r\nX: y"' } }
        : { status: 200 },
    );
    socket.emit('data', Buffer.concat([OPTIONS(1), OPTIONS(2)]));
    await expect(conn.settled()).resolves.toBeUndefined();
    expect(socket.statuses).toEqual([404, 200]);
    expect(socket.badOutput).toBeUndefined();
    expect(conn.isClosed).toBe(false);
  });

  it('an answer that cannot be written ends the connection (logged), it does not reject', async () => {
    const logs: string[] = [];
    const { socket, conn } = connection(
      () => ({ status: 200, headers: { Transport: 'RTP/AVP\r\nX: injected' } }),
      logs,
    );
    socket.emit('data', OPTIONS(1));
    await expect(conn.settled()).resolves.toBeUndefined();
    expect(socket.statuses).toEqual([]);
    expect(conn.isClosed).toBe(true);
    expect(logs.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['request.error']);
  });
});
