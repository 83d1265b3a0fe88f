/**
 * A leg: one upstream RTSP session to the origin (DESCRIBE → SETUP → PLAY → TEARDOWN), its
 * keepalive, its transport choice (UDP, TCP interleaved, or UDP falling back to TCP) and its
 * media (leg-media.ts). RTSP details that need no state live in leg-rtsp.ts.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { UpstreamError, isSeamdError } from '../errors.js';
import { logEvent } from '../events.js';
import { baseUrlOf } from '../protocol/rtsp/headers/index.js';
import { parseSdp, type SdpInfo } from '../protocol/sdp/sdp.js';
import type { SocketFactory } from './rtsp-client.js';
import { LegControl } from './leg-control.js';
import { LegKeepalive } from './leg-keepalive.js';
import {
  playTracks,
  setupTcpTrack,
  setupUdpTrack,
  type LegRequests,
  type UpstreamSession,
} from './leg-requests.js';
import { LegStateMachine, type LegState } from './leg-state.js';
import { LegMedia } from './leg-media.js';
import {
  asError,
  controlUris,
  isOk,
  logIgnored,
  type OnIgnored,
  type PlayOptions,
  type PlayResult,
} from './leg-rtsp.js';
import { stripUserinfo, type Credentials } from './url.js';

export type { PlayOptions, PlayResult, RtpInfoMapped } from './leg-rtsp.js';

export type { LegState } from './leg-state.js';
export type LegTransport = 'udp' | 'tcp';

export interface LegOptions {
  id: string;
  url: string;
  transport: 'udp' | 'tcp' | 'auto';
  udpTimeoutMs: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  userAgent: string;
  credentials?: Credentials;
  log: Logger;
  /** Local address for the RTP/RTCP sockets; default 0.0.0.0 (:: for an IPv6 origin). */
  udpHost?: string;
  /** Local port range for RTP/RTCP pairs; default: any free even pair. */
  udpPortMin?: number;
  udpPortMax?: number;
  /** For tests: how the control connection's socket is opened. */
  socketFactory?: SocketFactory;
  /** Receiver report interval (default 5000 ms). */
  rrIntervalMs?: number;
}

export interface DescribeResult {
  sdpText: string;
  info: SdpInfo;
  baseUrl: string;
}

export interface SetupResult {
  transport: LegTransport;
  session: { id: string; timeout: number };
}

export interface LegEvents {
  rtp: [trackIndex: number, packet: Buffer, arrival: number];
  rtcp: [trackIndex: number, packet: Buffer];
  closed: [reason: Error | undefined];
  /** auto mode: UDP stayed silent, the leg redid its session over TCP and played again. */
  transport: [transport: LegTransport, play: PlayResult];
}

const TEARDOWN_TIMEOUT_MS = 2000;

export class Leg extends EventEmitter<LegEvents> {
  readonly id: string;
  /** The origin URL without userinfo. */
  readonly url: string;
  private readonly opts: LegOptions;
  private readonly log: Logger;
  /** The one state of the leg (read it through `state`); every move is checked. */
  private readonly machine: LegStateMachine;
  private readonly control: LegControl;
  private readonly media: LegMedia;
  private readonly keepalive: LegKeepalive;
  private info: SdpInfo | undefined;
  private publicMethods = new Set<string>();
  private tracks: number[] = [];
  private transportInUse: LegTransport | undefined;
  private session: UpstreamSession | undefined;
  private readonly requests: LegRequests;
  private lastPlay: PlayOptions = {};
  private udpWatch: NodeJS.Timeout | undefined;

  constructor(opts: LegOptions) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.url = stripUserinfo(opts.url);
    this.log = opts.log;
    this.machine = new LegStateMachine(opts.id);
    const rr = opts.rrIntervalMs !== undefined ? { rrIntervalMs: opts.rrIntervalMs } : {};
    this.media = new LegMedia({ log: opts.log, leg: opts.id, cname: `seamd-${opts.id}`, ...rr });
    this.media.on('rtp', (track, packet, arrival) => {
      this.disarmUdpWatch();
      this.emit('rtp', track, packet, arrival);
    });
    this.media.on('rtcp', (track, packet) => this.emit('rtcp', track, packet));
    this.control = new LegControl(opts);
    this.control.on('frame', (channel, payload) => {
      if (this.media.onFrame(channel, payload)) return;
      const fields = { leg: this.id, channel };
      logEvent(this.log, 'debug', 'leg.unknown_channel', fields, 'frame ignored');
    });
    this.control.on('lost', (err) => this.close(err));
    this.keepalive = new LegKeepalive({
      leg: opts.id,
      log: opts.log,
      control: this.control,
      uri: () => this.info?.aggregateControl,
      publicMethods: () => this.publicMethods,
      onExpired: (err) => this.close(err),
    });
    const onIgnored: OnIgnored = (...a) => logIgnored(this.log, this.id, ...a);
    this.requests = {
      leg: this.id,
      log: this.log,
      control: this.control,
      media: this.media,
      onIgnored,
    };
  }

  get state(): LegState {
    return this.machine.current;
  }

  /** The transport the tracks are set up with, once set up. */
  get transport(): LegTransport | undefined {
    return this.transportInUse;
  }

  /** RTP packets received per track index (since SETUP, or since the last transport switch). */
  packetCounts(): Record<number, number> {
    return this.media.packetCounts();
  }

  /** Connect, OPTIONS (its Public list picks the keepalive method), DESCRIBE. */
  async describe(): Promise<DescribeResult> {
    this.machine.expect('describe', ['idle']);
    try {
      await this.connectControl();
      const options = await this.control.call('OPTIONS', this.url, {}, true);
      if (isOk(options)) {
        const pub = options.headers.get('Public') ?? '';
        this.publicMethods = new Set(pub.split(',').map((m) => m.trim().toUpperCase()));
      }
      const res = await this.control.call('DESCRIBE', this.url, { Accept: 'application/sdp' });
      const baseUrl = stripUserinfo(baseUrlOf(res.headers, this.url));
      const sdpText = res.body.toString('utf8');
      try {
        this.info = parseSdp(sdpText, baseUrl);
      } catch (err) {
        const why = `DESCRIBE ${this.url}: unusable SDP: ${asError(err).message}`;
        throw this.control.logged(
          new UpstreamError('UPSTREAM_PROTOCOL', why, { cause: err }),
          'DESCRIBE',
        );
      }
      this.machine.moveTo('described');
      return { sdpText, info: this.info, baseUrl };
    } catch (err) {
      this.close(asError(err));
      throw err;
    }
  }

  /**
   * SETUP the given tracks (default all) in order. 'auto' tries UDP and, when the origin refuses
   * that transport, tears the partial session down and sets every track up over TCP.
   */
  async setup(trackIndexes?: number[]): Promise<SetupResult> {
    this.machine.expect('setup', ['described']);
    const info = this.info;
    const tracks = trackIndexes ?? info?.tracks.map((t) => t.index) ?? [];
    const missing = tracks.find((i) => !info?.tracks[i]);
    if (missing !== undefined || tracks.length === 0) {
      throw new RangeError(`leg ${this.id}: cannot set up tracks [${tracks.join(', ')}]`);
    }
    this.tracks = tracks;
    try {
      let transport: LegTransport = this.opts.transport === 'tcp' ? 'tcp' : 'udp';
      try {
        await this.setupTracks(transport);
      } catch (err) {
        const refused = isSeamdError(err) && err.code === 'UPSTREAM_NO_TRANSPORT';
        if (this.opts.transport !== 'auto' || !refused || this.state === 'closed') throw err;
        this.logSwitch(`origin refused UDP: ${asError(err).message}`);
        await this.resetSession();
        transport = 'tcp';
        await this.setupTracks(transport);
      }
      const session = this.ready(transport);
      const fields = { leg: this.id, url: this.url, transport, tracks: tracks.length };
      logEvent(this.log, 'info', 'leg.ready', fields, 'upstream session set up');
      return { transport, session: { ...session } };
    } catch (err) {
      this.close(asError(err));
      throw err;
    }
  }

  /** PLAY (aggregate; per track when the origin has no aggregate control or answers 459). */
  async play(opts: PlayOptions = {}): Promise<PlayResult> {
    this.machine.expect('play', ['ready', 'paused', 'playing']);
    try {
      const result = await this.sendPlay(opts);
      this.machine.moveTo('playing');
      this.lastPlay = { ...opts };
      this.watchUdp();
      return result;
    } catch (err) {
      this.failOp(err);
      throw err;
    }
  }

  async pause(): Promise<void> {
    this.machine.expect('pause', ['playing', 'paused']);
    this.disarmUdpWatch();
    try {
      for (const uri of this.controlUris()) await this.control.call('PAUSE', uri);
      this.machine.moveTo('paused');
    } catch (err) {
      this.failOp(err);
      // Refused: still playing, so a silent UDP still needs its fallback to TCP.
      if (this.state === 'playing') this.watchUdp();
      throw err;
    }
  }

  /** TEARDOWN (best effort, short timeout), then close everything. Idempotent. */
  async teardown(): Promise<void> {
    if (this.state === 'closed') return;
    this.stopTimers();
    await this.control.teardown(this.controlUris(), this.teardownTimeoutMs());
    this.close();
  }

  /** Hard close without TEARDOWN. Emits 'closed' once. */
  close(reason?: Error): void {
    if (!this.machine.close()) return;
    this.stopTimers();
    this.media.clear();
    this.control.drop();
    const code = isSeamdError(reason) ? { code: reason.code } : {};
    const why = reason?.message ?? 'teardown';
    logEvent(
      this.log,
      'info',
      'leg.ended',
      { leg: this.id, reason: why, ...code },
      'upstream session ended',
    );
    this.emit('closed', reason);
  }

  // ---- connection and requests ----

  /** Origin refusals (UPSTREAM_STATUS) leave the leg usable; anything else closes it. */
  private failOp(err: unknown): void {
    if (isSeamdError(err) && err.code === 'UPSTREAM_STATUS') return;
    this.close(asError(err));
  }

  // ---- SETUP ----

  private async setupTracks(transport: LegTransport): Promise<void> {
    for (const index of this.tracks) {
      const track = this.info?.tracks[index];
      if (!track) continue;
      if (this.state === 'closed')
        throw new UpstreamError('UPSTREAM_CLOSED', 'leg closed in SETUP');
      const t = { index, control: track.control, clockRate: track.clockRate };
      this.session =
        transport === 'udp'
          ? await setupUdpTrack(this.requests, this.opts, t, this.session)
          : await setupTcpTrack(this.requests, t, this.session);
    }
    if (transport === 'udp') this.media.punch();
  }

  /** Tracks are set up: start reports and keepalive. Returns the session. */
  private ready(transport: LegTransport): UpstreamSession {
    const session = this.session;
    if (!session) throw new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP gave no Session');
    this.machine.moveTo('ready');
    this.transportInUse = transport;
    this.media.start();
    this.keepalive.start(session.timeout);
    return session;
  }

  /** Drops the (partial) session: TEARDOWN and a fresh connection if a session existed. */
  private async resetSession(): Promise<void> {
    this.stopTimers();
    this.media.clear();
    if (this.control.sessionId !== undefined || !this.control.connected) {
      await this.control.teardown(this.controlUris(), this.teardownTimeoutMs());
      await this.connectControl();
    }
    this.session = undefined;
    this.transportInUse = undefined;
  }

  private async connectControl(): Promise<void> {
    await this.control.connect();
    if (this.state === 'closed') {
      this.control.drop();
      throw new UpstreamError('UPSTREAM_CLOSED', `leg ${this.id} closed while connecting`);
    }
  }

  private teardownTimeoutMs(): number {
    return Math.min(this.opts.requestTimeoutMs, TEARDOWN_TIMEOUT_MS);
  }

  // ---- PLAY and the UDP → TCP fallback ----

  private controlUris(): string[] {
    return this.info ? controlUris(this.info, this.tracks) : [];
  }

  private sendPlay(opts: PlayOptions): Promise<PlayResult> {
    const info = this.info;
    if (!info) throw new UpstreamError('UPSTREAM_PROTOCOL', 'play before describe');
    return playTracks(this.requests, info, this.tracks, opts);
  }

  /** auto mode over UDP with no RTP yet: fall back to TCP if none comes in time. */
  private watchUdp(): void {
    if (this.opts.transport !== 'auto' || this.transportInUse !== 'udp') return;
    if (!this.media.receivedRtp) this.armUdpWatch();
  }

  private armUdpWatch(): void {
    this.disarmUdpWatch();
    this.udpWatch = setTimeout(() => {
      this.udpWatch = undefined;
      void this.switchToTcp();
    }, this.opts.udpTimeoutMs);
  }

  private disarmUdpWatch(): void {
    if (this.udpWatch) clearTimeout(this.udpWatch);
    this.udpWatch = undefined;
  }

  private logSwitch(reason: string): void {
    const fields = { leg: this.id, from: 'udp', to: 'tcp', reason };
    logEvent(this.log, 'info', 'leg.transport', fields, 'leg switches to TCP');
  }

  /** auto mode: no RTP over UDP after PLAY; redo the session over TCP and PLAY the same way. */
  private async switchToTcp(): Promise<void> {
    if (this.state !== 'playing' || this.media.receivedRtp) return;
    this.logSwitch(`no RTP over UDP within ${this.opts.udpTimeoutMs} ms`);
    try {
      this.machine.moveTo('described');
      await this.resetSession();
      await this.setupTracks('tcp');
      this.ready('tcp');
      const result = await this.sendPlay(this.lastPlay);
      // Closed meanwhile (the awaits above): nothing to switch.
      if (this.machine.current !== 'ready') return;
      this.machine.moveTo('playing');
      this.emit('transport', 'tcp', result);
    } catch (err) {
      this.close(asError(err));
    }
  }

  private stopTimers(): void {
    this.keepalive.stop();
    this.disarmUdpWatch();
  }
}
