/**
 * Intake of viewers' RTCP: receiver report blocks (in RR or SR packets) per viewer session and
 * track, and the sender reports seamd sends each source's viewers (so a report's LSR/DLSR gives
 * the round trip). Malformed RTCP from a viewer is counted and dropped.
 */
import { ntpMiddle32, parseRtcp, type RtcpPacket } from '../protocol/rtp/rtcp.js';
import type { ReportBlock } from '../protocol/rtp/rtcp.js';
import { SrClock, ViewerQuality, type ViewerQualityStats } from './viewer-quality.js';

/** What the intake needs of a source: its id, clock rates, canonical SSRCs and its RTCP out. */
export interface WatchedSource {
  readonly id: string;
  readonly info: { readonly tracks: ReadonlyArray<{ readonly clockRate: number }> };
  readonly legs: SourceLegs;
}

/** A viewer's source: upstream ones have legs (SR clock, canonical SSRCs), playouts do not. */
export interface ReportedSource {
  readonly id: string;
  readonly info: { readonly tracks: ReadonlyArray<{ readonly clockRate: number }> };
  readonly legs?: SourceLegs;
}

export interface SourceLegs {
  canonicalSsrc(track: number): number | undefined;
  on(name: 'rtcp', fn: (track: number, packet: Buffer) => void): unknown;
  off(name: 'rtcp', fn: (track: number, packet: Buffer) => void): unknown;
}

export interface ReportingViewer {
  readonly id: string;
  readonly source: ReportedSource;
}

export class ViewerIntake {
  private readonly viewers = new Map<string, ViewerQuality>();
  private readonly clocks = new Map<string, SrClock>();
  private readonly watched = new Map<
    string,
    { legs: SourceLegs; fn: (track: number, packet: Buffer) => void }
  >();
  badRtcp = 0;
  reports = 0;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Remembers the sender reports this source's viewers get (idempotent). */
  watch(source: WatchedSource): void {
    if (this.watched.has(source.id)) return;
    const clock = new SrClock();
    this.clocks.set(source.id, clock);
    const fn = (_track: number, packet: Buffer): void => {
      // Our own SR+SDES (rtcp-relay.ts): the SR is first; a BYE compound starts with an RR.
      if (packet.length < 28 || packet[1] !== 200) return;
      clock.record(ntpMiddle32(packet.readUInt32BE(8), packet.readUInt32BE(12)), this.now());
    };
    source.legs.on('rtcp', fn);
    this.watched.set(source.id, { legs: source.legs, fn });
  }

  /** One RTCP packet (compound) from a viewer about `track`. */
  onViewerRtcp(viewer: ReportingViewer, track: number, payload: Buffer): void {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(payload);
    } catch {
      this.badRtcp++;
      return;
    }
    const source = viewer.source;
    const legs = source.legs;
    if (legs) this.watch({ id: source.id, info: source.info, legs });
    const canonical = legs?.canonicalSsrc(track);
    let block: ReportBlock | undefined;
    for (const p of packets) {
      if (p.type !== 'rr' && p.type !== 'sr') continue;
      for (const b of p.reports) {
        if (block === undefined || (canonical !== undefined && b.ssrc === canonical)) block = b;
      }
    }
    if (!block) return;
    this.reports++;
    let q = this.viewers.get(viewer.id);
    if (!q) {
      q = new ViewerQuality(
        this.windowMs,
        source.info.tracks.map((t) => t.clockRate),
      );
      this.viewers.set(viewer.id, q);
    }
    const clock = this.clocks.get(source.id);
    q.onReport(track, block, this.now(), (lsr) => clock?.sentAt(lsr));
  }

  stats(viewerId: string): ViewerQualityStats | undefined {
    const q = this.viewers.get(viewerId);
    return q?.hasReports ? q.stats(this.now()) : undefined;
  }

  /** Drops what belongs to viewers and sources that are gone. */
  prune(liveViewers: ReadonlySet<string>, liveSources: ReadonlySet<string>): void {
    for (const id of this.viewers.keys()) if (!liveViewers.has(id)) this.viewers.delete(id);
    for (const [id, w] of this.watched) {
      if (liveSources.has(id)) continue;
      w.legs.off('rtcp', w.fn);
      this.watched.delete(id);
      this.clocks.delete(id);
    }
  }

  stop(): void {
    this.prune(new Set(), new Set());
  }
}
