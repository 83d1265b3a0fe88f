/**
 * Child process of archive-channels.ts: a fake RTSP origin with any number of live channels
 * (any path is one; one H.264 track, UDP), each sent at a camera's pace once PLAYed: 25
 * frames/s of `perFrame` packets of `size` bytes (an IDR after SPS and PPS every 50 frames),
 * plus an RTCP sender report per second (so the archive maps RTP to wall-clock time as with a
 * real origin). `blast` sends the same to given ports without RTSP (the bare-receive baseline).
 * One 5 ms timer paces every channel.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { bindPair, liveH264Sdp, respond, serveRtsp } from './bench-rtsp.js';

export type ChannelsCommand =
  { cmd: 'blast'; ports: number[] } | { cmd: 'stop' } | { cmd: 'snap'; id: number };
export type ChannelsEvent =
  | { ev: 'ready'; rtspPort: number }
  | { ev: 'play'; channels: number }
  | { ev: 'stopped' }
  | { ev: 'snap'; id: number; sent: number; bytes: number };

const SIZE = Number(process.env.CHANNEL_PACKET ?? 1250);
const PER_FRAME = Number(process.env.CHANNEL_PER_FRAME ?? 8);
const FPS = 25;
const GOP = 50;
const SPS = Buffer.from('6742c01fda0140169b0110000003001000000303c8f1831a80', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const NTP_OFFSET_S = 2208988800;

class Channel {
  private seq = 0;
  private i = 0;
  private readonly ssrc: number;
  private readonly t0 = performance.now();
  private readonly wall0 = Date.now();
  private lastSr = -Infinity;
  /** send() is asynchronous: each packet needs its own buffer until it is gone (a ring). */
  private readonly ring = Array.from({ length: 256 }, () => Buffer.alloc(SIZE, 0xab));

  constructor(
    private readonly rtp: UdpSocket,
    private readonly rtcp: UdpSocket,
    private readonly port: number,
    n: number,
  ) {
    this.ssrc = (0x5eed0000 + n) >>> 0;
  }

  /** Sends what is due by now; returns packets and bytes sent. */
  pump(now: number, counts: { sent: number; bytes: number }): void {
    const due = Math.floor(((now - this.t0) * FPS * PER_FRAME) / 1000);
    while (this.i < due) {
      const frame = Math.floor(this.i / PER_FRAME);
      const k = this.i % PER_FRAME;
      const idr = frame % GOP === 0;
      const b = this.ring[this.i % this.ring.length]!;
      b[0] = 0x80;
      b[1] = (k === PER_FRAME - 1 ? 0x80 : 0) | 96;
      b.writeUInt16BE(this.seq++ & 0xffff, 2);
      b.writeUInt32BE((frame * 3600) >>> 0, 4);
      b.writeUInt32BE(this.ssrc, 8);
      let len = SIZE;
      if (idr && k < 2) {
        const nal = k === 0 ? SPS : PPS;
        nal.copy(b, 12);
        len = 12 + nal.length;
      } else {
        const lead = idr ? 2 : 0;
        b[12] = 0x7c;
        b[13] = (k === lead ? 0x80 : 0) | (k === PER_FRAME - 1 ? 0x40 : 0) | (idr ? 5 : 1);
      }
      this.rtp.send(b.subarray(0, len), this.port, '127.0.0.1');
      counts.sent++;
      counts.bytes += len;
      this.i++;
    }
    if (now - this.lastSr >= 1000) {
      this.lastSr = now;
      const ms = this.wall0 + (now - this.t0);
      const sr = Buffer.alloc(28);
      sr[0] = 0x80;
      sr[1] = 200;
      sr.writeUInt16BE(6, 2);
      sr.writeUInt32BE(this.ssrc, 4);
      sr.writeUInt32BE(Math.floor(ms / 1000) + NTP_OFFSET_S, 8);
      sr.writeUInt32BE(Math.floor(((ms % 1000) / 1000) * 2 ** 32) >>> 0, 12);
      sr.writeUInt32BE((Math.round(((now - this.t0) * 90_000) / 1000) >>> 0) >>> 0, 16);
      sr.writeUInt32BE(this.i >>> 0, 20);
      sr.writeUInt32BE((this.i * SIZE) >>> 0, 24);
      this.rtcp.send(sr, this.port + 1, '127.0.0.1');
    }
  }
}

async function main(): Promise<void> {
  const [rtp, rtcp] = await bindPair();
  const serverPort = rtp.address().port;
  let channels: Channel[] = [];
  const counts = { sent: 0, bytes: 0 };
  let sessions = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    for (const c of channels) c.pump(now, counts);
  }, 5);
  const rtsp = await serveRtsp(() => {
    const session = `5eed${(++sessions).toString(16)}`;
    let port = 0;
    return (sock, m, base) => {
      if (m.method === 'DESCRIBE') {
        respond(
          sock,
          m,
          200,
          ['Content-Type: application/sdp', `Content-Base: ${base}/`],
          liveH264Sdp('seamd bench channel'),
        );
      } else if (m.method === 'SETUP') {
        const cp = /client_port=(\d+)/.exec(m.headers.get('Transport') ?? '');
        if (!cp?.[1]) {
          respond(sock, m, 461, []);
          return;
        }
        port = Number(cp[1]);
        respond(sock, m, 200, [
          `Transport: RTP/AVP;unicast;client_port=${port}-${port + 1};server_port=${serverPort}-${serverPort + 1}`,
          `Session: ${session};timeout=60`,
        ]);
      } else if (m.method === 'PLAY') {
        respond(sock, m, 200, [`Session: ${session}`, 'Range: npt=now-']);
        channels.push(new Channel(rtp, rtcp, port, channels.length));
        process.send?.({ ev: 'play', channels: channels.length } satisfies ChannelsEvent);
      } else {
        respond(sock, m, 200, [`Session: ${session}`, 'Public: OPTIONS, DESCRIBE, SETUP, PLAY']);
      }
    };
  });
  process.on('message', (raw) => {
    const cmd = raw as ChannelsCommand;
    if (cmd.cmd === 'blast') {
      channels = cmd.ports.map((p, n) => new Channel(rtp, rtcp, p, n));
    } else if (cmd.cmd === 'stop') {
      channels = [];
      rtsp.dropAll();
      process.send?.({ ev: 'stopped' } satisfies ChannelsEvent);
    } else {
      process.send?.({ ev: 'snap', id: cmd.id, ...counts } satisfies ChannelsEvent);
    }
  });
  process.on('disconnect', () => {
    clearInterval(timer);
    rtsp.server.close();
    rtp.close();
    rtcp.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
  process.send?.({
    ev: 'ready',
    rtspPort: rtsp.port,
  } satisfies ChannelsEvent);
}

main().catch((err: unknown) => {
  process.stderr.write(`channels-child: ${String(err)}\n`);
  process.exit(1);
});
