/**
 * A small, independent RTSP player for tests: it speaks to seamd (or the origin) with the
 * project's pure parser/serializer but none of the upstream-leg code under test, and records
 * every RTP packet it receives per track, over TCP interleaved or UDP.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { RtspHeaders, type RtspResponse } from '../../src/protocol/rtsp/message.js';
import { RtspParser } from '../../src/protocol/rtsp/parser.js';
import { serializeRequest } from '../../src/protocol/rtsp/serialize.js';
import { freeEvenUdpPort } from './ports.js';

export class RawRtspClient {
  private readonly parser = new RtspParser();
  private cseq = 0;
  private waiting: ((r: RtspResponse) => void) | undefined;
  /** Responses that came before anyone waited (e.g. a 503 sent on accept). */
  private readonly unclaimed: RtspResponse[] = [];
  readonly frames: Array<{ channel: number; payload: Buffer; at: number }> = [];
  session: string | undefined;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const msg of this.parser.push(chunk)) {
        if (msg.kind === 'frame') {
          this.frames.push({ channel: msg.channel, payload: msg.payload, at: Date.now() });
        } else if (msg.kind === 'response') {
          const w = this.waiting;
          this.waiting = undefined;
          if (w) w(msg);
          else this.unclaimed.push(msg);
        }
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static connect(host: string, port: number): Promise<RawRtspClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(new RawRtspClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends raw bytes (for malformed-input tests) and waits for the next response. */
  sendRaw(bytes: Buffer | string, timeoutMs = 5000): Promise<RtspResponse | undefined> {
    return new Promise((resolve) => {
      const early = this.unclaimed.shift();
      if (early) {
        resolve(early);
        return;
      }
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.socket.write(bytes);
    });
  }

  async request(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
  ): Promise<RtspResponse> {
    const h = new RtspHeaders({
      CSeq: String(++this.cseq),
      'User-Agent': 'seamd-test',
      ...headers,
    });
    if (this.session && !h.has('Session')) h.set('Session', this.session);
    const res = await this.sendRaw(serializeRequest({ method, uri, headers: h }), 15000);
    if (!res) throw new Error(`${method} ${uri}: no response`);
    const session = res.headers.get('Session');
    if (session) this.session = session.split(';')[0]?.trim();
    return res;
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface PlayResult {
  describe: RtspResponse;
  play: RtspResponse;
  /** RTP packets per track, in arrival order. */
  rtp: Buffer[][];
  /** Arrival time (Date.now()) of each packet in `rtp`. */
  rtpAt: number[][];
  rtcp: Buffer[][];
  trackCount: number;
}

/**
 * DESCRIBE, SETUP every track, PLAY, then collect media until every track sent an RTCP BYE, the
 * stream went quiet for `idleMs`, or `maxMs` passed. `url` may name another host than the one
 * connected to (transparent mode).
 */
export async function playAll(
  connectTo: { host: string; port: number },
  url: string,
  transport: 'tcp' | 'udp',
  opts: {
    maxMs?: number;
    idleMs?: number;
    range?: string;
    /** More PLAY headers (Require, Rate-Control, ...). */
    playHeaders?: Record<string, string>;
  } = {},
): Promise<PlayResult> {
  const client = await RawRtspClient.connect(connectTo.host, connectTo.port);
  const udpSockets: UdpSocket[] = [];
  try {
    const describe = await client.request('DESCRIBE', url, { Accept: 'application/sdp' });
    if (describe.status !== 200) throw new Error(`DESCRIBE answered ${describe.status}`);
    const base = describe.headers.get('Content-Base') ?? `${url}/`;
    const sdp = describe.body.toString();
    const controls = [...sdp.matchAll(/^m=[\s\S]*?^a=control:(\S+)/gm)].map((m) => m[1] ?? '');
    const trackCount = controls.length;
    const rtp: Buffer[][] = controls.map(() => []);
    const rtpAt: number[][] = controls.map(() => []);
    const rtcp: Buffer[][] = controls.map(() => []);
    const byes = new Set<number>();
    let lastPacketAt = Date.now();
    for (let i = 0; i < trackCount; i++) {
      const control = controls[i] ?? '';
      const trackUrl = /^rtsp:/.test(control)
        ? control
        : `${base}${base.endsWith('/') ? '' : '/'}${control}`;
      let header: string;
      if (transport === 'tcp') {
        header = `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`;
      } else {
        const port = await freeEvenUdpPort();
        for (const [p, isRtcp] of [
          [port, false],
          [port + 1, true],
        ] as const) {
          const s = createSocket('udp4');
          await new Promise<void>((r) => s.bind(p, '127.0.0.1', () => r()));
          s.on('message', (msg) => {
            lastPacketAt = Date.now();
            if (isRtcp) {
              rtcp[i]?.push(msg);
              if (msg.length > 1 && hasBye(msg)) byes.add(i);
            } else {
              rtp[i]?.push(msg);
              rtpAt[i]?.push(Date.now());
            }
          });
          udpSockets.push(s);
        }
        header = `RTP/AVP;unicast;client_port=${port}-${port + 1}`;
      }
      const res = await client.request('SETUP', trackUrl, { Transport: header });
      if (res.status !== 200) throw new Error(`SETUP ${trackUrl} answered ${res.status}`);
    }
    const play = await client.request('PLAY', base, {
      ...(opts.range ? { Range: opts.range } : {}),
      ...opts.playHeaders,
    });
    if (play.status !== 200) throw new Error(`PLAY answered ${play.status}`);
    const started = Date.now();
    let seen = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        for (; seen < client.frames.length; seen++) {
          const f = client.frames[seen];
          if (!f) continue;
          lastPacketAt = f.at;
          const track = f.channel >> 1;
          if (f.channel % 2 === 1) {
            rtcp[track]?.push(f.payload);
            if (hasBye(f.payload)) byes.add(track);
          } else {
            rtp[track]?.push(f.payload);
            rtpAt[track]?.push(f.at);
          }
        }
        const now = Date.now();
        if (
          byes.size === trackCount ||
          client.closed ||
          now - started > (opts.maxMs ?? 20000) ||
          (opts.idleMs !== undefined && now - lastPacketAt > opts.idleMs)
        ) {
          clearInterval(tick);
          resolve();
        }
      }, 20);
    });
    if (!client.closed) await client.request('TEARDOWN', base).catch(() => undefined);
    return { describe, play, rtp, rtpAt, rtcp, trackCount };
  } finally {
    client.close();
    for (const s of udpSockets) s.close();
  }
}

/** Whether a compound RTCP packet holds a BYE (packet type 203). */
export function hasBye(buf: Buffer): boolean {
  let off = 0;
  while (off + 4 <= buf.length) {
    if (buf[off + 1] === 203) return true;
    off += (buf.readUInt16BE(off + 2) + 1) * 4;
  }
  return false;
}

/** RTP payload bytes (after header, CSRCs and extension). */
export function payloadOf(packet: Buffer): Buffer {
  const cc = (packet[0] ?? 0) & 0x0f;
  let off = 12 + 4 * cc;
  if (((packet[0] ?? 0) & 0x10) !== 0) off += 4 + 4 * packet.readUInt16BE(off + 2);
  return packet.subarray(off);
}

/**
 * A viewer that keeps a live source open (over TCP, so it needs no UDP port): DESCRIBE, SETUP of
 * tracks 0..tracks-1 and PLAY, each answered 200 or it throws. Close it in an afterAll.
 */
export async function keepPlaying(
  port: number,
  url: string,
  tracks: number,
): Promise<RawRtspClient> {
  const keeper = await RawRtspClient.connect('127.0.0.1', port);
  const ok = (what: string, status: number): void => {
    if (status !== 200) throw new Error(`keeper ${what} ${url}: ${status}`);
  };
  ok('DESCRIBE', (await keeper.request('DESCRIBE', url, { Accept: 'application/sdp' })).status);
  for (let i = 0; i < tracks; i++) {
    const res = await keeper.request('SETUP', `${url}/trackID=${i}`, {
      Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`,
    });
    ok('SETUP', res.status);
  }
  ok('PLAY', (await keeper.request('PLAY', url)).status);
  return keeper;
}
