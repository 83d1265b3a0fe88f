import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { RtspClientConnection, type RtspClientOptions } from '../../../src/upstream/rtsp-client.js';
import { UpstreamError } from '../../../src/errors.js';
import { freeTcpPort } from '../../helpers/ports.js';
import { startFakeServer, type FakeServer, type Handler } from '../../helpers/fake-origin.js';
import { rejection } from '../../helpers/expect-code.js';

const OPTS: RtspClientOptions = {
  connectTimeoutMs: 1000,
  requestTimeoutMs: 1000,
  userAgent: 'seamd-test/1',
};

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

let server: FakeServer | undefined;
let client: RtspClientConnection | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

async function setup(
  handler: Handler,
  url?: (s: FakeServer) => string,
  opts: Partial<RtspClientOptions> = {},
) {
  server = await startFakeServer(handler);
  client = await RtspClientConnection.connect(url ? url(server) : server.url(), {
    ...OPTS,
    ...opts,
  });
  return { server, client };
}

/** Digest params of an Authorization header value. */
function digestParams(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (value ?? '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) {
    out[m[1] ?? ''] = m[2] ?? m[3] ?? '';
  }
  return out;
}

describe('RtspClientConnection', () => {
  it('numbers requests with increasing CSeq and sends User-Agent and the Session once known', async () => {
    const { server, client } = await setup((req, conn) => {
      if (req.method === 'SETUP') conn.reply(req, 200, { Session: 'abc123;timeout=30' });
      else conn.reply(req, 200);
    });
    await client.request('OPTIONS', server.url());
    await client.request('SETUP', `${server.url()}/stream=0`, {
      Transport: 'RTP/AVP/TCP;interleaved=0-1',
    });
    await client.request('PLAY', server.url(), { Range: 'npt=0-' });
    const reqs = server.requests;
    expect(reqs.map((r) => r.method)).toEqual(['OPTIONS', 'SETUP', 'PLAY']);
    expect(reqs.map((r) => Number(r.headers.get('CSeq')))).toEqual([1, 2, 3]);
    expect(reqs.every((r) => r.headers.get('User-Agent') === 'seamd-test/1')).toBe(true);
    expect(reqs[0]?.headers.get('Session')).toBeUndefined();
    expect(reqs[1]?.headers.get('Session')).toBeUndefined();
    expect(reqs[2]?.headers.get('Session')).toBe('abc123');
    expect(reqs[2]?.headers.get('Range')).toBe('npt=0-');
    expect(client.sessionId).toBe('abc123');
    expect(client.sessionTimeout).toBe(30);
  });

  it('keeps one request in flight and queues the others', async () => {
    const pending: Array<() => void> = [];
    const { server, client } = await setup((req, conn) => {
      pending.push(() => conn.reply(req, 200, { 'X-Method': req.method }));
    });
    const all = Promise.all(
      ['OPTIONS', 'DESCRIBE', 'GET_PARAMETER'].map((m) => client.request(m, server.url())),
    );
    await server.waitRequests(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests).toHaveLength(1); // the others wait for the answer
    pending.shift()?.();
    await server.waitRequests(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests).toHaveLength(2);
    pending.shift()?.();
    await server.waitRequests(3);
    pending.shift()?.();
    const res = await all;
    expect(res.map((r) => r.headers.get('X-Method'))).toEqual([
      'OPTIONS',
      'DESCRIBE',
      'GET_PARAMETER',
    ]);
    expect(res.map((r) => r.headers.get('CSeq'))).toEqual(['1', '2', '3']);
  });

  it('times out a request, ignores its late answer and goes on with the next', async () => {
    const { server, client } = await setup(
      (req, conn) => {
        if (req.method === 'DESCRIBE')
          setTimeout(() => conn.reply(req, 200, { 'X-Late': '1' }), 300);
        else conn.reply(req, 200);
      },
      undefined,
      { requestTimeoutMs: 150 },
    );
    const err = await rejection(client.request('DESCRIBE', server.url()));
    expect(err.code).toBe('UPSTREAM_TIMEOUT');
    expect(err.message).toContain('DESCRIBE');
    await new Promise((r) => setTimeout(r, 250)); // the late answer (CSeq 1) arrives meanwhile
    const res = await client.request('OPTIONS', server.url());
    expect(res.headers.get('CSeq')).toBe('2');
    expect(res.headers.get('X-Late')).toBeUndefined();
    expect(client.closed).toBe(false);
  });

  it('rejects in-flight and queued requests with UPSTREAM_CLOSED when the server closes', async () => {
    const { server, client } = await setup((req, conn) => {
      if (req.method === 'PLAY') conn.socket.destroy();
      else conn.reply(req, 200);
    });
    let closeReason: Error | undefined;
    const closed = new Promise<void>((resolve) =>
      client.once('close', (r) => {
        closeReason = r;
        resolve();
      }),
    );
    const play = client.request('PLAY', server.url());
    const queued = client.request('PAUSE', server.url());
    const [e1, e2] = await Promise.all([rejection(play), rejection(queued)]);
    expect(e1.code).toBe('UPSTREAM_CLOSED');
    expect(e2.code).toBe('UPSTREAM_CLOSED');
    await closed;
    expect((closeReason as UpstreamError).code).toBe('UPSTREAM_CLOSED');
    expect(client.closed).toBe(true);
    expect((await rejection(client.request('OPTIONS', server.url()))).code).toBe('UPSTREAM_CLOSED');
  });

  it('retries once with Basic when that is the only challenge (percent-decoded userinfo)', async () => {
    const { server, client } = await setup(
      (req, conn) => {
        if (req.headers.has('Authorization')) conn.reply(req, 200);
        else conn.reply(req, 401, { 'WWW-Authenticate': 'Basic realm="cam"' });
      },
      (s) => `rtsp://se%40md:p%3Ass@127.0.0.1:${s.port}/stream`,
    );
    const res = await client.request('OPTIONS', server.url());
    expect(res.status).toBe(200);
    const auth = server.requests[1]?.headers.get('Authorization');
    expect(auth).toBe(`Basic ${Buffer.from('se@md:p:ss').toString('base64')}`);
  });

  it('retries with Digest after a 401, recomputed per method and URI, userinfo stripped', async () => {
    const realm = 'GStreamer RTSP Server';
    const nonce = 'f0e1d2c3b4a5';
    const { server, client } = await setup(
      (req, conn) => {
        if (!req.headers.has('Authorization')) {
          // two challenge headers, as servers offering both schemes send them: Digest wins
          conn.socket.write(
            `RTSP/1.0 401 Unauthorized\r\nCSeq: ${req.headers.get('CSeq')}\r\n` +
              `WWW-Authenticate: Basic realm="${realm}"\r\n` +
              `WWW-Authenticate: Digest realm="${realm}", nonce="${nonce}"\r\n\r\n`,
          );
          return;
        }
        conn.reply(req, 200);
      },
      (s) => `rtsp://se%40md:p%3Ass@127.0.0.1:${s.port}/stream`,
    );
    await client.request('DESCRIBE', `rtsp://se%40md:p%3Ass@127.0.0.1:${server.port}/stream`);
    await client.request('SETUP', `${server.url()}/stream=0`);
    const reqs = server.requests;
    expect(reqs.map((r) => r.method)).toEqual(['DESCRIBE', 'DESCRIBE', 'SETUP']);
    expect(reqs.map((r) => r.uri)).toEqual([
      server.url(),
      server.url(),
      `${server.url()}/stream=0`,
    ]);
    expect(reqs.map((r) => r.headers.get('CSeq'))).toEqual(['1', '2', '3']);
    const ha1 = md5(`se@md:${realm}:p:ss`);
    for (const r of reqs.slice(1)) {
      const value = r.headers.get('Authorization') ?? '';
      expect(value.startsWith('Digest ')).toBe(true);
      const p = digestParams(value);
      expect(p.username).toBe('se@md');
      expect(p.realm).toBe(realm);
      expect(p.nonce).toBe(nonce);
      expect(p.uri).toBe(r.uri);
      expect(p.response).toBe(md5(`${ha1}:${nonce}:${md5(`${r.method}:${r.uri}`)}`));
    }
  });

  it('supports qop=auth with an increasing nonce count', async () => {
    const realm = 'r';
    const nonce = 'n0nce';
    const { server, client } = await setup(
      (req, conn) => {
        if (!req.headers.has('Authorization')) {
          conn.reply(req, 401, {
            'WWW-Authenticate': `Digest realm="${realm}", nonce="${nonce}", qop="auth", opaque="op"`,
          });
        } else conn.reply(req, 200);
      },
      undefined,
      { credentials: { username: 'u', password: 'pw' } },
    );
    await client.request('OPTIONS', server.url());
    await client.request('GET_PARAMETER', server.url());
    const [first, second] = server.requests
      .slice(1)
      .map((r) => ({ r, p: digestParams(r.headers.get('Authorization')) }));
    for (const x of [first, second]) {
      if (!x) throw new Error('missing request');
      const { r, p } = x;
      const ha1 = md5(`u:${realm}:pw`);
      const ha2 = md5(`${r.method}:${r.uri}`);
      expect(p.qop).toBe('auth');
      expect(p.opaque).toBe('op');
      expect(p.response).toBe(md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`));
    }
    expect(first?.p.nc).toBe('00000001');
    expect(second?.p.nc).toBe('00000002');
  });

  it('fails with UPSTREAM_AUTH on a 401 after the retry, and without credentials', async () => {
    const { server, client } = await setup(
      (req, conn) => conn.reply(req, 401, { 'WWW-Authenticate': 'Digest realm="r", nonce="n"' }),
      undefined,
      { credentials: { username: 'u', password: 'wrong' } },
    );
    const err = await rejection(client.request('DESCRIBE', server.url()));
    expect(err.code).toBe('UPSTREAM_AUTH');
    expect(err.status).toBe(401);
    expect(server.requests).toHaveLength(2); // one retry only

    const other = await RtspClientConnection.connect(server.url(), OPTS);
    try {
      const err2 = await rejection(other.request('DESCRIBE', server.url()));
      expect(err2.code).toBe('UPSTREAM_AUTH');
      expect(err2.status).toBe(401);
      expect(server.requests).toHaveLength(3); // no retry without credentials
    } finally {
      other.close();
    }
  });

  it('emits interleaved frames that arrive between and around responses', async () => {
    const { server, client } = await setup((req, conn) => {
      const frame = (ch: number, text: string): Buffer => {
        const p = Buffer.from(text);
        const b = Buffer.alloc(4 + p.length);
        b[0] = 0x24;
        b[1] = ch;
        b.writeUInt16BE(p.length, 2);
        p.copy(b, 4);
        return b;
      };
      const bytes = Buffer.concat([
        frame(0, 'a'),
        conn.replyBytes(req, 200, {}, 'body!'),
        frame(1, 'bc'),
      ]);
      // split the bytes in awkward places
      conn.socket.write(bytes.subarray(0, 3));
      setTimeout(() => conn.socket.write(bytes.subarray(3, 20)), 10);
      setTimeout(() => conn.socket.write(bytes.subarray(20)), 20);
    });
    const frames: Array<[number, string]> = [];
    client.on('frame', (ch, p) => frames.push([ch, p.toString()]));
    const res = await client.request('PLAY', server.url());
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('body!');
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toEqual([
      [0, 'a'],
      [1, 'bc'],
    ]);
  });

  it('answers requests from the server: 200 for OPTIONS / GET_PARAMETER, 501 otherwise', async () => {
    const { server, client } = await setup((req, conn) => {
      conn.ask('OPTIONS', '*', 100);
      conn.ask('GET_PARAMETER', server?.url() ?? '', 101, { Session: 'xyz' });
      conn.ask('ANNOUNCE', server?.url() ?? '', 102);
      conn.reply(req, 200);
    });
    const seen: string[] = [];
    client.on('request', (r) => seen.push(r.method));
    await client.request('OPTIONS', server.url());
    await new Promise((r) => setTimeout(r, 100));
    const conn = server.conns[0];
    expect(seen).toEqual(['OPTIONS', 'GET_PARAMETER', 'ANNOUNCE']);
    expect(conn?.responses.map((r) => [r.status, r.headers.get('CSeq')])).toEqual([
      [200, '100'],
      [200, '101'],
      [501, '102'],
    ]);
    expect(conn?.responses[1]?.headers.get('Session')).toBe('xyz');
  });

  it('sends interleaved frames', async () => {
    const { server, client } = await setup((req, conn) => conn.reply(req, 200));
    expect(client.sendFrame(3, Buffer.from('rtcp'))).toBe(true);
    await client.request('OPTIONS', server.url());
    expect(server.conns[0]?.frames.map((f) => [f.channel, f.payload.toString()])).toEqual([
      [3, 'rtcp'],
    ]);
    client.close();
    expect(client.sendFrame(3, Buffer.from('x'))).toBe(false);
  });

  it('reports UPSTREAM_CONNECT when nobody listens and UPSTREAM_TIMEOUT when connect hangs', async () => {
    const port = await freeTcpPort();
    const refused = await rejection(
      RtspClientConnection.connect(`rtsp://127.0.0.1:${port}/x`, OPTS),
    );
    expect(refused.code).toBe('UPSTREAM_CONNECT');
    const hanging = await rejection(
      RtspClientConnection.connect('rtsp://192.0.2.1/x', {
        ...OPTS,
        connectTimeoutMs: 100,
        socketFactory: () => new net.Socket(), // never connects
      }),
    );
    expect(hanging.code).toBe('UPSTREAM_TIMEOUT');
    const scheme = await rejection(RtspClientConnection.connect('http://127.0.0.1/x', OPTS));
    expect(scheme.code).toBe('UPSTREAM_CONNECT');
  });
});
