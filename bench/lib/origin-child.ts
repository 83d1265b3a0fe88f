/**
 * Child process of relay-pps.ts: a tiny fake RTSP origin (one live H.264 track, UDP only) and the
 * RTP sender (the packet pattern of a live H.264 camera, at a set rate or as fast as it can). It
 * runs in its own process so that producing packets does not share the relay's core. The parent
 * decides when and where to send (IPC, see ipc.ts); the RTSP side only answers and reports the
 * client_port each SETUP named.
 */
import type { Socket as UdpSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { bindPair, liveH264Sdp, respond, serveRtsp } from './bench-rtsp.js';
import type { OriginCommand, OriginEvent } from './ipc.js';

const SSRC = 0x5eed0001;
const RING = 512;
/** Packets per setImmediate turn when blasting as fast as possible. */
const BURST = 64;
/** Most packets one turn may send to catch up with a rate. */
const MAX_CATCH_UP = 512;

function emit(e: OriginEvent): void {
  process.send?.(e);
}

/**
 * The shape of a live H.264 camera stream at 25 frames/s: every frame is FU-A fragments of
 * `size` bytes (marker on its last), every `GOP_FRAMES` frames an IDR preceded by SPS and PPS,
 * P frames otherwise. `perFrame` packets per frame (a frame's timestamp advances 3600 at 90 kHz).
 */
const GOP_FRAMES = 50;
const FRAMES_PER_SEC = 25;
const SPS = Buffer.from('6742c01fda0140169b0110000003001000000303c8f1831a80', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');

class Blaster {
  private ring: Buffer[] = [];
  private seq = 0;
  private ts = 0;
  /** Position in the frame pattern: frame number and packet within the frame. */
  private frame = 0;
  private inFrame = 0;
  private perFrame = 80;
  private size = 1200;
  sent = 0;
  private running = false;
  private rate = 0;
  private pattern: 'even' | 'frame' = 'even';
  private t0 = 0;
  private sentAtStart = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(private readonly sock: UdpSocket) {}

  start(port: number, rate: number, size: number, pattern: 'even' | 'frame'): void {
    this.stop();
    this.size = size;
    this.pattern = pattern;
    this.ring = Array.from({ length: RING }, () => {
      const b = Buffer.alloc(12 + size, 0xab);
      b[0] = 0x80;
      b[1] = 96;
      b.writeUInt32BE(SSRC, 8);
      return b;
    });
    this.rate = rate;
    this.perFrame = Math.max(2, Math.round((rate > 0 ? rate : 2000) / 25));
    this.sock.connect(port, '127.0.0.1', () => {
      this.running = true;
      this.t0 = performance.now();
      this.sentAtStart = this.sent;
      this.tick();
    });
  }

  stop(): void {
    this.running = false;
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
    try {
      this.sock.disconnect();
    } catch {
      // not connected
    }
  }

  /** The next packet of the pattern, written into a ring slot. */
  private next(): Buffer | undefined {
    const slot = this.ring[this.seq % RING];
    if (!slot) return undefined;
    const idr = this.frame % GOP_FRAMES === 0;
    // An IDR frame starts with SPS and PPS (two single-NAL packets), then its fragments.
    const lead = idr ? 2 : 0;
    const i = this.inFrame;
    let b: Buffer;
    let last = false;
    if (i < lead) {
      const nal = i === 0 ? SPS : PPS;
      nal.copy(slot, 12);
      b = slot.subarray(0, 12 + nal.length);
    } else {
      const frag = i - lead;
      const count = this.perFrame - lead;
      last = frag === count - 1;
      slot[12] = 0x7c; // FU-A, NRI 3
      slot[13] = (frag === 0 ? 0x80 : 0) | (last ? 0x40 : 0) | (idr ? 5 : 1);
      b = slot.subarray(0, 12 + this.size);
    }
    slot[1] = last ? 0x80 | 96 : 96;
    slot.writeUInt16BE(this.seq & 0xffff, 2);
    slot.writeUInt32BE(this.ts >>> 0, 4);
    this.seq++;
    if (last) {
      this.inFrame = 0;
      this.frame++;
      this.ts += 3600;
    } else {
      this.inFrame++;
    }
    return b;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    let n = BURST;
    if (this.rate > 0) {
      const elapsed = performance.now() - this.t0;
      // frame: whole frames as they fall due (25 a second), as an encoder hands them over.
      const due =
        this.pattern === 'frame'
          ? Math.floor((elapsed * FRAMES_PER_SEC) / 1000 + 1) * this.perFrame
          : Math.floor((elapsed * this.rate) / 1000);
      n = Math.min(MAX_CATCH_UP, due - (this.sent - this.sentAtStart));
    }
    for (let i = 0; i < n; i++) {
      const b = this.next();
      if (!b) break;
      this.sock.send(b);
      this.sent++;
    }
    // Behind (or unlimited): go again at once; caught up: sleep a millisecond.
    if (this.rate === 0 || n >= MAX_CATCH_UP) this.timer = setImmediate(this.tick);
    else this.timer = setTimeout(this.tick, 1);
  };
}

async function main(): Promise<void> {
  const [rtp, rtcp] = await bindPair();
  const serverPort = rtp.address().port;
  const blaster = new Blaster(rtp);
  const rtsp = await serveRtsp(() => {
    const session = '5eed0001';
    return (sock, m, base) => {
      switch (m.method) {
        case 'OPTIONS':
          respond(sock, m, 200, [
            'Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER',
          ]);
          break;
        case 'DESCRIBE':
          respond(
            sock,
            m,
            200,
            ['Content-Type: application/sdp', `Content-Base: ${base}/`],
            liveH264Sdp('seamd bench'),
          );
          break;
        case 'SETUP': {
          const t = m.headers.get('Transport') ?? '';
          const cp = /client_port=(\d+)(?:-(\d+))?/.exec(t);
          if (!cp?.[1]) {
            respond(sock, m, 461, []);
            break;
          }
          const a = Number(cp[1]);
          const b = cp[2] === undefined ? a + 1 : Number(cp[2]);
          respond(sock, m, 200, [
            `Transport: RTP/AVP;unicast;client_port=${a}-${b};server_port=${serverPort}-${serverPort + 1};ssrc=${SSRC.toString(16).toUpperCase()}`,
            `Session: ${session};timeout=60`,
          ]);
          emit({ ev: 'setup', clientPort: a });
          break;
        }
        case 'PLAY':
          respond(sock, m, 200, [
            `Session: ${session}`,
            'Range: npt=now-',
            `RTP-Info: url=${base}/trackID=0;seq=0;rtptime=0`,
          ]);
          emit({ ev: 'play' });
          break;
        case 'TEARDOWN':
          respond(sock, m, 200, [`Session: ${session}`]);
          emit({ ev: 'teardown' });
          break;
        default:
          respond(sock, m, 200, [`Session: ${session}`]);
      }
    };
  });
  const rtspPort = rtsp.port;

  process.on('message', (raw) => {
    const cmd = raw as OriginCommand;
    switch (cmd.cmd) {
      case 'blast':
        blaster.start(cmd.port, cmd.rate, cmd.size, cmd.pattern);
        break;
      case 'stop':
        blaster.stop();
        emit({ ev: 'stopped', sent: blaster.sent });
        break;
      case 'snap': {
        const cpu = process.cpuUsage();
        emit({
          ev: 'snap',
          id: cmd.id,
          at: performance.now(),
          sent: blaster.sent,
          cpuUs: cpu.user + cpu.system,
        });
        break;
      }
    }
  });
  // The parent going away (or disconnecting on purpose) ends this process.
  process.on('disconnect', () => {
    blaster.stop();
    rtsp.dropAll();
    rtsp.server.close();
    rtp.close();
    rtcp.close();
    setTimeout(() => process.exit(0), 200).unref();
  });
  emit({ ev: 'ready', rtspPort, serverPort });
}

main().catch((err: unknown) => {
  process.stderr.write(`origin-child: ${String(err)}\n`);
  process.exit(1);
});
