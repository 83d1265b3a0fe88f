/**
 * A scripted stand-in for an upstream Leg (src/upstream/leg.ts) with no network: what the
 * LegSet, Source and recorder see of one RTSP session to the origin. The test decides what
 * DESCRIBE / SETUP / PLAY answer and pushes RTP and RTCP as the origin would send them.
 */
import { EventEmitter } from 'node:events';
import { SEAM_DEFAULTS, type SeamConfig } from '../../src/seam/config.js';
import { parseSdp, type SdpInfo } from '../../src/protocol/sdp/sdp.js';
import type {
  DescribeResult,
  Leg,
  LegEvents,
  LegState,
  PlayOptions,
  PlayResult,
  SetupResult,
} from '../../src/upstream/leg.js';
import type { Logger } from 'pino';
import { Source } from '../../src/source/source.js';
import { rtpPacket } from './rtp.js';

/** Two tracks (H.264 video at 90 kHz, PCMU audio at 8 kHz); `end` makes it on-demand. */
export function fakeSdp(opts: { end?: number; tracks?: 1 | 2; session?: string } = {}): string {
  const range = opts.end === undefined ? 'npt=now-' : `npt=0-${opts.end}`;
  return [
    'v=0',
    `o=- ${opts.session ?? '1'} 1 IN IP4 127.0.0.1`,
    's=fake',
    't=0 0',
    'a=control:*',
    `a=range:${range}`,
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=control:stream=0',
    ...(opts.tracks === 1
      ? []
      : ['m=audio 0 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=control:stream=1']),
    '',
  ].join('\r\n');
}

export const FAKE_URL = 'rtsp://origin.test/movie';

export function fakeInfo(sdpText: string, url = FAKE_URL): SdpInfo {
  return parseSdp(sdpText, url);
}

/** The seam config defaults (config/default.yaml), with overrides. */
export function seamConfig(over: Partial<SeamConfig> = {}): SeamConfig {
  return { ...SEAM_DEFAULTS, ...over };
}

export interface FakeLegScript {
  sdpText?: string;
  /** Per track: where this leg's numbering starts (its own SSRC, seq and ts bases). */
  ssrc?: number;
  seqBase?: number;
  tsBase?: number;
  /** Errors thrown by the next calls, in order (undefined: succeed). */
  describeError?: Error;
  setupError?: Error;
  playErrors?: Array<Error | undefined>;
  pauseError?: Error;
  /** Runs after each PLAY answered (e.g. to stream the asked range, as an origin would). */
  onPlay?: (leg: FakeLeg, opts: PlayOptions) => void;
}

/** A test's view of one fake leg. `asLeg` is what the code under test gets. */
export class FakeLeg extends EventEmitter<LegEvents> {
  st: LegState = 'idle';
  readonly transport = 'udp' as const;
  /** Every call made on the leg, e.g. 'describe', 'setup', 'play npt=5-', 'pause', 'teardown'. */
  readonly calls: string[] = [];
  readonly sdpText: string;
  readonly info: SdpInfo;
  readonly ssrc: number;
  readonly seqBase: number;
  readonly tsBase: number;
  closedWith: Error | undefined | 'open' = 'open';

  constructor(
    readonly id: string,
    readonly url: string,
    private readonly script: FakeLegScript = {},
  ) {
    super();
    this.sdpText = script.sdpText ?? fakeSdp();
    this.info = fakeInfo(this.sdpText, url);
    this.ssrc = script.ssrc ?? 0x1000;
    this.seqBase = script.seqBase ?? 1000;
    this.tsBase = script.tsBase ?? 50_000;
  }

  get state(): LegState {
    return this.st;
  }

  get asLeg(): Leg {
    return this as unknown as Leg;
  }

  describe(): Promise<DescribeResult> {
    this.calls.push('describe');
    if (this.script.describeError) return Promise.reject(this.script.describeError);
    this.st = 'described';
    return Promise.resolve({ sdpText: this.sdpText, info: this.info, baseUrl: this.url });
  }

  setup(): Promise<SetupResult> {
    this.calls.push('setup');
    if (this.script.setupError) return Promise.reject(this.script.setupError);
    this.st = 'ready';
    return Promise.resolve({ transport: 'udp', session: { id: `s-${this.id}`, timeout: 60 } });
  }

  play(opts: PlayOptions = {}): Promise<PlayResult> {
    this.calls.push(opts.range === undefined ? 'play' : `play ${opts.range}`);
    const err = this.script.playErrors?.shift();
    if (err) return Promise.reject(err);
    this.st = 'playing';
    const onPlay = this.script.onPlay;
    if (onPlay) setTimeout(() => onPlay(this, opts), 1);
    return Promise.resolve({
      range: opts.range ?? (this.info.live ? 'npt=now-' : 'npt=0-'),
      rtpInfo: this.info.tracks.map((t) => ({
        url: t.control,
        trackIndex: t.index,
        seq: this.seqOf(t.index, 0),
        rtptime: this.tsOf(t.index, 0),
      })),
      status: 200,
    });
  }

  pause(): Promise<void> {
    this.calls.push('pause');
    if (this.script.pauseError) return Promise.reject(this.script.pauseError);
    this.st = 'paused';
    return Promise.resolve();
  }

  teardown(): Promise<void> {
    this.calls.push('teardown');
    this.close();
    return Promise.resolve();
  }

  close(reason?: Error): void {
    if (this.st === 'closed') return;
    this.st = 'closed';
    this.closedWith = reason;
    this.emit('closed', reason);
  }

  /** This leg's sequence number of the i-th packet of a track (tracks 10 000 apart). */
  seqOf(track: number, i: number): number {
    return (this.seqBase + track * 10_000 + i) & 0xffff;
  }

  /** This leg's RTP timestamp of the i-th packet (video 3600 = 40 ms at 90 kHz; audio 320). */
  tsOf(track: number, i: number): number {
    return (this.tsBase + track * 7 + i * (track === 0 ? 3600 : 320)) >>> 0;
  }

  /** The i-th packet of `track` as this leg numbers it; payload depends on (track, i) only. */
  packet(track: number, i: number): Buffer {
    return rtpPacket({
      seq: this.seqOf(track, i),
      ts: this.tsOf(track, i),
      ssrc: this.ssrc + track,
      pt: this.info.tracks[track]?.payloadType ?? 96,
      payload: contentOf(track, i),
    });
  }

  /** Sends packets [from, to) of `track` (a fresh Buffer each, as a socket would). */
  send(track: number, from: number, to = from + 1, skip: (i: number) => boolean = () => false) {
    for (let i = from; i < to; i++) if (!skip(i)) this.emit('rtp', track, this.packet(track, i), 0);
  }

  rtcp(track: number, packet: Buffer): void {
    this.emit('rtcp', track, packet);
  }
}

/** Content of packet i of a track: distinct for every (track, i), the same on every leg. */
export function contentOf(track: number, i: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt32BE(0xc0ffee00 + track, 0);
  b.writeUInt32BE(i, 4);
  for (let k = 8; k < b.length; k++) b[k] = (i * 7 + k * 13 + track) & 0xff;
  return b;
}

/** createLeg for a LegSet/Source: makes FakeLegs, remembers them, scripts them by index. */
export function legFactory(scripts: (n: number, url: string) => FakeLegScript = () => ({})) {
  const made: FakeLeg[] = [];
  const createLeg = (id: string, url: string): Leg => {
    const leg = new FakeLeg(id, url, scripts(made.length, url));
    made.push(leg);
    return leg.asLeg;
  };
  return { made, createLeg };
}

/** A Source of FAKE_URL (id src-1, path movie, no mirrors) whose first leg is `leg`. */
export function sourceOn(
  leg: FakeLeg,
  opts: {
    key: string;
    sdpText: string;
    seam: SeamConfig;
    createLeg: (id: string, url: string) => Leg;
    log: Logger;
  },
): Source {
  return new Source({
    id: 'src-1',
    origin: FAKE_URL,
    mirrors: [],
    pathName: 'movie',
    leg: leg.asLeg,
    info: leg.info,
    ...opts,
  });
}
