/**
 * A light RTSP viewer for the endurance run: the project's pure parser and serializer, UDP
 * (client_port pair) or TCP interleaved, packets counted and dropped (a raw-client.ts player
 * keeps every packet, which an hour of churn cannot afford). Ends politely (TEARDOWN) or
 * vanishes (sockets destroyed, no TEARDOWN).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { RtspHeaders, type RtspResponse } from '../../src/protocol/rtsp/message.js';
import { RtspParser } from '../../src/protocol/rtsp/parser.js';
import { serializeRequest } from '../../src/protocol/rtsp/serialize.js';

export type Transport = 'udp' | 'tcp';

export class SoakClient {
  private readonly parser = new RtspParser();
  private cseq = 0;
  private waiting: ((r: RtspResponse | undefined) => void) | undefined;
  private readonly udp: UdpSocket[] = [];
  private base = '';
  session: string | undefined;
  packets = 0;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      let msgs;
      try {
        msgs = this.parser.push(chunk);
      } catch {
        this.destroy();
        return;
      }
      for (const msg of msgs) {
        if (msg.kind === 'frame') this.packets++;
        else if (msg.kind === 'response') {
          const w = this.waiting;
          this.waiting = undefined;
          w?.(msg);
        }
      }
    });
    const onGone = (): void => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(undefined);
    };
    socket.on('close', onGone);
    socket.on('error', onGone);
  }

  static connect(port: number, timeoutMs = 5000): Promise<SoakClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error('connect timed out'));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', reject);
        resolve(new SoakClient(s));
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  async request(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
    timeoutMs = 15000,
  ): Promise<RtspResponse> {
    if (this.closed) throw new Error(`${method}: connection closed`);
    const h = new RtspHeaders({
      CSeq: String(++this.cseq),
      'User-Agent': 'seamd-soak',
      ...headers,
    });
    if (this.session && !h.has('Session')) h.set('Session', this.session);
    const res = await new Promise<RtspResponse | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.socket.write(serializeRequest({ method, uri, headers: h }));
    });
    if (!res) throw new Error(`${method} ${uri}: no response`);
    const session = res.headers.get('Session');
    if (session) this.session = session.split(';')[0]?.trim();
    return res;
  }

  /** DESCRIBE and SETUP every track; throws on any answer but 200. */
  async setup(url: string, transport: Transport): Promise<number> {
    const d = await this.request('DESCRIBE', url, { Accept: 'application/sdp' });
    if (d.status !== 200) throw new Error(`DESCRIBE answered ${d.status}`);
    const base = d.headers.get('Content-Base') ?? `${url}/`;
    this.base = base;
    const sdp = d.body.toString();
    const controls = [...sdp.matchAll(/^m=[\s\S]*?^a=control:(\S+)/gm)].map((m) => m[1] ?? '');
    for (let i = 0; i < controls.length; i++) {
      const c = controls[i] ?? '';
      const trackUrl = /^rtsp:/.test(c) ? c : `${base}${base.endsWith('/') ? '' : '/'}${c}`;
      let header: string;
      if (transport === 'tcp') header = `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`;
      else {
        const port = await this.bindPair();
        header = `RTP/AVP;unicast;client_port=${port}-${port + 1}`;
      }
      const r = await this.request('SETUP', trackUrl, { Transport: header });
      if (r.status !== 200) throw new Error(`SETUP answered ${r.status}`);
    }
    return controls.length;
  }

  async play(range?: string): Promise<RtspResponse> {
    return this.request('PLAY', this.base, range ? { Range: range } : {});
  }

  async pause(): Promise<RtspResponse> {
    return this.request('PAUSE', this.base);
  }

  /** TEARDOWN (if still connected), then close everything. */
  async teardown(): Promise<void> {
    if (!this.closed && this.session) {
      await this.request('TEARDOWN', this.base, {}, 5000).catch(() => undefined);
    }
    this.destroy();
  }

  /** Vanishes: sockets destroyed, no TEARDOWN. */
  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    for (const s of this.udp.splice(0)) {
      try {
        s.close();
      } catch {
        /* already closed */
      }
    }
  }

  write(bytes: Buffer | string): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** An RTP/RTCP pair on an even port and the next one (OS-picked, retried until even). */
  private async bindPair(): Promise<number> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const rtp = await bindUdp(0);
      const port = rtp.address().port;
      if (port % 2 === 0) {
        const rtcp = await bindUdp(port + 1).catch(() => undefined);
        if (rtcp) {
          for (const s of [rtp, rtcp]) {
            s.on('message', () => this.packets++);
            this.udp.push(s);
          }
          return port;
        }
      }
      rtp.close();
    }
    throw new Error('no even UDP port pair');
  }
}

function bindUdp(port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.bind(port, '127.0.0.1', () => {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}
