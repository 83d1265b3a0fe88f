/**
 * One viewer's RTSP session: which tracks it set up and how media reaches it, its play state
 * and its session timer. Media goes only to the address the RTSP request came from (UDP) or
 * down the viewer's own RTSP connection (TCP interleaved).
 */
import { randomToken } from '../net/token.js';
import type { MediaSource, SourceSubscriber } from '../source/media-source.js';
import type { ViewerTransport } from './negotiate.js';

/** What a session needs from the connection it is bound to and from the UDP media sockets. */
export interface ViewerOutput {
  /** TCP interleaved; returns false when the frame was dropped (viewer too slow). */
  sendFrame(channel: number, payload: Buffer): boolean;
  sendUdpRtp(payload: Buffer, port: number, address: string): void;
  sendUdpRtcp(payload: Buffer, port: number, address: string): void;
}

export type ViewerState = 'ready' | 'starting' | 'playing' | 'paused' | 'closed';

/** At least 128 random bits in letters and digits only (see `randomToken` for why). */
export function newSessionId(): string {
  return randomToken(128);
}

const MAX_STARTING_BACKLOG = 4096;

export class ViewerSession implements SourceSubscriber {
  readonly id = newSessionId();
  readonly createdAt = Date.now();
  readonly tracks = new Map<number, ViewerTransport>();
  state: ViewerState = 'ready';
  packetsSent = 0;
  bytesSent = 0;
  packetsDropped = 0;
  lastActivity = Date.now();
  /** The first PLAY and the first media packet sent after it (Date.now()): the join time. */
  playAt: number | undefined;
  firstPacketAt: number | undefined;
  /** Packets that arrived between the upstream PLAY and our PLAY answer: sent right after it. */
  private backlog: Array<[number, Buffer, boolean]> = [];
  private onClosed: ((reason: string) => void) | undefined;

  constructor(
    readonly connectionId: string,
    readonly remoteAddress: string,
    readonly source: MediaSource,
    /** Presentation URL as the viewer named it (no trailing slash). */
    readonly viewerBase: string,
    private readonly out: ViewerOutput,
  ) {}

  /** The session ends itself when its source goes away; the owner learns it through this. */
  setCloseHandler(fn: (reason: string) => void): void {
    this.onClosed = fn;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  get usesTcp(): boolean {
    for (const t of this.tracks.values()) if (t.kind === 'tcp') return true;
    return false;
  }

  /** Media is held from now until `started()`, then flushed in order. */
  starting(): void {
    this.state = 'starting';
    this.playAt ??= Date.now();
    this.backlog = [];
  }

  started(): void {
    this.state = 'playing';
    const backlog = this.backlog;
    this.backlog = [];
    for (const [track, packet, rtcp] of backlog) this.send(track, packet, rtcp);
  }

  onRtp(track: number, packet: Buffer): void {
    this.deliver(track, packet, false);
  }

  onRtcp(track: number, packet: Buffer): void {
    this.deliver(track, packet, true);
  }

  onSourceClosed(reason: Error | undefined): void {
    this.onClosed?.(reason ? `source closed: ${reason.message}` : 'source closed');
  }

  private deliver(track: number, packet: Buffer, rtcp: boolean): void {
    if (this.state === 'playing') {
      this.send(track, packet, rtcp);
    } else if (this.state === 'starting') {
      if (this.backlog.length < MAX_STARTING_BACKLOG) this.backlog.push([track, packet, rtcp]);
      else this.packetsDropped++;
    }
  }

  private send(track: number, packet: Buffer, rtcp: boolean): void {
    const t = this.tracks.get(track);
    if (!t) return;
    if (t.kind === 'tcp') {
      if (!this.out.sendFrame(rtcp ? t.rtcpChannel : t.rtpChannel, packet)) {
        this.packetsDropped++;
        return;
      }
    } else if (rtcp) {
      this.out.sendUdpRtcp(packet, t.rtcpPort, t.address);
    } else {
      this.out.sendUdpRtp(packet, t.rtpPort, t.address);
    }
    if (!rtcp) {
      if (this.packetsSent === 0) this.firstPacketAt = Date.now();
      this.packetsSent++;
      this.bytesSent += packet.length;
    }
  }
}
