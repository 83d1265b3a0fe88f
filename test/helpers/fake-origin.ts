/**
 * A fake origin: a scripted RTSP server on loopback (no gst-rtsp-server involved). Each test
 * answers the requests itself through `handler`; RTP and RTCP go back as interleaved frames
 * (build them with ./rtp.ts).
 */
import * as net from 'node:net';
import { RtspHeaders, type RtspRequest } from '../../src/protocol/rtsp/message.js';
import { RtspParser } from '../../src/protocol/rtsp/parser.js';
import {
  serializeFrame,
  serializeRequest,
  serializeResponse,
} from '../../src/protocol/rtsp/serialize.js';

export interface FakeConn {
  readonly socket: net.Socket;
  /** Index of this connection (0 for the first accepted). */
  readonly index: number;
  /** Every request received on this connection, in order. */
  readonly requests: RtspRequest[];
  /** Responses the client sent to our server-initiated requests. */
  readonly responses: Array<{ status: number; headers: RtspHeaders }>;
  /** Interleaved frames the client sent. */
  readonly frames: Array<{ channel: number; payload: Buffer }>;
  reply(req: RtspRequest, status: number, headers?: Record<string, string>, body?: string): void;
  /** Bytes of a reply, to be written together with other bytes. */
  replyBytes(
    req: RtspRequest,
    status: number,
    headers?: Record<string, string>,
    body?: string,
  ): Buffer;
  frame(channel: number, payload: Buffer): void;
  /** Sends a request to the client. */
  ask(method: string, uri: string, cseq: number, headers?: Record<string, string>): void;
}

export type Handler = (req: RtspRequest, conn: FakeConn) => void | Promise<void>;

export interface FakeServer {
  port: number;
  url(path?: string): string;
  conns: FakeConn[];
  /** All requests of all connections, in arrival order. */
  requests: RtspRequest[];
  close(): Promise<void>;
  /** Resolves once `n` requests arrived in total. */
  waitRequests(n: number, timeoutMs?: number): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const conns: FakeConn[] = [];
  const requests: RtspRequest[] = [];
  const sockets = new Set<net.Socket>();
  const waiters: Array<() => void> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new RtspParser();
    const replyBytes: FakeConn['replyBytes'] = (req, status, headers = {}, body) => {
      const h = new RtspHeaders();
      const cseq = req.headers.get('CSeq');
      if (cseq !== undefined) h.set('CSeq', cseq);
      for (const [k, v] of Object.entries(headers)) h.append(k, v);
      return serializeResponse({
        status,
        headers: h,
        ...(body !== undefined ? { body: Buffer.from(body) } : {}),
      });
    };
    const conn: FakeConn = {
      socket,
      index: conns.length,
      requests: [],
      responses: [],
      frames: [],
      replyBytes,
      reply: (req, status, headers, body) => {
        if (!socket.destroyed) socket.write(replyBytes(req, status, headers, body));
      },
      frame: (channel, payload) => {
        if (!socket.destroyed) socket.write(serializeFrame(channel, payload));
      },
      ask: (method, uri, cseq, headers = {}) => {
        const h = new RtspHeaders({ CSeq: String(cseq), ...headers });
        socket.write(serializeRequest({ method, uri, headers: h }));
      },
    };
    conns.push(conn);
    socket.on('data', (chunk: Buffer) => {
      for (const msg of parser.push(chunk)) {
        if (msg.kind === 'frame') conn.frames.push({ channel: msg.channel, payload: msg.payload });
        else if (msg.kind === 'response') conn.responses.push(msg);
        else {
          conn.requests.push(msg);
          requests.push(msg);
          for (const w of waiters.splice(0)) w();
          void handler(msg, conn);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    url: (path = 'stream') => `rtsp://127.0.0.1:${port}/${path}`,
    conns,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
    waitRequests: async (n, timeoutMs = 5000) => {
      const until = Date.now() + timeoutMs;
      while (requests.length < n) {
        if (Date.now() > until) throw new Error(`only ${requests.length} of ${n} requests arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

/**
 * A minimal two-track SDP like gst-rtsp-server's (H.264 video, AAC audio). `sessionControl`
 * null: no session-level control attribute; `name` is the s= line, `range` the a=range value.
 */
export function twoTrackSdp(
  opts: { sessionControl?: string | null; name?: string; range?: string } = {},
): string {
  const control = opts.sessionControl === undefined ? '*' : opts.sessionControl;
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    `s=${opts.name ?? 'fake'}`,
    't=0 0',
    ...(control === null ? [] : [`a=control:${control}`]),
    `a=range:${opts.range ?? 'npt=now-5'}`,
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=control:stream=0',
    'm=audio 0 RTP/AVP 97',
    'a=rtpmap:97 MPEG4-GENERIC/44100/2',
    'a=control:stream=1',
    '',
  ].join('\r\n');
}
