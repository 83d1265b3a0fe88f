/**
 * What a viewer session plays from: an upstream source (source.ts: legs to the origin, shared
 * when live) or a playback of a recording (serve/playout.ts: one per viewer, no upstream).
 * The front end and the RTSP method handlers only see this interface; both build on
 * SubscribedSource for their viewers, holders and closed flag.
 */
import { EventEmitter } from 'node:events';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { GopBurst } from './gop-cache.js';
import type { CanonicalStart } from './timeline.js';

export interface SourceSubscriber {
  readonly id: string;
  onRtp(track: number, packet: Buffer): void;
  onRtcp(track: number, packet: Buffer): void;
  onSourceClosed(reason: Error | undefined): void;
  /**
   * Bytes queued for this subscriber on a flow-controlled transport (TCP), undefined when any
   * of its media rides one that is not (UDP): a source that may send as fast as the viewer
   * takes (ONVIF `Rate-Control: no`) keeps this below a bound instead of pacing.
   */
  backlogBytes?(): number | undefined;
}

/**
 * Where a viewer joins: RTP-Info values per track (canonical space) and the Range answered;
 * with fast start, the packets the viewer gets before the live ones (RTP-Info names the first).
 */
export interface PlayStart extends CanonicalStart {
  readonly burst?: GopBurst;
}

export interface PlayOptions {
  /** Start at once: live, from the last keyframe; from disk, sent ahead of the clock. */
  readonly fastStart?: boolean;
  /** The viewer's media rides TCP (flow-controlled): from disk, the lead may go out at once. */
  readonly reliable?: boolean;
}

export interface MediaSource {
  /** 'upstream': legs to the origin; 'recording': played out from disk. */
  readonly kind: 'upstream' | 'recording';
  readonly id: string;
  readonly origin: string;
  readonly pathName: string | undefined;
  readonly info: SdpInfo;
  /** Shared by every viewer (live content); else one per viewer. */
  readonly shared: boolean;
  readonly closed: boolean;
  readonly viewerCount: number;
  retain(): void;
  release(): void;
  subscribe(sub: SourceSubscriber): void;
  unsubscribe(sub: SourceSubscriber): void;
  ensureSetup(): Promise<void>;
  /** Starts (or resumes, with no range) media; resolves with the RTP-Info / Range to answer. */
  play(range: string | undefined, opts?: PlayOptions): Promise<PlayStart>;
  pause(): Promise<void>;
  /** Ends it now (viewers are told); idempotent. */
  close(reason?: Error): void;
  /** 'closed' once the source (or playback) has ended. */
  once(name: 'closed', listener: () => void): unknown;
}

/** Viewers, holders and the closed flag of a MediaSource; the subclass says what the last release does. */
export abstract class SubscribedSource extends EventEmitter {
  protected readonly subscribers = new Set<SourceSubscriber>();
  /**
   * The subscribers as an array for the per-packet loop (no iterator per packet): replaced, never
   * changed in place, so a subscriber leaving during a loop does not disturb it.
   */
  protected fanout: readonly SourceSubscriber[] = [];
  protected closedFlag = false;
  private refs = 0;

  get closed(): boolean {
    return this.closedFlag;
  }

  get viewerCount(): number {
    return this.subscribers.size;
  }

  /** Holders (connections that described it, sessions that set it up) keep it open. */
  retain(): void {
    this.refs++;
  }

  release(): void {
    this.refs = Math.max(0, this.refs - 1);
    if (this.refs === 0) this.unreferenced();
  }

  get referenced(): boolean {
    return this.refs > 0;
  }

  subscribe(sub: SourceSubscriber): void {
    if (this.subscribers.has(sub)) return;
    this.subscribers.add(sub);
    this.fanout = [...this.subscribers];
  }

  unsubscribe(sub: SourceSubscriber): void {
    if (this.subscribers.delete(sub)) this.fanout = [...this.subscribers];
  }

  /** The last holder released it. */
  protected abstract unreferenced(): void;
}
