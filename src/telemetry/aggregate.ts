/**
 * Aggregation and classification (pure, clock-injected: every call takes `nowMs`). Snapshots
 * go in once per tick; figures come out averaged over a sliding window per source, per origin
 * host and per viewer network, and every tick's trouble is classified:
 *
 * - `upstream`: the legs of one source to one host lose ≥ lossyPct (window mean).
 * - `origin-wide`: an origin host with ≥ 2 sources where every one of them is in upstream
 *   trouble on that host, or whose recent upstream sessions all failed (`down`: ≥ 2 failures in
 *   the window, no success since).
 * - `last-mile`: the viewers of one network lose ≥ lossyPct (from their receiver reports) while
 *   every source they watch delivers a clean stream (merged loss < cleanPct): the loss is between
 *   seamd and them. Networks whose viewers are clean are counted in the finding.
 */
import type { Snapshot, SourceView } from './types.js';

export type Trouble = 'upstream' | 'last-mile' | 'origin-wide';

export interface AggregateOptions {
  readonly windowMs: number;
  /** At or above this loss % a leg / network is in trouble. */
  readonly lossyPct: number;
  /** Below this a stream is clean. */
  readonly cleanPct: number;
}

export interface Finding {
  readonly trouble: Trouble;
  /** Stable key of what it is about (`upstream:<source>:<host>`, `last-mile:<network>`, …). */
  readonly subject: string;
  /** Window mean loss % of what is in trouble (legs, or the network's viewers). */
  readonly lossPct: number;
  /** Sources concerned (upstream: one). */
  readonly sources: readonly string[];
  readonly paths: readonly string[];
  readonly originHosts: readonly string[];
  /** Viewer networks concerned (last-mile: one; else the networks watching the sources). */
  readonly networks: readonly string[];
  readonly viewers: number;
  /** origin-wide only: the host's upstream sessions are failing. */
  readonly down?: boolean;
  /** The numbers behind it, for the log line. */
  readonly detail: Readonly<Record<string, number>>;
}

export interface OriginSummary {
  readonly host: string;
  readonly sources: number;
  /** Window mean over the host's legs (worst leg per source, averaged over sources). */
  readonly lossPct: number;
  readonly down: boolean;
  readonly failures: number;
}

export interface NetworkSummary {
  readonly network: string;
  readonly viewers: number;
  /** Mean over the network's viewers that sent reports (undefined: none did). */
  readonly lossPct: number | undefined;
}

/** Samples of one figure over time; the mean over the window. */
class Series {
  private readonly at: number[] = [];
  private readonly values: number[] = [];

  push(at: number, value: number): void {
    this.at.push(at);
    this.values.push(value);
  }

  /** Drops samples older than `from`; returns whether any remain. */
  evict(from: number): boolean {
    let n = 0;
    while (n < this.at.length && (this.at[n] ?? 0) < from) n++;
    if (n > 0) {
      this.at.splice(0, n);
      this.values.splice(0, n);
    }
    return this.at.length > 0;
  }

  mean(): number {
    if (this.values.length === 0) return 0;
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum / this.values.length;
  }
}

class SeriesMap {
  private readonly map = new Map<string, Series>();

  push(key: string, at: number, value: number): void {
    let s = this.map.get(key);
    if (!s) this.map.set(key, (s = new Series()));
    s.push(at, value);
  }

  mean(key: string): number | undefined {
    return this.map.get(key)?.mean();
  }

  evict(from: number): void {
    for (const [k, s] of this.map) if (!s.evict(from)) this.map.delete(k);
  }

  get size(): number {
    return this.map.size;
  }
}

interface HostHealth {
  failures: number[];
  lastOk: number | undefined;
}

const DOWN_AFTER_FAILURES = 2;

export class Aggregator {
  private readonly legLoss = new SeriesMap();
  private readonly merged = new SeriesMap();
  private readonly networkLoss = new SeriesMap();
  private readonly health = new Map<string, HostHealth>();
  private last: Snapshot = { at: 0, sources: [] };

  constructor(private readonly opts: AggregateOptions) {}

  /** Upstream sessions to `host`: one failed (lost, refused) or one delivered media. */
  noteUpstream(host: string, ok: boolean, nowMs: number): void {
    let h = this.health.get(host);
    if (!h) this.health.set(host, (h = { failures: [], lastOk: undefined }));
    if (ok) h.lastOk = nowMs;
    else h.failures.push(nowMs);
  }

  add(snap: Snapshot): void {
    const now = snap.at;
    this.last = snap;
    for (const s of snap.sources) {
      for (const [host, loss] of hostLoss(s)) this.legLoss.push(`${s.id}|${host}`, now, loss);
      this.merged.push(s.id, now, s.mergedLossPct);
    }
    const perNetwork = new Map<string, number[]>();
    for (const s of snap.sources) {
      for (const v of s.viewers) {
        if (v.lossPct === undefined) continue;
        const list = perNetwork.get(v.network) ?? [];
        list.push(v.lossPct);
        perNetwork.set(v.network, list);
      }
    }
    for (const [net, list] of perNetwork) this.networkLoss.push(net, now, avg(list));
    this.evict(now);
  }

  /** Number of figures held (memory bound check). */
  get seriesCount(): number {
    return this.legLoss.size + this.merged.size + this.networkLoss.size + this.health.size;
  }

  origins(nowMs: number): OriginSummary[] {
    const byHost = new Map<string, number[]>();
    for (const s of this.last.sources) {
      for (const host of hostLoss(s).keys()) {
        const m = this.legLoss.mean(`${s.id}|${host}`);
        if (m === undefined) continue;
        const list = byHost.get(host) ?? [];
        list.push(m);
        byHost.set(host, list);
      }
    }
    for (const host of this.health.keys()) if (!byHost.has(host)) byHost.set(host, []);
    return [...byHost].map(([host, losses]) => ({
      host,
      sources: losses.length,
      lossPct: avg(losses),
      down: this.isDown(host, nowMs),
      failures: this.failures(host, nowMs),
    }));
  }

  networks(): NetworkSummary[] {
    const counts = new Map<string, number>();
    for (const s of this.last.sources)
      for (const v of s.viewers) counts.set(v.network, (counts.get(v.network) ?? 0) + 1);
    return [...counts].map(([network, viewers]) => ({
      network,
      viewers,
      lossPct: this.networkLoss.mean(network),
    }));
  }

  /** Trouble now: origin-wide first, then upstream, then last-mile. */
  classify(nowMs: number): Finding[] {
    const { lossyPct, cleanPct } = this.opts;
    const sources = this.last.sources;
    const upstream: Finding[] = [];
    for (const s of sources) {
      for (const host of hostLoss(s).keys()) {
        const loss = this.legLoss.mean(`${s.id}|${host}`) ?? 0;
        if (loss < lossyPct) continue;
        upstream.push({
          trouble: 'upstream',
          subject: `upstream:${s.id}:${host}`,
          lossPct: loss,
          sources: [s.id],
          paths: s.path === undefined ? [] : [s.path],
          originHosts: [host],
          networks: networksOf([s]),
          viewers: s.viewers.length,
          detail: {
            legLossPct: round(loss),
            mergedLossPct: round(this.merged.mean(s.id) ?? 0),
            legs: s.legs.filter((l) => l.host === host).length,
            threshold: lossyPct,
          },
        });
      }
    }
    const wide: Finding[] = [];
    for (const o of this.origins(nowMs)) {
      const of = sources.filter((s) => hostLoss(s).has(o.host));
      const troubled = upstream.filter((f) => f.originHosts[0] === o.host);
      const allLossy = of.length >= 2 && troubled.length === of.length;
      if (!allLossy && !o.down) continue;
      wide.push({
        trouble: 'origin-wide',
        subject: `origin-wide:${o.host}`,
        lossPct: o.down ? 100 : o.lossPct,
        sources: of.map((s) => s.id),
        paths: of.flatMap((s) => (s.path === undefined ? [] : [s.path])),
        originHosts: [o.host],
        networks: networksOf(of),
        viewers: of.reduce((n, s) => n + s.viewers.length, 0),
        down: o.down,
        detail: {
          legLossPct: round(o.lossPct),
          sources: of.length,
          lossySources: troubled.length,
          failures: o.failures,
          threshold: lossyPct,
        },
      });
    }
    return [...wide, ...upstream, ...this.lastMile(cleanPct, lossyPct)];
  }

  private lastMile(cleanPct: number, lossyPct: number): Finding[] {
    const out: Finding[] = [];
    const nets = this.networks();
    const lossyNets = nets.filter((n) => (n.lossPct ?? 0) >= lossyPct);
    const reporting = nets.filter((n) => n.lossPct !== undefined).length;
    for (const n of lossyNets) {
      const watched = this.last.sources.filter((s) =>
        s.viewers.some((v) => v.network === n.network),
      );
      const clean = watched.every((s) => (this.merged.mean(s.id) ?? 0) < cleanPct);
      if (!clean || watched.length === 0) continue;
      out.push({
        trouble: 'last-mile',
        subject: `last-mile:${n.network}`,
        lossPct: n.lossPct ?? 0,
        sources: watched.map((s) => s.id),
        paths: watched.flatMap((s) => (s.path === undefined ? [] : [s.path])),
        originHosts: [...new Set(watched.map((s) => s.originHost))],
        networks: [n.network],
        viewers: n.viewers,
        detail: {
          viewerLossPct: round(n.lossPct ?? 0),
          mergedLossPct: round(Math.max(0, ...watched.map((s) => this.merged.mean(s.id) ?? 0))),
          lossyNetworks: lossyNets.length,
          reportingNetworks: reporting,
          threshold: lossyPct,
        },
      });
    }
    return out;
  }

  private failures(host: string, nowMs: number): number {
    const h = this.health.get(host);
    if (!h) return 0;
    return h.failures.filter((t) => t >= nowMs - this.opts.windowMs).length;
  }

  private isDown(host: string, nowMs: number): boolean {
    const h = this.health.get(host);
    if (!h) return false;
    const recent = h.failures.filter((t) => t >= nowMs - this.opts.windowMs);
    const lastFail = recent[recent.length - 1];
    if (lastFail === undefined || recent.length < DOWN_AFTER_FAILURES) return false;
    return h.lastOk === undefined || h.lastOk < lastFail;
  }

  private evict(nowMs: number): void {
    const from = nowMs - this.opts.windowMs;
    this.legLoss.evict(from);
    this.merged.evict(from);
    this.networkLoss.evict(from);
    for (const [host, h] of this.health) {
      h.failures = h.failures.filter((t) => t >= from);
      if (h.failures.length === 0 && (h.lastOk === undefined || h.lastOk < from))
        this.health.delete(host);
    }
  }
}

/** Per leg host of a source: the worst loss among its playing legs that have data. */
function hostLoss(s: SourceView): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of s.legs) {
    if (!l.playing || l.packets === 0) continue;
    out.set(l.host, Math.max(out.get(l.host) ?? 0, l.lossPct));
  }
  return out;
}

function networksOf(sources: readonly SourceView[]): string[] {
  return [...new Set(sources.flatMap((s) => s.viewers.map((v) => v.network)))];
}

function avg(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}
