/**
 * A source: everything seamd holds for one piece of content: the origin URL,
 * its SDP, its upstream legs (legs.ts: seaming) and the viewers it feeds. A live source is
 * shared by every viewer of that content; a file-backed (on-demand) source belongs to one
 * viewer, since each viewer seeks and pauses on its own.
 *
 * Media fan-out is the hot path: a canonical packet goes to each subscriber as the same Buffer.
 */
import { UpstreamError } from '../errors.js';
import type { Logger } from 'pino';
import type { SeamConfig } from '../seam/config.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { LossModel } from '../seam/loss-model.js';
import type { Leg } from '../upstream/leg.js';
import { LegSet } from './legs.js';
import {
  SubscribedSource,
  type MediaSource,
  type SourceSubscriber,
  type PlayOptions,
  type PlayStart,
} from './media-source.js';
import { byePacket } from './rtcp-relay.js';
import { logEvent } from '../events.js';
import { GopCache, type GopCacheLimits } from './gop-cache.js';

export type { SourceSubscriber, PlayStart, PlayOptions } from './media-source.js';

/** Sees every canonical packet of a source without being a viewer (the recorder). */
export interface SourceTap {
  /** `at`: arrival, Date.now() ms. The packet is not changed afterwards; a reference may be kept. */
  onRtp(track: number, packet: Buffer, at: number): void;
  /** After each upstream PLAY: `range` as the viewer asked (undefined: resume). */
  onPlay(start: PlayStart, range: string | undefined): void;
  /** RTCP the viewers get (sender reports, BYE at the end of the stream). */
  onRtcp(track: number, packet: Buffer): void;
  onClose(reason: Error | undefined): void;
}

export interface SourceOptions {
  readonly id: string;
  readonly key: string;
  readonly origin: string;
  readonly mirrors: readonly string[];
  readonly pathName: string | undefined;
  /** The first leg, already described. */
  readonly leg: Leg;
  readonly sdpText: string;
  readonly info: SdpInfo;
  readonly seam: SeamConfig;
  readonly createLeg: (id: string, url: string) => Leg;
  readonly lossFor?: ((legIndex: number) => LossModel | undefined) | undefined;
  readonly log: Logger;
  /** Keep the packets since the last keyframe for joining viewers (live content only). */
  readonly gopCache?: GopCacheLimits | undefined;
}

export class Source extends SubscribedSource implements MediaSource {
  readonly kind = 'upstream' as const;
  readonly id: string;
  readonly key: string;
  readonly origin: string;
  readonly mirrors: readonly string[];
  readonly pathName: string | undefined;
  readonly info: SdpInfo;
  readonly sdpText: string;
  readonly shared: boolean;
  readonly openedAt = Date.now();
  readonly legs: LegSet;
  private readonly log: Logger;
  private setupDone: Promise<void> | undefined;
  private playing: Promise<PlayStart> | undefined;
  private tap: SourceTap | undefined;
  private gop: GopCache | undefined;
  /** Settles once the upstream TEARDOWNs were answered (or failed) after close(). */
  teardownDone: Promise<void> = Promise.resolve();
  packetsOut = 0;
  bytesOut = 0;

  constructor(opts: SourceOptions) {
    super();
    this.id = opts.id;
    this.key = opts.key;
    this.origin = opts.origin;
    this.mirrors = opts.mirrors;
    this.pathName = opts.pathName;
    this.info = opts.info;
    this.sdpText = opts.sdpText;
    this.shared = opts.info.live;
    this.log = opts.log;
    this.legs = new LegSet(
      {
        sourceId: opts.id,
        log: opts.log,
        info: opts.info,
        urls: [opts.origin, ...opts.mirrors],
        seam: opts.seam,
        createLeg: opts.createLeg,
        lossFor: opts.lossFor,
      },
      opts.leg,
    );
    // The hot path: the viewers first (one send each), then the recorder and the keyframe cache,
    // which only keep a reference (the recorder writes in batches beside the live path).
    this.legs.on('packet', (track, packet) => {
      this.packetsOut++;
      this.bytesOut += packet.length;
      const subs = this.fanout;
      for (let i = 0; i < subs.length; i++) (subs[i] as SourceSubscriber).onRtp(track, packet);
      if (this.tap === undefined && this.gop === undefined) return;
      const now = Date.now();
      this.tap?.onRtp(track, packet, now);
      this.gop?.onRtp(track, packet, now);
    });
    this.legs.on('rtcp', (track, packet) => {
      this.tap?.onRtcp(track, packet);
      this.gop?.onRtcp(track, packet);
      for (const sub of this.subscribers) sub.onRtcp(track, packet);
    });
    if (opts.gopCache) this.enableFastStart(opts.gopCache);
    this.legs.on('closed', (reason) =>
      this.close(reason ?? new UpstreamError('UPSTREAM_CLOSED', 'every upstream leg ended')),
    );
  }

  protected unreferenced(): void {
    this.emit('idle');
  }

  /** One tap (the recorder) sees every packet and PLAY; not counted as a viewer. */
  setTap(tap: SourceTap | undefined): void {
    this.tap = tap;
  }

  /** Starts keeping the packets since the last keyframe (live content with H.264/H.265 only). */
  enableFastStart(limits: GopCacheLimits): void {
    if (this.gop || !this.shared || this.closedFlag) return;
    const cache = new GopCache(this.info.tracks, limits);
    if (cache.usable) this.gop = cache;
  }

  /** The keyframe cache, when this source keeps one. */
  get gopCache(): GopCache | undefined {
    return this.gop;
  }

  /** Upstream SETUP of every track, once. */
  ensureSetup(): Promise<void> {
    const done = this.setupDone ?? this.legs.setup();
    this.setupDone = done;
    // A failed SETUP may be retried by the next viewer.
    done.catch(() => {
      if (this.setupDone === done) this.setupDone = undefined;
    });
    return done;
  }

  /**
   * Starts media for a viewer. On-demand: PLAY upstream with the viewer's Range every time
   * (seek/resume). Live: PLAY upstream once; later viewers join where the stream is now, or
   * (fast start) at the last keyframe, with the packets since then as a burst.
   */
  async play(range: string | undefined, opts: PlayOptions = {}): Promise<PlayStart> {
    await this.ensureSetup();
    if (!this.shared) {
      const start = await this.legs.play(range, false);
      this.tap?.onPlay(start, range);
      return start;
    }
    if (!this.playing) {
      const starting = this.legs.play(undefined, true).then((start) => {
        this.tap?.onPlay(start, undefined);
        return start;
      });
      this.playing = starting;
      starting.catch(() => {
        if (this.playing === starting) this.playing = undefined;
      });
      return starting;
    }
    await this.playing;
    // A joiner gets the GOP in progress: its RTP-Info names the first packet of the burst.
    const burst = opts.fastStart ? this.gop?.snapshot() : undefined;
    if (burst) return { range: 'npt=now-', tracks: burst.tracks, burst };
    return {
      range: 'npt=now-',
      tracks: this.info.tracks.map((t) => {
        const l = this.legs.lastOutput(t.index);
        return l ? { seq: (l.seq + 1) & 0xffff, rtptime: l.ts } : {};
      }),
    };
  }

  async pause(): Promise<void> {
    if (this.shared) return;
    await this.legs.pause();
  }

  /** Ends the source: TEARDOWN upstream, tell viewers (RTCP BYE when the origin went away). */
  close(reason?: Error): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    logEvent(
      this.log,
      'info',
      'source.close',
      {
        source: this.id,
        origin: this.origin,
        reason: reason?.message ?? 'idle',
        packets: this.packetsOut,
        bytes: this.bytesOut,
        gaps: this.legs.gaps,
      },
      'source closed',
    );
    this.teardownDone = this.legs.close().catch(() => undefined);
    this.gop?.clear();
    if (reason) {
      // Tell players the stream ended (RTCP BYE, RFC 3550 6.6) rather than let them time out.
      for (const t of this.info.tracks) {
        const ssrc = this.legs.canonicalSsrc(t.index);
        if (ssrc === undefined) continue;
        const bye = byePacket(ssrc, 'origin gone');
        for (const sub of this.subscribers) sub.onRtcp(t.index, bye);
      }
    }
    for (const sub of [...this.subscribers]) sub.onSourceClosed(reason);
    this.subscribers.clear();
    this.fanout = [];
    this.tap?.onClose(reason);
    this.tap = undefined;
    this.emit('closed', reason);
  }
}
