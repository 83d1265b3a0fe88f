/**
 * Builds a telemetry Snapshot from the running daemon's sources and viewer sessions, plus what
 * the viewers' reports said (intake.ts). Keeps each leg's byte count from the previous call so
 * it can give a received bit rate.
 */
import type { LegSnapshot } from '../source/legs.js';
import type { ViewerIntake } from './intake.js';
import { networkOf } from './netprefix.js';
import { originOfUrl } from '../upstream/url.js';
import { type LegView, type Snapshot, type SourceView, type ViewerView } from './types.js';

/** What the collector reads of a source (src/source/source.ts Source). */
export interface CollectedSource {
  readonly id: string;
  readonly pathName: string | undefined;
  readonly origin: string;
  readonly mirrors: readonly string[];
  readonly shared: boolean;
  readonly closed: boolean;
  readonly packetsOut: number;
  readonly bytesOut: number;
  readonly legs: {
    legSnapshots(): LegSnapshot[];
    readonly openingCount: number;
    mergedLossPct(): number;
  };
}

/** What the collector reads of a viewer session (src/serve/viewer.ts ViewerSession). */
export interface CollectedViewer {
  readonly id: string;
  readonly remoteAddress: string;
  readonly source: {
    readonly id: string;
    readonly kind: 'upstream' | 'recording';
    readonly origin: string;
    readonly pathName: string | undefined;
    readonly shared: boolean;
  };
  readonly state: string;
  readonly usesTcp: boolean;
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly packetsDropped: number;
  readonly playAt: number | undefined;
  readonly firstPacketAt: number | undefined;
}

export interface CollectOptions {
  readonly viewerPrefixV4: number;
  readonly viewerPrefixV6: number;
}

export class Collector {
  private lastBytes = new Map<string, { at: number; bytes: number }>();

  constructor(
    private opts: CollectOptions,
    private readonly intake: ViewerIntake,
  ) {}

  update(opts: CollectOptions): void {
    this.opts = opts;
  }

  collect(
    now: number,
    sources: Iterable<CollectedSource>,
    sessions: Iterable<CollectedViewer>,
  ): Snapshot {
    const bySource = new Map<string, ViewerView[]>();
    const playouts = new Map<string, CollectedViewer['source']>();
    for (const s of sessions) {
      if (s.state === 'closed') continue;
      if (s.source.kind === 'recording') playouts.set(s.source.id, s.source);
      const list = bySource.get(s.source.id) ?? [];
      list.push(this.viewer(s));
      bySource.set(s.source.id, list);
    }
    const nextBytes = new Map<string, { at: number; bytes: number }>();
    const out: SourceView[] = [];
    for (const src of sources) {
      if (src.closed) continue;
      const legs = src.legs.legSnapshots().map((l): LegView => {
        const prev = this.lastBytes.get(l.id);
        nextBytes.set(l.id, { at: now, bytes: l.bytes });
        const dt = prev ? now - prev.at : 0;
        const kbps = prev && dt > 0 ? Math.max(0, ((l.bytes - prev.bytes) * 8) / dt) : 0;
        return { ...l, host: originOfUrl(l.url), kbps };
      });
      out.push({
        id: src.id,
        kind: 'upstream',
        path: src.pathName,
        origin: src.origin,
        originHost: originOfUrl(src.origin),
        mirrors: src.mirrors,
        live: src.shared,
        mergedLossPct: src.legs.mergedLossPct(),
        legsOpening: src.legs.openingCount,
        packets: src.packetsOut,
        bytes: src.bytesOut,
        legs,
        viewers: bySource.get(src.id) ?? [],
      });
    }
    for (const p of playouts.values()) out.push(playoutView(p, bySource.get(p.id) ?? []));
    this.lastBytes = nextBytes;
    return { at: now, sources: out };
  }

  private viewer(s: CollectedViewer): ViewerView {
    const q = this.intake.stats(s.id);
    const joining = s.state === 'ready' || s.state === 'starting' || s.firstPacketAt === undefined;
    return {
      id: s.id,
      address: s.remoteAddress,
      network: networkOf(s.remoteAddress, this.opts.viewerPrefixV4, this.opts.viewerPrefixV6),
      transport: s.usesTcp ? 'tcp' : 'udp',
      state: s.state === 'paused' ? 'paused' : joining ? 'joining' : 'playing',
      joinMs:
        s.playAt !== undefined && s.firstPacketAt !== undefined
          ? Math.max(0, s.firstPacketAt - s.playAt)
          : undefined,
      packetsSent: s.packetsSent,
      bytesSent: s.bytesSent,
      packetsDropped: s.packetsDropped,
      lossPct: q?.lossPct,
      fractionLostPct: q?.fractionLostPct,
      cumulativeLost: q?.cumulativeLost,
      jitterMs: q?.jitterMs,
      rttMs: q?.rttMs,
      reports: q?.reports ?? 0,
    };
  }
}

/** A viewer played out from a recording: a source without legs. */
function playoutView(p: CollectedViewer['source'], viewers: ViewerView[]): SourceView {
  return {
    id: p.id,
    kind: 'recording',
    path: p.pathName,
    origin: p.origin,
    originHost: originOfUrl(p.origin),
    mirrors: [],
    live: p.shared,
    mergedLossPct: 0,
    legsOpening: 0,
    packets: viewers.reduce((n, v) => n + v.packetsSent, 0),
    bytes: viewers.reduce((n, v) => n + v.bytesSent, 0),
    legs: [],
    viewers,
  };
}
