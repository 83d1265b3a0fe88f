/**
 * /metrics: Prometheus text from the telemetry snapshot (prom-client, own registry). Every
 * series is labelled only by bounded things: source (the path name, else the origin host:port),
 * leg (its position 1..n among the source's legs), origin (host:port), viewer network (prefix),
 * and small enums; never by viewer id, address or port. Each of source, origin and network keeps
 * at most `maxLabelValues` values per scrape (the heaviest by viewers); the rest fold into `other`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ArchiveDescription } from '../store/archive-describe.js';
import type { NetworkSummary, OriginSummary } from './aggregate.js';
import type { Decision } from './decisions.js';
import { FoldedRows, labelFold } from './labels.js';
import type { Snapshot, SourceView } from './types.js';

/** What metrics read (engine.ts Telemetry provides it). */
export interface MetricsInput {
  readonly snapshot: Snapshot;
  origins(): OriginSummary[];
  networks(): NetworkSummary[];
  readonly decisions: readonly Decision[];
  /** `rule|action` → decisions taken since start. */
  readonly decisionCounts: ReadonlyMap<string, number>;
  readonly failovers: number;
  readonly intake: { readonly reports: number; readonly badRtcp: number };
  readonly maxLabelValues: number;
}

type Row = FoldedRows;

export function sourceLabel(s: SourceView): string {
  return s.path ?? s.originHost;
}

export class TelemetryMetrics {
  readonly registry = new Registry();
  private readonly gauges = new Map<string, { gauge: Gauge; combine: 'sum' | 'max' }>();
  private readonly join: Histogram;
  private readonly reports: Counter;
  private readonly badRtcp: Counter;
  private readonly failovers: Counter;
  private readonly decisionsTotal: Counter;
  private seen = { reports: 0, badRtcp: 0, failovers: 0 };
  private readonly decisionsSeen = new Map<string, number>();
  private joined = new Set<string>();
  private readonly archiveBytes: Gauge;
  private readonly archiveOldest: Gauge;
  private readonly archiveGaps: Counter;
  /** Per path, the start of the newest gap counted. */
  private readonly gapsSeen = new Map<string, number>();

  /** `archives`: each archived path's archive (paths are configured names: bounded). */
  constructor(
    private readonly input: MetricsInput,
    private readonly archives?: () => readonly ArchiveDescription[],
  ) {
    const g = (name: string, help: string, labelNames: string[], combine: 'sum' | 'max'): void => {
      this.gauges.set(name, {
        gauge: new Gauge({ name, help, labelNames, registers: [this.registry] }),
        combine,
      });
    };
    g('seamd_sources', 'Sources open, by kind (upstream, recording)', ['kind'], 'sum');
    g('seamd_viewers', 'Viewer sessions by state and transport', ['state', 'transport'], 'sum');
    g('seamd_source_viewers', 'Viewers per source', ['source'], 'sum');
    g('seamd_source_legs', 'Upstream legs per source', ['source'], 'sum');
    g('seamd_source_loss_percent', 'Loss of the merged stream (seam.windowSec)', ['source'], 'max');
    g(
      'seamd_source_viewer_loss_percent',
      "Mean loss the source's viewers report (RTCP RR, telemetry.windowSec)",
      ['source'],
      'max',
    );
    g('seamd_source_sent_bytes', "Bytes sent to the source's current viewers", ['source'], 'sum');
    g('seamd_leg_loss_percent', 'Loss of one upstream leg', ['source', 'leg', 'origin'], 'max');
    g('seamd_leg_jitter_ms', 'Interarrival jitter of one leg', ['source', 'leg', 'origin'], 'max');
    g('seamd_leg_rate_kbps', 'Bit rate one leg receives', ['source', 'leg', 'origin'], 'sum');
    g('seamd_origin_sources', 'Sources with legs to the origin', ['origin'], 'sum');
    g('seamd_origin_loss_percent', "Window mean of the origin's legs' loss", ['origin'], 'max');
    g('seamd_origin_down', '1 while the origin is down (its sessions fail)', ['origin'], 'max');
    g('seamd_network_viewers', 'Viewers per viewer network', ['network'], 'sum');
    g('seamd_network_loss_percent', 'Window mean loss the network reports', ['network'], 'max');
    g('seamd_decisions_active', 'Telemetry decisions in force, by action', ['action'], 'sum');
    this.join = new Histogram({
      name: 'seamd_viewer_join_seconds',
      help: 'PLAY to the first media packet sent',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [this.registry],
    });
    const c = (name: string, help: string, labelNames: string[] = []): Counter =>
      new Counter({ name, help, labelNames, registers: [this.registry] });
    this.reports = c('seamd_viewer_reports_total', 'Receiver report blocks taken from viewers');
    this.badRtcp = c('seamd_viewer_bad_rtcp_total', 'Viewer RTCP packets that did not parse');
    this.failovers = c('seamd_failovers_total', 'Sources moved off a lossy origin to a mirror');
    this.decisionsTotal = c('seamd_decisions_total', 'Telemetry decisions taken', [
      'rule',
      'action',
    ]);
    const gauge = (name: string, help: string): Gauge =>
      new Gauge({ name, help, labelNames: ['path'], registers: [this.registry] });
    this.archiveBytes = gauge('seamd_archive_bytes', "Bytes of a path's live archive on disk");
    this.archiveOldest = gauge(
      'seamd_archive_oldest_seconds',
      "Unix time of the oldest moment a path's live archive keeps",
    );
    this.archiveGaps = c(
      'seamd_archive_gaps_total',
      "Gaps (outages, restarts) in a path's live archive: those kept at start, then each new one",
      ['path'],
    );
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text, fresh from the input. */
  async render(): Promise<string> {
    this.refresh();
    return this.registry.metrics();
  }

  /** Sets every series from the input (label values folded to the cap). */
  refresh(): void {
    const rows = new Map<string, Row>();
    for (const [name, { combine }] of this.gauges) rows.set(name, new FoldedRows(combine));
    const add = (name: string, labels: Record<string, string>, v: number): void =>
      rows.get(name)?.add(labels, v);
    const { snapshot } = this.input;
    const max = this.input.maxLabelValues;
    const sourceWeights = new Map<string, number>();
    const originWeights = new Map<string, number>();
    for (const s of snapshot.sources) {
      const l = sourceLabel(s);
      sourceWeights.set(l, (sourceWeights.get(l) ?? 0) + s.viewers.length + 1);
      for (const h of new Set([s.originHost, ...s.legs.map((x) => x.host)]))
        originWeights.set(h, (originWeights.get(h) ?? 0) + s.viewers.length + 1);
    }
    const networks = this.input.networks();
    const foldSource = labelFold(sourceWeights, max);
    const foldOrigin = labelFold(originWeights, max);
    const foldNetwork = labelFold(new Map(networks.map((n) => [n.network, n.viewers])), max);

    for (const s of snapshot.sources) {
      const source = foldSource(sourceLabel(s));
      add('seamd_sources', { kind: s.kind }, 1);
      add('seamd_source_viewers', { source }, s.viewers.length);
      add('seamd_source_legs', { source }, s.legs.length);
      add('seamd_source_loss_percent', { source }, s.mergedLossPct);
      const reported = s.viewers.flatMap((v) => (v.lossPct === undefined ? [] : [v.lossPct]));
      if (reported.length > 0) add('seamd_source_viewer_loss_percent', { source }, mean(reported));
      add(
        'seamd_source_sent_bytes',
        { source },
        s.viewers.reduce((n, v) => n + v.bytesSent, 0),
      );
      const legs = [...s.legs].sort((a, b) => legNumber(a.id) - legNumber(b.id));
      legs.forEach((leg, i) => {
        const labels = { source, leg: String(i + 1), origin: foldOrigin(leg.host) };
        add('seamd_leg_loss_percent', labels, leg.lossPct);
        add('seamd_leg_jitter_ms', labels, leg.jitterMs);
        add('seamd_leg_rate_kbps', labels, leg.kbps);
      });
      for (const v of s.viewers) {
        add('seamd_viewers', { state: v.state, transport: v.transport }, 1);
        if (v.joinMs !== undefined && !this.joined.has(v.id)) this.join.observe(v.joinMs / 1000);
      }
    }
    this.joined = new Set(
      snapshot.sources.flatMap((s) =>
        s.viewers.filter((v) => v.joinMs !== undefined).map((v) => v.id),
      ),
    );
    for (const o of this.input.origins()) {
      const origin = foldOrigin(o.host);
      add('seamd_origin_sources', { origin }, o.sources);
      add('seamd_origin_loss_percent', { origin }, o.lossPct);
      add('seamd_origin_down', { origin }, o.down ? 1 : 0);
    }
    for (const n of networks) {
      const network = foldNetwork(n.network);
      add('seamd_network_viewers', { network }, n.viewers);
      if (n.lossPct !== undefined) add('seamd_network_loss_percent', { network }, n.lossPct);
    }
    for (const d of this.input.decisions)
      add('seamd_decisions_active', { action: d.rule.action }, 1);

    for (const [name, { gauge }] of this.gauges) {
      gauge.reset();
      for (const r of rows.get(name)?.entries() ?? []) gauge.set(r.labels, r.value);
    }
    this.counters();
    this.archiveSeries();
  }

  private archiveSeries(): void {
    if (!this.archives) return;
    this.archiveBytes.reset();
    this.archiveOldest.reset();
    for (const a of this.archives()) {
      const labels = { path: a.path };
      this.archiveBytes.set(labels, a.bytes);
      if (a.oldestMs !== undefined) this.archiveOldest.set(labels, a.oldestMs / 1000);
      const seen = this.gapsSeen.get(a.path);
      const fresh = a.gaps.filter((g) => seen === undefined || g.fromMs > seen);
      this.archiveGaps.inc(labels, fresh.length);
      const newest = a.gaps[a.gaps.length - 1];
      if (newest) this.gapsSeen.set(a.path, Math.max(seen ?? -Infinity, newest.fromMs));
      else if (seen === undefined) this.gapsSeen.set(a.path, -Infinity);
    }
  }

  private counters(): void {
    const { intake, failovers } = this.input;
    this.reports.inc(Math.max(0, intake.reports - this.seen.reports));
    this.badRtcp.inc(Math.max(0, intake.badRtcp - this.seen.badRtcp));
    this.failovers.inc(Math.max(0, failovers - this.seen.failovers));
    this.seen = { reports: intake.reports, badRtcp: intake.badRtcp, failovers };
    const foldRule = labelFold(
      new Map([...this.input.decisionCounts].map(([k, n]) => [k.split('|')[0] ?? '', n])),
      this.input.maxLabelValues,
    );
    for (const [key, n] of this.input.decisionCounts) {
      const delta = n - (this.decisionsSeen.get(key) ?? 0);
      if (delta <= 0) continue;
      const [rule = '', action = ''] = key.split('|');
      this.decisionsTotal.inc({ rule: foldRule(rule), action }, delta);
      this.decisionsSeen.set(key, n);
    }
  }
}

function legNumber(id: string): number {
  const m = /leg(\d+)$/.exec(id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
