/**
 * What a viewer's receiver reports say (pure, clock-injected): loss over a sliding window from
 * successive RR blocks (RFC 3550 6.4.1: Δcumulative lost / Δextended highest sequence), the last
 * fraction lost, interarrival jitter in ms, and the round trip from LSR/DLSR (RFC 3550 6.4.1:
 * RTT = arrival − LSR − DLSR, where LSR names a sender report seamd sent that viewer).
 */
import type { ReportBlock } from '../protocol/rtp/rtcp.js';

/** The sender reports seamd sent viewers: NTP middle 32 bits → when (ms). Bounded. */
export class SrClock {
  private readonly sent = new Map<number, number>();

  constructor(private readonly capacity = 512) {}

  record(ntpMiddle32: number, atMs: number): void {
    this.sent.delete(ntpMiddle32 >>> 0);
    this.sent.set(ntpMiddle32 >>> 0, atMs);
    if (this.sent.size > this.capacity) {
      const oldest = this.sent.keys().next();
      if (!oldest.done) this.sent.delete(oldest.value);
    }
  }

  sentAt(lsr: number): number | undefined {
    return this.sent.get(lsr >>> 0);
  }
}

interface Point {
  at: number;
  highestExt: number;
  cumulativeLost: number;
}

export interface ViewerQualityStats {
  /** Over the window (0 when no report yet). */
  lossPct: number;
  /** The last report's fraction lost, in % (its own interval). */
  fractionLostPct: number;
  cumulativeLost: number;
  jitterMs: number;
  rttMs: number | undefined;
  reports: number;
}

export interface TrackQualityStats extends ViewerQualityStats {
  /** Packets the window's reports cover (expected) and lost, for weighting across tracks. */
  expected: number;
  lost: number;
}

/** One track of one viewer. */
export class TrackQuality {
  private readonly points: Point[] = [];
  private last: ReportBlock | undefined;
  private rtt: number | undefined;
  private count = 0;

  constructor(
    private readonly windowMs: number,
    private readonly clockRate: number,
  ) {}

  /** A report block about this track, received at `nowMs`; `srSentAt` resolves its LSR. */
  onReport(
    block: ReportBlock,
    nowMs: number,
    srSentAt?: (lsr: number) => number | undefined,
  ): void {
    this.count++;
    this.last = block;
    this.points.push({
      at: nowMs,
      highestExt: block.highestSeq >>> 0,
      cumulativeLost: block.cumulativeLost,
    });
    if (block.lsr !== 0 && srSentAt) {
      const sent = srSentAt(block.lsr);
      if (sent !== undefined) {
        const rtt = nowMs - sent - (block.dlsr / 65536) * 1000;
        if (rtt >= 0 && rtt < 60_000) this.rtt = rtt;
      }
    }
    this.evict(nowMs);
  }

  stats(nowMs: number): TrackQualityStats {
    this.evict(nowMs);
    const last = this.last;
    const first = this.points[0];
    const end = this.points[this.points.length - 1];
    let expected = 0;
    let lost = 0;
    if (first && end && end !== first) {
      expected = Math.max(0, end.highestExt - first.highestExt);
      lost = Math.min(expected, Math.max(0, end.cumulativeLost - first.cumulativeLost));
    }
    const fractionLostPct = last ? (last.fractionLost / 256) * 100 : 0;
    const recent = end !== undefined && nowMs - end.at <= this.windowMs;
    const lossPct = expected > 0 ? (100 * lost) / expected : recent ? fractionLostPct : 0;
    return {
      lossPct,
      fractionLostPct,
      cumulativeLost: last?.cumulativeLost ?? 0,
      jitterMs: last && this.clockRate > 0 ? (last.jitter / this.clockRate) * 1000 : 0,
      rttMs: this.rtt,
      reports: this.count,
      expected,
      lost,
    };
  }

  /** Keeps the points of the window plus the one before it (the baseline of the first Δ). */
  private evict(nowMs: number): void {
    const from = nowMs - this.windowMs;
    while (this.points.length > 1 && (this.points[1]?.at ?? Infinity) <= from) this.points.shift();
  }
}

/** All tracks of one viewer: loss weighted by packets, the worst jitter, the latest RTT. */
export class ViewerQuality {
  private readonly tracks = new Map<number, TrackQuality>();

  constructor(
    private readonly windowMs: number,
    private readonly clockRates: readonly number[],
  ) {}

  onReport(
    track: number,
    block: ReportBlock,
    nowMs: number,
    srSentAt?: (lsr: number) => number | undefined,
  ): void {
    let t = this.tracks.get(track);
    if (!t) {
      t = new TrackQuality(this.windowMs, this.clockRates[track] ?? 90000);
      this.tracks.set(track, t);
    }
    t.onReport(block, nowMs, srSentAt);
  }

  get hasReports(): boolean {
    return this.tracks.size > 0;
  }

  stats(nowMs: number): ViewerQualityStats {
    let expected = 0;
    let lost = 0;
    let fallback = 0;
    let fraction = 0;
    let cumulative = 0;
    let jitter = 0;
    let rtt: number | undefined;
    let reports = 0;
    for (const t of this.tracks.values()) {
      const s = t.stats(nowMs);
      expected += s.expected;
      lost += s.lost;
      fallback = Math.max(fallback, s.lossPct);
      fraction = Math.max(fraction, s.fractionLostPct);
      cumulative += Math.max(0, s.cumulativeLost);
      jitter = Math.max(jitter, s.jitterMs);
      if (s.rttMs !== undefined) rtt = rtt === undefined ? s.rttMs : Math.min(rtt, s.rttMs);
      reports += s.reports;
    }
    return {
      lossPct: expected > 0 ? (100 * lost) / expected : fallback,
      fractionLostPct: fraction,
      cumulativeLost: cumulative,
      jitterMs: jitter,
      rttMs: rtt,
      reports,
    };
  }
}
