/**
 * A leg: one upstream RTSP session to the origin (DESCRIBE → SETUP → PLAY → TEARDOWN), its
 * keepalive, its transport choice (UDP, TCP interleaved, or UDP with a fall back to TCP) and
 * its media (leg-media.ts).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { UpstreamError, isSeamdError } from '../errors.js';
import type { RtspResponse } from '../protocol/rtsp/message.js';
import {
  baseUrlOf,
  parseRtpInfo,
  parseSession,
  parseTransport,
  type TransportSpec,
} from '../protocol/rtsp/headers/index.js';
import { parseSdp, type SdpInfo } from '../protocol/sdp/sdp.js';
import { allocateUdpPair, type UdpPair } from '../net/udp-pair.js';
import { RtspClientConnection, type SocketFactory } from './rtsp-client.js';
import { LegMedia } from './leg-media.js';
import { matchControlUrl, stripUserinfo, type Credentials } from './url.js';

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
  /** Local address for the RTP/RTCP sockets; default 0.0.0.0 (or :: for an IPv6 origin). */
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

export interface PlayOptions {
  range?: string;
  scale?: number;
  speed?: number;
}

export interface RtpInfoMapped {
  url: string;
  trackIndex: number | undefined;
  seq?: number;
  rtptime?: number;
}

export interface PlayResult {
  range: string | undefined;
  rtpInfo: RtpInfoMapped[];
  status: number;
}

export interface LegEvents {
  rtp: [trackIndex: number, packet: Buffer, arrival: number];
  rtcp: [trackIndex: number, packet: Buffer];
  closed: [reason: Error | undefined];
  /** The leg switched transport by itself (auto mode, UDP silent) and played again. */
  transport: [transport: LegTransport, play: PlayResult];
}

const DEFAULT_SESSION_TIMEOUT_S = 60;
const TEARDOWN_TIMEOUT_MS = 2000;

function isTransportRefusal(err: unknown): boolean {
  return isSeamdError(err) && err.code === 'UPSTREAM_NO_TRANSPORT';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class Leg extends EventEmitter<LegEvents> {
  readonly id: string;
  /** The origin URL without userinfo. */
  readonly url: string;
  private readonly opts: LegOptions;
  private readonly log: Logger;
  private st: LegState = 'idle';
  private client: RtspClientConnection | undefined;
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
    this.media = new LegMedia({
      log: opts.log,
      cname: `seamd-${opts.id}`,
      ...(opts.rrIntervalMs !== undefined ? { rrIntervalMs: opts.rrIntervalMs } : {}),
    });
    this.media.on('rtp', (track, packet, arrival) => {
      if (this.udpWatch) {
        clearTimeout(this.udpWatch);
        this.udpWatch = undefined;
      }
      this.emit('rtp', track, packet, arrival);
    });
    this.media.on('rtcp', (track, packet) => this.emit('rtcp', track, packet));
  }

  get state(): LegState {
    return this.st;
  }

  /** The transport the tracks are set up with, once set up. */
  get transport(): LegTransport | undefined {
    return this.transportInUse;
  }

  /** RTP packets received per track index so far (since the last transport switch). */
  packetCounts(): Record<number, number> {
    return this.media.packetCounts();
  }

  /** Connect, OPTIONS (its Public list picks the keepalive method), DESCRIBE. */
  async describe(): Promise<DescribeResult> {
    this.expectState('describe', ['idle']);
    try {
      await this.connect();
      const options = await this.call('OPTIONS', this.url, {}, { acceptAnyStatus: true });
      if (options.status >= 200 && options.status < 300) {
        const pub = options.headers.get('Public') ?? '';
        this.publicMethods = new Set(pub.split(',').map((m) => m.trim().toUpperCase()));
      }
      const res = await this.call('DESCRIBE', this.url, { Accept: 'application/sdp' });
      const baseUrl = stripUserinfo(baseUrlOf(res.headers, this.url));
      const sdpText = res.body.toString('utf8');
      try {
        this.info = parseSdp(sdpText, baseUrl);
      } catch (err) {
        throw this.logged(
          new UpstreamError(
            'UPSTREAM_PROTOCOL',
            `DESCRIBE ${this.url}: unusable SDP: ${asError(err).message}`,
            {
              cause: err,
            },
          ),
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
    if (!info) throw new UpstreamError('UPSTREAM_PROTOCOL', 'setup before describe');
    const tracks = trackIndexes ?? info.tracks.map((t) => t.index);
    for (const i of tracks) {
      if (!info.tracks[i]) throw new RangeError(`leg ${this.id}: no track ${i} in the SDP`);
    }
    if (tracks.length === 0) throw new RangeError(`leg ${this.id}: no track to set up`);
    this.tracks = tracks;
    try {
      let transport: LegTransport = this.opts.transport === 'tcp' ? 'tcp' : 'udp';
      try {
        await this.setupTracks(transport);
      } catch (err) {
        if (this.opts.transport !== 'auto' || !isTransportRefusal(err) || this.st === 'closed')
          throw err;
        this.log.info(
          {
            event: 'leg.transport',
            id: this.id,
            from: 'udp',
            to: 'tcp',
            reason: asError(err).message,
          },
          'origin refused UDP, setting up over TCP',
        );
        await this.resetSession();
        transport = 'tcp';
        await this.setupTracks(transport);
      }
      const session = this.session;
      if (!session)
        throw new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP answered without a Session');
      this.transportInUse = transport;
      this.st = 'ready';
      this.media.start();
      this.startKeepalive();
      this.log.info(
        {
          event: 'leg.open',
          id: this.id,
          url: this.url,
          transport,
          tracks: tracks.length,
          session: session.id,
        },
        'leg open',
      );
      return { transport, session: { ...session } };
    } catch (err) {
      this.close(asError(err));
      throw err;
    }
  }

  /** PLAY (aggregate, or per track when the origin has no aggregate control). */
  async play(opts: PlayOptions = {}): Promise<PlayResult> {
    this.expectState('play', ['ready', 'paused', 'playing']);
    try {
      const result = await this.sendPlay(opts);
      this.lastPlay = { ...opts };
      this.st = 'playing';
      if (
        this.opts.transport === 'auto' &&
        this.transportInUse === 'udp' &&
        !this.media.receivedRtp
      ) {
        this.armUdpWatch();
      }
      return result;
    } catch (err) {
      this.failOp(err);
      throw err;
    }
  }

  async pause(): Promise<void> {
    this.expectState('pause', ['playing', 'paused']);
    try {
      this.disarmUdpWatch();
      for (const uri of this.controlUris()) await this.call('PAUSE', uri);
      this.st = 'paused';
    } catch (err) {
      this.failOp(err);
      throw err;
    }
  }

  /** TEARDOWN (best effort, short timeout), then close everything. Idempotent. */
  async teardown(): Promise<void> {
    if (this.st === 'closed') return;
    const client = this.client;
    this.stopTimers();
    if (client && !client.closed && client.sessionId !== undefined) {
      await this.sendTeardown(client);
    }
    this.close();
  }

  /** Hard close without TEARDOWN. Emits 'closed' once. */
  close(reason?: Error): void {
    if (this.st === 'closed') return;
    this.st = 'closed';
    this.stopTimers();
    this.media.clear();
    this.dropClient();
    this.log.info(
      {
        event: 'leg.close',
        id: this.id,
        reason: reason?.message ?? 'teardown',
        ...(isSeamdError(reason) ? { code: reason.code } : {}),
      },
      'leg closed',
    );
    this.emit('closed', reason);
  }

  // ---- internals ----

  private expectState(op: string, allowed: LegState[]): void {
    if (!allowed.includes(this.st)) {
      throw new UpstreamError(
        'UPSTREAM_PROTOCOL',
        `leg ${this.id}: cannot ${op} in state ${this.st}`,
      );
    }
  }

  /** Origin refusals (UPSTREAM_STATUS) leave the leg usable; anything else closes it. */
  private failOp(err: unknown): void {
    if (isSeamdError(err) && err.code === 'UPSTREAM_STATUS') return;
    this.close(asError(err));
  }

  private async connect(): Promise<void> {
    let client: RtspClientConnection;
    try {
      client = await RtspClientConnection.connect(this.opts.url, {
        connectTimeoutMs: this.opts.connectTimeoutMs,
        requestTimeoutMs: this.opts.requestTimeoutMs,
        userAgent: this.opts.userAgent,
        ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
        ...(this.opts.socketFactory ? { socketFactory: this.opts.socketFactory } : {}),
      });
    } catch (err) {
      throw this.logged(asError(err), 'CONNECT');
    }
    if (this.st === 'closed') {
      client.close();
      throw new UpstreamError('UPSTREAM_CLOSED', `leg ${this.id} closed while connecting`);
    }
    this.client = client;
    client.on('frame', (channel, payload) => {
      if (!this.media.onFrame(channel, payload)) {
        this.log.debug(
          { event: 'leg.unknown_channel', id: this.id, channel },
          'frame on unknown channel',
        );
      }
    });
    client.on('request', (req) => {
      const level = req.method.toUpperCase() === 'REDIRECT' ? 'warn' : 'debug';
      this.log[level](
        { event: 'leg.server_request', id: this.id, method: req.method },
        'origin sent a request',
      );
    });
    client.on('close', (reason) => {
      if (this.client !== client) return;
      const err = isSeamdError(reason)
        ? reason
        : new UpstreamError('UPSTREAM_CLOSED', 'origin closed the control connection', {
            cause: reason,
          });
      this.logged(err, 'CONNECTION');
      this.close(err);
    });
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('close');
      client.close();
    }
  }

  private logged(err: Error, method: string): Error {
    this.log.warn(
      {
        event: 'upstream.error',
        id: this.id,
        code: isSeamdError(err) ? err.code : undefined,
        status: err instanceof UpstreamError ? err.status : undefined,
        method,
        message: err.message,
      },
      'upstream error',
    );
    return err;
  }

  /** One request; non-2xx becomes UPSTREAM_STATUS (logged) unless acceptAnyStatus. */
  private async call(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
    opts: { acceptAnyStatus?: boolean; timeoutMs?: number; client?: RtspClientConnection } = {},
  ): Promise<RtspResponse> {
    const client = opts.client ?? this.client;
    if (!client)
      throw new UpstreamError('UPSTREAM_CLOSED', `${method}: leg ${this.id} is not connected`);
    let res: RtspResponse;
    try {
      res = await client.request(method, uri, headers, undefined, {
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      });
    } catch (err) {
      throw this.logged(asError(err), method);
    }
    if (!opts.acceptAnyStatus && (res.status < 200 || res.status >= 300)) {
      throw this.logged(this.statusError(method, uri, res), method);
    }
    return res;
  }

  private statusError(method: string, uri: string, res: RtspResponse): UpstreamError {
    const refusedTransport =
      method === 'SETUP' &&
      (res.status === 461 || (res.status >= 400 && /transport/i.test(res.reason)));
    return new UpstreamError(
      refusedTransport ? 'UPSTREAM_NO_TRANSPORT' : 'UPSTREAM_STATUS',
      `${method} ${uri}: origin answered ${res.status} ${res.reason}`.trimEnd(),
      { status: res.status },
    );
  }

  private async setupTracks(transport: LegTransport): Promise<void> {
    const info = this.info;
    if (!info) return;
    for (const index of this.tracks) {
      const track = info.tracks[index];
      if (!track) continue;
      if (this.st === 'closed')
        throw new UpstreamError('UPSTREAM_CLOSED', `leg ${this.id} closed during SETUP`);
      if (transport === 'udp') await this.setupUdp(index, track.control, track.clockRate);
      else await this.setupTcp(index, track.control, track.clockRate);
    }
    if (transport === 'udp') this.media.punch();
  }

  private async setupUdp(index: number, control: string, clockRate: number): Promise<void> {
    const client = this.client;
    if (!client) throw new UpstreamError('UPSTREAM_CLOSED', `leg ${this.id} is not connected`);
    const family = client.remoteFamily === 'IPv6' ? 'udp6' : 'udp4';
    let pair: UdpPair | undefined = await allocateUdpPair({
      family,
      ...(this.opts.udpHost !== undefined ? { host: this.opts.udpHost } : {}),
      ...(this.opts.udpPortMin !== undefined ? { portMin: this.opts.udpPortMin } : {}),
      ...(this.opts.udpPortMax !== undefined ? { portMax: this.opts.udpPortMax } : {}),
    });
    try {
      const asked = `RTP/AVP;unicast;client_port=${pair.rtpPort}-${pair.rtcpPort}`;
      const res = await this.call('SETUP', control, { Transport: asked });
      const spec = this.answeredTransport(res, control);
      if (spec && spec.lowerTransport !== 'UDP') {
        throw this.logged(
          new UpstreamError(
            'UPSTREAM_NO_TRANSPORT',
            `SETUP ${control}: asked UDP, origin answered ${spec.lowerTransport}`,
          ),
          'SETUP',
        );
      }
      const address = client.remoteAddress;
      if (address === undefined)
        throw new UpstreamError('UPSTREAM_CLOSED', 'control connection has no peer');
      this.noteSession(res);
      this.media.addUdpTrack(
        { index, clockRate, ...(spec?.ssrc !== undefined ? { ssrc: spec.ssrc } : {}) },
        pair,
        {
          address,
          ...(spec?.source !== undefined ? { sources: [spec.source] } : {}),
          ...(spec?.serverPort ? { serverPort: spec.serverPort } : {}),
        },
      );
      pair = undefined; // owned by media now
    } finally {
      pair?.close();
    }
  }

  private async setupTcp(index: number, control: string, clockRate: number): Promise<void> {
    const asked: [number, number] = [2 * index, 2 * index + 1];
    const res = await this.call('SETUP', control, {
      Transport: `RTP/AVP/TCP;unicast;interleaved=${asked[0]}-${asked[1]}`,
    });
    const spec = this.answeredTransport(res, control);
    if (spec && spec.lowerTransport !== 'TCP') {
      throw this.logged(
        new UpstreamError(
          'UPSTREAM_NO_TRANSPORT',
          `SETUP ${control}: asked TCP, origin answered ${spec.lowerTransport}`,
        ),
        'SETUP',
      );
    }
    this.noteSession(res);
    const client = this.client;
    this.media.addTcpTrack(
      { index, clockRate, ...(spec?.ssrc !== undefined ? { ssrc: spec.ssrc } : {}) },
      spec?.interleaved ?? asked,
      (channel, payload) => client?.sendFrame(channel, payload) ?? false,
    );
  }

  /** The first spec of the answer's Transport; undefined when absent (we assume what we asked). */
  private answeredTransport(res: RtspResponse, control: string): TransportSpec | undefined {
    const value = res.headers.get('Transport');
    if (value === undefined) return undefined;
    try {
      return parseTransport(value)[0];
    } catch (err) {
      throw this.logged(
        new UpstreamError(
          'UPSTREAM_PROTOCOL',
          `SETUP ${control}: bad Transport answer: ${asError(err).message}`,
        ),
        'SETUP',
      );
    }
  }

  private noteSession(res: RtspResponse): void {
    const value = res.headers.get('Session');
    if (value === undefined) {
      if (this.session) return;
      throw this.logged(
        new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP answered without a Session header'),
        'SETUP',
      );
    }
    try {
      const s = parseSession(value);
      this.session = {
        id: s.id,
        timeout: s.timeout ?? this.session?.timeout ?? DEFAULT_SESSION_TIMEOUT_S,
      };
    } catch (err) {
      throw this.logged(
        new UpstreamError('UPSTREAM_PROTOCOL', `SETUP: bad Session ${JSON.stringify(value)}`, {
          cause: err,
        }),
        'SETUP',
      );
    }
  }

  /** Drops a partial session (TEARDOWN if any, new connection if the old one was used). */
  private async resetSession(): Promise<void> {
    this.stopTimers();
    this.media.clear();
    const client = this.client;
    if (client && client.sessionId !== undefined) {
      await this.sendTeardown(client);
      this.dropClient();
    }
    this.session = undefined;
    this.transportInUse = undefined;
    if (!this.client || this.client.closed) {
      this.dropClient();
      await this.connect();
    }
  }

  private async sendTeardown(client: RtspClientConnection): Promise<void> {
    const timeoutMs = Math.min(this.opts.requestTimeoutMs, TEARDOWN_TIMEOUT_MS);
    for (const uri of this.controlUris()) {
      try {
        await client.request('TEARDOWN', uri, {}, undefined, { timeoutMs });
      } catch (err) {
        this.log.debug(
          { event: 'leg.teardown_failed', id: this.id, err: asError(err).message },
          'TEARDOWN failed',
        );
        return;
      }
    }
  }

  /** Aggregate control when the SDP has one (or more than one track is set up), else tracks. */
  private controlUris(): string[] {
    const info = this.info;
    if (!info) return [];
    if (this.hasAggregate()) return [info.aggregateControl];
    return this.tracks.map((i) => info.tracks[i]?.control ?? info.aggregateControl);
  }

  private hasAggregate(): boolean {
    const info = this.info;
    return info !== undefined && (info.sdp.control !== undefined || this.tracks.length > 1);
  }

  private async sendPlay(opts: PlayOptions): Promise<PlayResult> {
    const info = this.info;
    if (!info) throw new UpstreamError('UPSTREAM_PROTOCOL', 'play before describe');
    const headers: Record<string, string> = {};
    if (opts.range !== undefined) headers.Range = opts.range;
    if (opts.scale !== undefined) headers.Scale = String(opts.scale);
    if (opts.speed !== undefined) headers.Speed = String(opts.speed);
    let responses: RtspResponse[];
    const uris = this.controlUris();
    const first = await this.call('PLAY', uris[0] ?? info.aggregateControl, headers, {
      acceptAnyStatus: true,
    });
    if (first.status === 459 && this.tracks.length > 0 && uris.length === 1) {
      // Aggregate Operation Not Allowed: PLAY each track
      responses = [];
      for (const i of this.tracks) {
        responses.push(await this.call('PLAY', info.tracks[i]?.control ?? '', headers));
      }
    } else {
      if (first.status < 200 || first.status >= 300) {
        throw this.logged(this.statusError('PLAY', uris[0] ?? '', first), 'PLAY');
      }
      responses = [first];
      for (const uri of uris.slice(1)) responses.push(await this.call('PLAY', uri, headers));
    }
    return this.playResult(responses);
  }

  private playResult(responses: RtspResponse[]): PlayResult {
    const info = this.info;
    const controls = info?.tracks.map((t) => t.control) ?? [];
    const rtpInfo: RtpInfoMapped[] = [];
    for (const res of responses) {
      for (const value of res.headers.getAll('RTP-Info')) {
        try {
          for (const e of parseRtpInfo(value)) {
            const idx = matchControlUrl(e.url, controls);
            const trackIndex = idx === undefined ? undefined : info?.tracks[idx]?.index;
            rtpInfo.push({ ...e, url: e.url, trackIndex });
          }
        } catch (err) {
          this.log.warn(
            { event: 'leg.bad_rtp_info', id: this.id, value, err: asError(err).message },
            'bad RTP-Info',
          );
        }
      }
    }
    const last = responses[responses.length - 1];
    return { range: firstHeader(responses, 'Range'), rtpInfo, status: last?.status ?? 0 };
  }

  private startKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    const timeoutS = this.session?.timeout ?? DEFAULT_SESSION_TIMEOUT_S;
    const everyMs = Math.max(1000, (timeoutS * 1000) / 2);
    this.keepaliveTimer = setInterval(() => void this.keepalive(), everyMs);
    this.keepaliveTimer.unref();
  }

  private async keepalive(): Promise<void> {
    const info = this.info;
    if (!info || !this.client || this.st === 'closed') return;
    const method = this.publicMethods.has('GET_PARAMETER') ? 'GET_PARAMETER' : 'OPTIONS';
    try {
      const res = await this.call(method, info.aggregateControl, {}, { acceptAnyStatus: true });
      if (res.status === 454) {
        this.close(this.logged(this.statusError(method, info.aggregateControl, res), method));
      } else if (res.status >= 300) {
        this.log.warn(
          { event: 'leg.keepalive', id: this.id, method, status: res.status },
          'keepalive refused',
        );
      }
    } catch (err) {
      if (isSeamdError(err) && err.code === 'UPSTREAM_CLOSED') return; // 'close' handles it
      this.log.warn(
        { event: 'leg.keepalive', id: this.id, method, err: asError(err).message },
        'keepalive failed',
      );
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

  /** auto mode: UDP stayed silent after PLAY; redo the session over TCP with the same PLAY. */
  private async switchToTcp(): Promise<void> {
    if (this.st !== 'playing' || this.media.receivedRtp) return;
    this.log.info(
      {
        event: 'leg.transport',
        id: this.id,
        from: 'udp',
        to: 'tcp',
        reason: `no RTP over UDP within ${this.opts.udpTimeoutMs} ms`,
      },
      'switching leg to TCP',
    );
    try {
      this.st = 'described';
      await this.resetSession();
      await this.setupTracks('tcp');
      if (!this.session)
        throw new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP answered without a Session');
      this.transportInUse = 'tcp';
      this.st = 'ready';
      this.media.start();
      this.startKeepalive();
      const result = await this.sendPlay(this.lastPlay);
      if (this.st !== 'ready') return;
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

function firstHeader(responses: RtspResponse[], name: string): string | undefined {
  for (const r of responses) {
    const v = r.headers.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}
