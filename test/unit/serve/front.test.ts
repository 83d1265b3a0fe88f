/**
 * FrontEnd: Request-URIs with an empty host (the DNS step must not hand `null` on), and the
 * connection timeouts over a real TCP socket (small timeouts, real timers).
 */
import { SelfHosts } from '../../../src/serve/self.js';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Allowlist } from '../../../src/serve/allowlist.js';
import { defaultConfig } from '../../../src/daemon/config.js';
import type { ViewerConnection } from '../../../src/serve/connection.js';
import { lookupWithin } from '../../../src/serve/dns.js';
import { FrontEnd, type FrontOptions } from '../../../src/serve/front.js';
import { frontOptions } from './front-options.js';

const SEAM = defaultConfig().seam;

function options(over: Partial<FrontOptions> = {}): FrontOptions {
  return frontOptions({
    maxConnections: 100,
    resolveContext: {
      paths: new Map(),
      allow: new Allowlist(['origin.example', '10.0.0.0/8']),
      selfHosts: new SelfHosts().add('127.0.0.1', 8554),
      defaultTransport: 'auto',
      defaultSeam: SEAM,
    },
    ...over,
  });
}

const conn = { id: 'c0', remoteAddress: '127.0.0.1' } as ViewerConnection;

describe('FrontEnd.resolve: empty host names', () => {
  it.each(['rtsp:///cam1', 'rtsp://', 'rtsp:foo', 'rtsp:/cam1', 'rtsp://@/x'])(
    '%s is refused, not a TypeError (node DNS answers null for "")',
    async (uri) => {
      // Real DNS: for an empty name node answers { address: null } without asking anyone.
      const front = new FrontEnd(options());
      await expect(front.resolve(uri, conn)).resolves.toMatchObject({ ok: false });
    },
  );

  it('lookupWithin turns a null or empty address into "no answer"', async () => {
    const dns = (a: string | null) => () => Promise.resolve({ address: a });
    await expect(lookupWithin('x.example', 100, dns(null))).resolves.toBeUndefined();
    await expect(lookupWithin('x.example', 100, dns(''))).resolves.toBeUndefined();
    await expect(lookupWithin('x.example', 100, dns('10.0.0.1'))).resolves.toBe('10.0.0.1');
    await expect(lookupWithin('', 100)).resolves.toBeUndefined();
  });
});

describe('FrontEnd over TCP: request and idle timeouts', () => {
  let front: FrontEnd | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await front?.stop();
    front = undefined;
  });

  async function open(
    port: number,
  ): Promise<{ socket: Socket; data: () => string; closed: Promise<number> }> {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.on('data', (b: Buffer) => (text += b.toString('latin1')));
    socket.on('error', () => undefined);
    const t0 = Date.now();
    const closed = new Promise<number>((resolve) =>
      socket.on('close', () => resolve(Date.now() - t0)),
    );
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return { socket, data: () => text, closed };
  }

  it('half a request gets 408 and the connection is closed; the address slot comes back', async () => {
    front = new FrontEnd(
      options({ requestTimeoutSec: 0.3, idleTimeoutSec: 30, maxConnectionsPerAddress: 2 }),
    );
    const { rtsp } = await front.start();
    const halves = [await open(rtsp.port), await open(rtsp.port)];
    for (const h of halves) h.socket.write('OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 1\r\n');
    // Both slots of the address are held: a third connection is refused.
    const third = await open(rtsp.port);
    await third.closed;
    expect(third.data()).toMatch(/^RTSP\/1\.0 503 /);
    for (const h of halves) {
      const ms = await h.closed;
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(5000);
      expect(h.data()).toMatch(/^RTSP\/1\.0 408 Request Timeout\r\n/);
    }
    // The slots are free again.
    const next = await open(rtsp.port);
    next.socket.write('OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 2\r\n\r\n');
    await expect.poll(() => next.data(), { timeout: 3000 }).toMatch(/^RTSP\/1\.0 200 OK\r\n/);
  });

  it('a connection that sends nothing is closed after the idle timeout', async () => {
    front = new FrontEnd(options({ requestTimeoutSec: 10, idleTimeoutSec: 0.4 }));
    const { rtsp } = await front.start();
    const idle = await open(rtsp.port);
    const ms = await idle.closed;
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(5000);
    expect(idle.data()).toBe('');
  });
});
