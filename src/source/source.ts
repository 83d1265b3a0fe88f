/**
 * A source: everything seamd holds for one piece of content (DESIGN "Words"): the origin URL,
 * its SDP, the upstream leg and the viewers it feeds. A live source is shared by every viewer
 * of that content; a file-backed (on-demand) source belongs to one viewer, since each viewer
 * seeks and pauses on its own.
 *
 * Media fan-out is the hot path: a packet from the leg goes to each subscriber as the same
 * Buffer, no copy.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { Leg } from '../upstream/leg.js';
import { rtpSeq, rtpSsrc, rtpTimestamp } from '../protocol/rtp/rtp.js';
import { serializeRtcp } from '../protocol/rtp/rtcp.js';

export interface SourceSubscriber {
  readonly id: string;
  onRtp(track: number, packet: Buffer): void;
  onRtcp(track: number, packet: Buffer): void;
  onSourceClosed(reason: Error | undefined): void;
}

/** Where a viewer joins: RTP-Info values per track, and the Range the origin answered. */
export interface PlayStart {
  readonly range: string | undefined;
  readonly tracks: ReadonlyArray<{ readonly seq?: number; readonly rtptime?: number }>;
}

export interface SourceOptions {
  readonly id: string;
  readonly key: string;
  readonly origin: string;
  readonly pathName: string | undefined;
  readonly leg: Leg;
  readonly sdpText: string;
  readonly info: SdpInfo;
  readonly log: Logger;
}

export class Source extends EventEmitter {
  readonly id: string;
  readonly key: string;
  readonly origin: string;
  readonly pathName: string | undefined;
  readonly info: SdpInfo;
  readonly sdpText: string;
  readonly shared: boolean;
  readonly openedAt = Date.now();
  private readonly leg: Leg;
  private readonly log: Logger;
  private readonly subscribers = new Set<SourceSubscriber>();
  private readonly last: Array<{ seq: number; ts: number; ssrc: number } | undefined>;
  private setupDone: Promise<void> | undefined;
  private playing: Promise<PlayStart> | undefined;
  private refs = 0;
  private closedFlag = false;
  /** Settles once the upstream TEARDOWN was answered (or failed) after close(). */
  teardownDone: Promise<void> = Promise.resolve();
  packetsIn = 0;
  bytesIn = 0;

  constructor(opts: SourceOptions) {
    super();
    this.id = opts.id;
    this.key = opts.key;
    this.origin = opts.origin;
    this.pathName = opts.pathName;
    this.leg = opts.leg;
    this.info = opts.info;
    this.sdpText = opts.sdpText;
    this.shared = opts.info.live;
    this.log = opts.log;
    this.last = opts.info.tracks.map(() => undefined);
    this.leg.on('rtp', (track: number, packet: Buffer) => this.onLegRtp(track, packet));
    this.leg.on('rtcp', (track: number, packet: Buffer) => {
      for (const sub of this.subscribers) sub.onRtcp(track, packet);
    });
    this.leg.on('closed', (reason: Error | undefined) => this.close(reason));
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  get viewerCount(): number {
    return this.subscribers.size;
  }

  get legId(): string {
    return this.leg.id;
  }

  /** Holders (connections that described it, sessions that set it up) keep a source open. */
  retain(): void {
    this.refs++;
  }

  release(): void {
    this.refs = Math.max(0, this.refs - 1);
    if (this.refs === 0) this.emit('idle');
  }

  get referenced(): boolean {
    return this.refs > 0;
  }

  subscribe(sub: SourceSubscriber): void {
    this.subscribers.add(sub);
  }

  unsubscribe(sub: SourceSubscriber): void {
    this.subscribers.delete(sub);
  }

  /** Upstream SETUP of every track, once. */
  ensureSetup(): Promise<void> {
    const done = this.setupDone ?? this.leg.setup().then(() => undefined);
    this.setupDone = done;
    // A failed SETUP may be retried by the next viewer.
    done.catch(() => {
      if (this.setupDone === done) this.setupDone = undefined;
    });
    return done;
  }

  /**
   * Starts media for a viewer. On-demand: PLAY upstream with the viewer's Range every time
   * (seek/resume). Live: PLAY upstream once; later viewers join where the stream is now.
   */
  async play(range: string | undefined): Promise<PlayStart> {
    await this.ensureSetup();
    if (!this.shared) return this.playUpstream(range);
    if (!this.playing) {
      this.playing = this.playUpstream(undefined);
      return this.playing;
    }
    await this.playing;
    return {
      range: 'npt=now-',
      tracks: this.last.map((l) => (l ? { seq: (l.seq + 1) & 0xffff, rtptime: l.ts } : {})),
    };
  }

  async pause(): Promise<void> {
    if (this.shared) return;
    await this.leg.pause();
  }

  private async playUpstream(range: string | undefined): Promise<PlayStart> {
    const answer = await this.leg.play(range === undefined ? {} : { range });
    const tracks = this.info.tracks.map((t) => {
      const entry = answer.rtpInfo.find((e) => e.trackIndex === t.index);
      const out: { seq?: number; rtptime?: number } = {};
      if (entry?.seq !== undefined) out.seq = entry.seq;
      if (entry?.rtptime !== undefined) out.rtptime = entry.rtptime;
      return out;
    });
    return { range: answer.range, tracks };
  }

  private onLegRtp(track: number, packet: Buffer): void {
    if (packet.length < 12) return;
    this.packetsIn++;
    this.bytesIn += packet.length;
    this.last[track] = { seq: rtpSeq(packet), ts: rtpTimestamp(packet), ssrc: rtpSsrc(packet) };
    for (const sub of this.subscribers) sub.onRtp(track, packet);
  }

  /** Ends the source: TEARDOWN upstream (unless the leg is already gone), tell viewers. */
  close(reason?: Error): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.log.info(
      {
        event: 'source.close',
        source: this.id,
        origin: this.origin,
        reason: reason?.message ?? 'idle',
        packets: this.packetsIn,
        bytes: this.bytesIn,
      },
      'source closed',
    );
    this.teardownDone = this.leg.teardown().catch(() => undefined);
    // Tell players the stream ended (RTCP BYE, RFC 3550 6.6) rather than let them time out.
    this.last.forEach((l, track) => {
      if (!l) return;
      const bye = serializeRtcp([{ type: 'bye', ssrcs: [l.ssrc], reason: 'origin gone' }]);
      for (const sub of this.subscribers) sub.onRtcp(track, bye);
    });
    for (const sub of [...this.subscribers]) sub.onSourceClosed(reason);
    this.subscribers.clear();
    this.emit('closed', reason);
  }
}
