/**
 * One viewer's RTSP session: which tracks it set up and how media reaches it, its play state
 * and its session timer. Media goes only to the address the RTSP request came from (UDP) or
 * down the viewer's own RTSP connection (TCP interleaved).
 */
import { RuntimeError } from '../errors.js';
import { randomToken } from '../net/token.js';
import type { GopBurst } from '../source/gop-cache.js';
import type { MediaSource, SourceSubscriber } from '../source/media-source.js';
import { REAL_CLOCK, type Clock } from './clock.js';
import type { ViewerTransport } from './negotiate.js';

/** What a session needs from the connection it is bound to and from the UDP media sockets. */
export interface ViewerOutput {
  /** TCP interleaved; returns false when the frame was dropped (viewer too slow). */
  sendFrame(channel: number, payload: Buffer): boolean;
  sendUdpRtp(payload: Buffer, port: number, address: string): void;
  sendUdpRtcp(payload: Buffer, port: number, address: string): void;
  /** Bytes written to the TCP connection and not yet taken by the kernel. */
  tcpBacklog?(): number;
}

/**
 * `starting` is a PLAY in flight: media is held from the upstream PLAY until our answer is
 * written. A PLAY that fails goes back to the state it came from.
 */
export type ViewerState = 'ready' | 'starting' | 'playing' | 'paused' | 'closed';

/** The moves a session may make; anything else is an INVALID_STATE (455 to the player). */
const NEXT: Readonly<Record<ViewerState, readonly ViewerState[]>> = {
  ready: ['starting', 'closed'],
  starting: ['playing', 'ready', 'paused', 'closed'],
  playing: ['starting', 'paused', 'closed'],
  paused: ['starting', 'paused', 'closed'],
  closed: [],
};

/** At least 128 random bits in letters and digits only (see `randomToken` for why). */
export function newSessionId(): string {
  return randomToken(128);
}

const MAX_STARTING_BACKLOG = 4096;
/**
 * A UDP viewer's held packets (a fast start's GOP, hundreds to thousands of packets) go out in
 * slices of at most this many bytes, one slice per UDP_SLICE_MS: all at once they overflow a
 * receive buffer of Linux's default size (208 KiB holds ~90 full-size packets on loopback, with
 * the kernel's per-packet overhead) before the player gets to read. ~190 Mbit/s at most.
 */
export const UDP_SLICE_BYTES = 48 * 1024;
export const UDP_SLICE_MS = 2;

export class ViewerSession implements SourceSubscriber {
  readonly id = newSessionId();
  readonly createdAt: number;
  readonly tracks = new Map<number, ViewerTransport>();
  packetsSent = 0;
  bytesSent = 0;
  packetsDropped = 0;
  /** Start at the last keyframe (live) or ahead of the clock (from disk): the path's setting. */
  fastStart = false;
  /** Packets of the last PLAY's fast-start burst. */
  burstPackets = 0;
  lastActivity: number;
  /** The first PLAY and the first media packet sent after it (clock ms): the join time. */
  playAt: number | undefined;
  firstPacketAt: number | undefined;
  private current: ViewerState = 'ready';
  /** Where a PLAY in flight returns to when it fails. */
  private beforePlay: ViewerState = 'ready';
  /** Packets that arrived between the upstream PLAY and our PLAY answer: sent right after it. */
  private backlog: Array<[number, Buffer, boolean]> = [];
  /** Held packets before this index are sent (a UDP viewer's burst goes out in slices). */
  private backlogHead = 0;
  /** The next slice of held packets is due: live packets queue behind them meanwhile. */
  private sliceTimer: unknown;
  private backlogHeldBytes = 0;
  private onClosed: ((reason: string) => void) | undefined;
  /** Per track: a connected sender for its UDP RTP, used while the track has that transport. */
  private direct: Array<{ readonly t: ViewerTransport; readonly send: (p: Buffer) => void }> = [];

  constructor(
    readonly connectionId: string,
    readonly remoteAddress: string,
    private media: MediaSource,
    /** Presentation URL as the viewer named it (no trailing slash). */
    readonly viewerBase: string,
    private readonly out: ViewerOutput,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.createdAt = clock.now();
    this.lastActivity = this.createdAt;
  }

  /** What the session plays from (a live source, a recording, the archive). */
  get source(): MediaSource {
    return this.media;
  }

  /**
   * Moves the session to another source (a live session asked for the archive): the new one
   * is held and fed to the session, the old one let go.
   */
  rebind(next: MediaSource): void {
    const old = this.media;
    if (next === old) return;
    next.retain();
    next.subscribe(this);
    this.media = next;
    old.unsubscribe(this);
    old.release();
  }

  get state(): ViewerState {
    return this.current;
  }

  /** The session ends itself when its source goes away; the owner learns it through this. */
  setCloseHandler(fn: (reason: string) => void): void {
    this.onClosed = fn;
  }

  touch(): void {
    this.lastActivity = this.clock.now();
  }

  get usesTcp(): boolean {
    for (const t of this.tracks.values()) if (t.kind === 'tcp') return true;
    return false;
  }

  /** SETUP (adding or changing a track) is only allowed before PLAY or while paused. */
  expectSetup(): void {
    this.expect('SETUP', ['ready', 'paused']);
  }

  /** PAUSE is only valid once playing (again while paused: nothing changes). */
  expectPause(): void {
    this.expect('PAUSE', ['playing', 'paused']);
  }

  /** A PLAY is sent to the source: media is held from now until `started()`, then flushed. */
  beginPlay(): void {
    const from = this.current;
    this.moveTo('starting', 'PLAY');
    this.beforePlay = from;
    this.playAt ??= this.clock.now();
    this.dropHeld();
    this.burstPackets = 0;
  }

  /**
   * A fast start: the burst goes out first (each track's newest sender report ahead of its
   * packets), then the live packets that came after it (those
   * held since the PLAY began up to the burst's last packet are in the burst or left out on
   * purpose, so they are dropped here).
   */
  prime(burst: GopBurst): void {
    if (this.current !== 'starting') return;
    let cut = -1;
    for (let i = this.backlog.length - 1; i >= 0; i--) {
      const e = this.backlog[i] as [number, Buffer, boolean];
      if (!e[2] && e[1] === burst.last) {
        cut = i;
        break;
      }
    }
    const held: Array<[number, Buffer, boolean]> = burst.reports.map((r) => [
      r.track,
      r.packet,
      true,
    ]);
    for (const p of burst.packets) held.push([p.track, p.packet, false]);
    this.burstPackets = held.length;
    this.backlog = held.concat(this.backlog.slice(cut + 1));
    this.backlogHeldBytes = this.backlog.reduce((n, e) => n + e[1].length, 0);
  }

  /** The source refused the PLAY: the session is where it was before it. */
  playFailed(): void {
    if (this.current === 'closed') return;
    this.moveTo(this.beforePlay, 'end a failed PLAY');
    this.dropHeld();
  }

  /** Our PLAY answer is written: media flows, the held packets first (paced for UDP). */
  started(): void {
    if (this.current === 'closed') return;
    this.moveTo('playing', 'start media');
    this.sendHeld();
  }

  /** Sends held packets: all of them over TCP, a slice at a time over UDP. */
  private readonly sendHeld = (): void => {
    this.sliceTimer = undefined;
    if (this.current === 'closed') return;
    const backlog = this.backlog;
    const sliced = !this.usesTcp;
    let bytes = 0;
    let i = this.backlogHead;
    while (i < backlog.length && !(sliced && bytes >= UDP_SLICE_BYTES)) {
      const [track, packet, rtcp] = backlog[i++] as [number, Buffer, boolean];
      this.send(track, packet, rtcp);
      bytes += packet.length;
      this.backlogHeldBytes -= packet.length;
    }
    if (i < backlog.length) {
      this.backlogHead = i;
      this.sliceTimer = this.clock.setTimeout(this.sendHeld, UDP_SLICE_MS);
    } else {
      this.backlog = [];
      this.backlogHead = 0;
    }
  };

  private dropHeld(): void {
    if (this.sliceTimer !== undefined) this.clock.clearTimeout(this.sliceTimer);
    this.sliceTimer = undefined;
    this.backlog = [];
    this.backlogHead = 0;
    this.backlogHeldBytes = 0;
  }

  /** RTP of `track` goes through `send` (a connected socket) while its transport is `t`. */
  useDirectRtp(track: number, t: ViewerTransport, send: (p: Buffer) => void): void {
    this.direct[track] = { t, send };
  }

  /** Back to the shared socket (before the connected ones are closed). */
  dropDirectRtp(): void {
    this.direct = [];
  }

  /** The source answered the PAUSE. */
  paused(): void {
    this.moveTo('paused', 'PAUSE');
  }

  /** Ends the session for good (idempotent). */
  close(): void {
    this.current = 'closed';
    this.dropHeld();
  }

  private expect(op: string, allowed: readonly ViewerState[]): void {
    if (!allowed.includes(this.current)) {
      throw new RuntimeError('INVALID_STATE', `${op} not valid while ${this.current}`);
    }
  }

  private moveTo(next: ViewerState, op: string): void {
    if (!NEXT[this.current].includes(next)) {
      throw new RuntimeError('INVALID_STATE', `${op} not valid while ${this.current}`);
    }
    this.current = next;
  }

  /** The hot path (once per packet and viewer): a playing session sends at once (unless a burst is still going out in slices). */
  onRtp(track: number, packet: Buffer): void {
    if (this.current === 'playing' && this.sliceTimer === undefined) this.sendRtp(track, packet);
    else this.deliver(track, packet, false);
  }

  onRtcp(track: number, packet: Buffer): void {
    this.deliver(track, packet, true);
  }

  onSourceClosed(reason: Error | undefined): void {
    this.onClosed?.(reason ? `source closed: ${reason.message}` : 'source closed');
  }

  /** Queued for the viewer: on its TCP connection, and held until our PLAY answer is out. */
  backlogBytes(): number | undefined {
    if (this.tracks.size === 0 || !this.out.tcpBacklog) return undefined;
    for (const t of this.tracks.values()) if (t.kind !== 'tcp') return undefined;
    return this.out.tcpBacklog() + this.backlogHeldBytes;
  }

  private deliver(track: number, packet: Buffer, rtcp: boolean): void {
    if (this.current === 'playing' && this.sliceTimer === undefined) {
      this.send(track, packet, rtcp);
    } else if (this.current === 'starting' || this.sliceTimer !== undefined) {
      // Held until our PLAY answer is out, or behind the rest of a burst going out in slices.
      if (this.backlog.length - this.backlogHead < MAX_STARTING_BACKLOG + this.burstPackets) {
        this.backlog.push([track, packet, rtcp]);
        this.backlogHeldBytes += packet.length;
      } else this.packetsDropped++;
    }
  }

  private sendRtp(track: number, packet: Buffer): void {
    const t = this.tracks.get(track);
    if (t === undefined) return;
    if (t.kind !== 'tcp') {
      const d = this.direct[track];
      if (d !== undefined && d.t === t) d.send(packet);
      else this.out.sendUdpRtp(packet, t.rtpPort, t.address);
    } else if (!this.out.sendFrame(t.rtpChannel, packet)) {
      this.packetsDropped++;
      return;
    }
    if (this.packetsSent === 0) this.firstPacketAt = this.clock.now();
    this.packetsSent++;
    this.bytesSent += packet.length;
  }

  private send(track: number, packet: Buffer, rtcp: boolean): void {
    if (!rtcp) {
      this.sendRtp(track, packet);
      return;
    }
    const t = this.tracks.get(track);
    if (!t) return;
    if (t.kind === 'tcp') {
      if (!this.out.sendFrame(t.rtcpChannel, packet)) {
        this.packetsDropped++;
        return;
      }
    } else {
      this.out.sendUdpRtcp(packet, t.rtcpPort, t.address);
    }
  }
}
