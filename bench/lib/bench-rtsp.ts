/**
 * What the benches' fake live origins share: the SDP of a one-track H.264 live channel, an
 * even/odd UDP port pair, a minimal RTSP reply writer and a TCP server that parses requests
 * and hands each one to the bench's handler (origin-child.ts, channels-child.ts).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { RtspParser } from '../../src/protocol/rtsp/parser.js';
import type { RtspRequest } from '../../src/protocol/rtsp/message.js';

/** The SDP of a live one-track H.264 channel (`a=range:npt=now-`, control trackID=0). */
export function liveH264Sdp(name: string): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    `s=${name}`,
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=range:npt=now-',
    'a=control:*',
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=fmtp:96 packetization-mode=1',
    'a=control:trackID=0',
    '',
  ].join('\r\n');
}

function bindUdp(port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      s.on('message', () => undefined); // receiver reports are not read
      resolve(s);
    });
  });
}

/** An even port and its odd neighbour (server_port), the OS choosing. */
export async function bindPair(): Promise<[UdpSocket, UdpSocket]> {
  for (let i = 0; i < 64; i++) {
    const rtp = await bindUdp(0);
    const port = rtp.address().port;
    if (port % 2 === 0) {
      try {
        return [rtp, await bindUdp(port + 1)];
      } catch {
        // odd neighbour taken
      }
    }
    rtp.close();
  }
  throw new Error('no even/odd UDP pair');
}

export function respond(
  sock: Socket,
  req: RtspRequest,
  status: number,
  headers: readonly string[],
  body = '',
): void {
  const lines = [`RTSP/1.0 ${status} ${status === 200 ? 'OK' : 'Error'}`];
  lines.push(`CSeq: ${req.headers.get('CSeq') ?? '0'}`, ...headers);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  sock.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** One connection's request handler: `base` is the URI without `/trackID=N` or a trailing `/`. */
export type RequestHandler = (sock: Socket, req: RtspRequest, base: string) => void;

export interface RtspBenchServer {
  readonly server: Server;
  readonly port: number;
  /** Drops every open connection. */
  dropAll(): void;
}

/**
 * An RTSP server on 127.0.0.1 (OS-chosen port); `connection()` makes the handler of each new
 * connection (its per-session state lives there). Unparseable input closes the connection.
 */
export async function serveRtsp(connection: () => RequestHandler): Promise<RtspBenchServer> {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    const parser = new RtspParser();
    const handle = connection();
    sock.on('data', (chunk: Buffer) => {
      let msgs;
      try {
        msgs = parser.push(chunk);
      } catch {
        sock.destroy();
        return;
      }
      for (const m of msgs) {
        if (m.kind !== 'request') continue;
        handle(sock, m, m.uri.replace(/\/trackID=\d+$/, '').replace(/\/$/, ''));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : 0,
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
  };
}
