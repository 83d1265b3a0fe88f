/**
 * A leg: one upstream RTSP session to the origin (DESCRIBE → SETUP → PLAY → TEARDOWN), its
 * keepalive, its transport choice (UDP, TCP interleaved, or UDP falling back to TCP) and its
 * media (leg-media.ts). RTSP details that need no state live in leg-rtsp.ts.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { UpstreamError, isSeamdError } from '../errors.js';
import { baseUrlOf } from '../protocol/rtsp/headers/index.js';
import { parseSdp, type SdpInfo } from '../protocol/sdp/sdp.js';
import { allocateUdpPair, type UdpPair } from '../net/udp-pair.js';
import type { SocketFactory } from './rtsp-client.js';
import { LegControl } from './leg-control.js';
import { LegMedia } from './leg-media.js';
import {
  DEFAULT_SESSION_TIMEOUT_S,
  answeredTransport,
  asError,
  controlUris,
  isOk,
  logIgnored,
  playHeaders,
  playResultOf,
  sessionOf,
  statusError,
  type OnIgnored,
  type PlayOptions,
  type PlayResult,
} from './leg-rtsp.js';
import { stripUserinfo, type Credentials } from './url.js';

export type { PlayOptions, PlayResult, RtpInfoMapped } from './leg-rtsp.js';

export type LegState = 'idle' | 'described' | 'ready' | 'playing' | 'paused' | 'closed';
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
  private st: LegState = 'idle';
  private readonly control: LegControl;
  private readonly media: LegMedia;
  private info: SdpInfo | undefined;
  private publicMethods = new Set<string>();
  private tracks: number[] = [];
  private transportInUse: LegTransport | undefined;
  private session: { id: string; timeout: number } | undefined;
  private lastPlay: PlayOptions = {};
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private udpWatch: NodeJS.Timeout | undefined;

  constructor(opts: LegOptions) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.url = stripUserinfo(opts.url);
    this.log = opts.log;
    const rr = opts.rrIntervalMs !== undefined ? { rrIntervalMs: opts.rrIntervalMs } : {};
    this.media = new LegMedia({ log: opts.log, cname: `seamd-${opts.id}`, ...rr });
    this.media.on('rtp', (track, packet, arrival) => {
      this.disarmUdpWatch();
      this.emit('rtp', track, packet, arrival);
    });
    this.media.on('rtcp', (track, packet) => this.emit('rtcp', track, packet));
    this.control = new LegControl(opts);
    this.control.on('frame', (channel, payload) => {
      if (this.media.onFrame(channel, payload)) return;
      this.log.debug({ event: 'leg.unknown_channel', id: this.id, channel }, 'frame ignored');
    });
    this.control.on('lost', (err) => this.close(err));
  }

  get state(): LegState {
    return this.st;
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
    this.expectState('describe', ['idle']);
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
      this.st = 'described';
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
    this.expectState('setup', ['described']);
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
        if (this.opts.transport !== 'auto' || !refused || this.st === 'closed') throw err;
        this.logSwitch(`origin refused UDP: ${asError(err).message}`);
        await this.resetSession();
        transport = 'tcp';
        await this.setupTracks(transport);
      }
      const session = this.ready(transport);
      this.log.info(
        { event: 'leg.ready', id: this.id, url: this.url, transport, tracks: tracks.length },
        'upstream session set up',
      );
      return { transport, session: { ...session } };
    } catch (err) {
      this.close(asError(err));
      throw err;
    }
  }

  /** PLAY (aggregate; per track when the origin has no aggregate control or answers 459). */
  async play(opts: PlayOptions = {}): Promise<PlayResult> {
    this.expectState('play', ['ready', 'paused', 'playing']);
    try {
      const result = await this.sendPlay(opts);
      this.lastPlay = { ...opts };
      this.st = 'playing';
      if (this.opts.transport === 'auto' && this.transportInUse === 'udp') {
        if (!this.media.receivedRtp) this.armUdpWatch();
      }
      return result;
    } catch (err) {
      this.failOp(err);
      throw err;
    }
  }

  async pause(): Promise<void> {
    this.expectState('pause', ['playing', 'paused']);
    this.disarmUdpWatch();
    try {
      for (const uri of this.controlUris()) await this.control.call('PAUSE', uri);
      this.st = 'paused';
    } catch (err) {
      this.failOp(err);
      throw err;
    }
  }

  /** TEARDOWN (best effort, short timeout), then close everything. Idempotent. */
  async teardown(): Promise<void> {
    if (this.st === 'closed') return;
    this.stopTimers();
    await this.control.teardown(this.controlUris(), this.teardownTimeoutMs());
    this.close();
  }

  /** Hard close without TEARDOWN. Emits 'closed' once. */
  close(reason?: Error): void {
    if (this.st === 'closed') return;
    this.st = 'closed';
    this.stopTimers();
    this.media.clear();
    this.control.drop();
    const code = isSeamdError(reason) ? { code: reason.code } : {};
    const why = reason?.message ?? 'teardown';
    this.log.info(
      { event: 'leg.ended', id: this.id, reason: why, ...code },
      'upstream session ended',
    );
    this.emit('closed', reason);
  }

  // ---- connection and requests ----

  private expectState(op: string, allowed: LegState[]): void {
    if (!allowed.includes(this.st)) {
      const why = `leg ${this.id}: cannot ${op} in state ${this.st}`;
      throw new UpstreamError('UPSTREAM_PROTOCOL', why);
    }
  }

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
      if (this.st === 'closed') throw new UpstreamError('UPSTREAM_CLOSED', 'leg closed in SETUP');
      if (transport === 'udp') await this.setupUdp(index, track.control, track.clockRate);
      else await this.setupTcp(index, track.control, track.clockRate);
    }
    if (transport === 'udp') this.media.punch();
  }

  private async setupUdp(index: number, control: string, clockRate: number): Promise<void> {
    const o = this.opts;
    const address = this.control.remoteAddress;
    if (address === undefined) throw new UpstreamError('UPSTREAM_CLOSED', 'not connected');
    let pair: UdpPair | undefined = await allocateUdpPair({
      family: this.control.remoteFamily === 'IPv6' ? 'udp6' : 'udp4',
      ...(o.udpHost !== undefined ? { host: o.udpHost } : {}),
      ...(o.udpPortMin !== undefined ? { portMin: o.udpPortMin } : {}),
      ...(o.udpPortMax !== undefined ? { portMax: o.udpPortMax } : {}),
    });
    try {
      const asked = `RTP/AVP;unicast;client_port=${pair.rtpPort}-${pair.rtcpPort}`;
      const res = await this.control.call('SETUP', control, { Transport: asked });
      const spec = this.checked(() => answeredTransport(res, control, 'UDP', this.onIgnored));
      this.session = this.checked(() => sessionOf(res, this.session, this.onIgnored));
      const ssrc = spec?.ssrc !== undefined ? { ssrc: spec.ssrc } : {};
      this.media.addUdpTrack({ index, clockRate, ...ssrc }, pair, {
        address,
        ...(spec?.source !== undefined ? { sources: [spec.source] } : {}),
        ...(spec?.serverPort ? { serverPort: spec.serverPort } : {}),
      });
      pair = undefined; // owned by media now
    } finally {
      pair?.close();
    }
  }

  private async setupTcp(index: number, control: string, clockRate: number): Promise<void> {
    const asked: [number, number] = [2 * index, 2 * index + 1];
    const transport = `RTP/AVP/TCP;unicast;interleaved=${asked[0]}-${asked[1]}`;
    const res = await this.control.call('SETUP', control, { Transport: transport });
    const spec = this.checked(() => answeredTransport(res, control, 'TCP', this.onIgnored));
    this.session = this.checked(() => sessionOf(res, this.session, this.onIgnored));
    const ssrc = spec?.ssrc !== undefined ? { ssrc: spec.ssrc } : {};
    this.media.addTcpTrack({ index, clockRate, ...ssrc }, spec?.interleaved ?? asked, (ch, p) =>
      this.control.sendFrame(ch, p),
    );
  }

  /** Runs a leg-rtsp check, logging the error it throws as a SETUP error. */
  private checked<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.control.logged(asError(err), 'SETUP');
    }
  }

  /** Tracks are set up: start reports and keepalive. Returns the session. */
  private ready(transport: LegTransport): { id: string; timeout: number } {
    const session = this.session;
    if (!session) throw new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP gave no Session');
    this.transportInUse = transport;
    this.st = 'ready';
    this.media.start();
    this.startKeepalive(session.timeout);
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

  // ---- PLAY and keepalive ----

  private controlUris(): string[] {
    return this.info ? controlUris(this.info, this.tracks) : [];
  }

  private async sendPlay(opts: PlayOptions): Promise<PlayResult> {
    const info = this.info;
    if (!info) throw new UpstreamError('UPSTREAM_PROTOCOL', 'play before describe');
    const headers = playHeaders(opts);
    const [first = info.aggregateControl, ...more] = this.controlUris();
    const responses = [await this.control.call('PLAY', first, headers, true)];
    if (responses[0]?.status === 459 && more.length === 0 && this.tracks.length > 0) {
      // 459 Aggregate Operation Not Allowed: PLAY each track instead
      responses.length = 0;
      for (const i of this.tracks) {
        responses.push(await this.control.call('PLAY', info.tracks[i]?.control ?? first, headers));
      }
    } else {
      if (responses[0] && !isOk(responses[0])) {
        throw this.control.logged(statusError('PLAY', first, responses[0]), 'PLAY');
      }
      for (const uri of more) responses.push(await this.control.call('PLAY', uri, headers));
    }
    return playResultOf(
      responses,
      info,
      (value, err) => {
        const fields = { event: 'leg.bad_rtp_info', id: this.id, value, err: err.message };
        this.log.warn(fields, 'unreadable RTP-Info');
      },
      this.onIgnored,
    );
  }

  private readonly onIgnored: OnIgnored = (...a) => logIgnored(this.log, this.id, ...a);

  private startKeepalive(timeoutS: number): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    const everyMs = Math.max(1000, ((timeoutS || DEFAULT_SESSION_TIMEOUT_S) * 1000) / 2);
    this.keepaliveTimer = setInterval(() => void this.keepalive(), everyMs);
    this.keepaliveTimer.unref();
  }

  /** GET_PARAMETER when the origin's OPTIONS listed it, else OPTIONS; 454 closes the leg. */
  private async keepalive(): Promise<void> {
    const uri = this.info?.aggregateControl;
    if (uri === undefined || !this.control.connected || this.st === 'closed') return;
    const method = this.publicMethods.has('GET_PARAMETER') ? 'GET_PARAMETER' : 'OPTIONS';
    try {
      const res = await this.control.call(method, uri, {}, true);
      if (res.status === 454) {
        this.close(this.control.logged(statusError(method, uri, res), method));
      } else if (!isOk(res)) {
        const fields = { event: 'leg.keepalive', id: this.id, method, status: res.status };
        this.log.warn(fields, 'keepalive refused');
      }
    } catch {
      // already logged as upstream.error; a lost connection closes the leg through 'lost'
    }
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
    const fields = { event: 'leg.transport', id: this.id, from: 'udp', to: 'tcp', reason };
    this.log.info(fields, 'leg switches to TCP');
  }

  /** auto mode: no RTP over UDP after PLAY; redo the session over TCP and PLAY the same way. */
  private async switchToTcp(): Promise<void> {
    if (this.st !== 'playing' || this.media.receivedRtp) return;
    this.logSwitch(`no RTP over UDP within ${this.opts.udpTimeoutMs} ms`);
    try {
      this.st = 'described';
      await this.resetSession();
      await this.setupTracks('tcp');
      this.ready('tcp');
      const result = await this.sendPlay(this.lastPlay);
      if (this.state !== 'ready') return;
      this.st = 'playing';
      this.emit('transport', 'tcp', result);
    } catch (err) {
      this.close(asError(err));
    }
  }

  private stopTimers(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.disarmUdpWatch();
  }
}
