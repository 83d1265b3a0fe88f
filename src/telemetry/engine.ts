/**
 * Telemetry: once a tick (1 s) it collects what the daemon's sources, legs and viewers show
 * (collect.ts, with viewers' receiver reports from intake.ts), aggregates and classifies it
 * (aggregate.ts), matches the findings against the rules (rules.ts), keeps the decisions in
 * force (decisions.ts) and hands their leg actions (actions.ts) to each source's leg policy as
 * intents: the policy, with its one cooldown, decides whether and when legs open or close. The
 * status API and
 * /metrics read its last snapshot; the front end asks it `upstreamAllowed` / `recordingOnly`.
 */
import type { Logger } from 'pino';
import { mirrorPlan, openLegsIntent, type MirrorPlan } from './actions.js';
import {
  Aggregator,
  round,
  type Finding,
  type NetworkSummary,
  type OriginSummary,
} from './aggregate.js';
import { Collector, type CollectedSource, type CollectedViewer } from './collect.js';
import type { TelemetryConfig } from './config.js';
import { DecisionBook, type Decision } from './decisions.js';
import { HistoryStore } from './history.js';
import { HistorySampler } from './history-sample.js';
import { ViewerIntake, type ReportingViewer, type SourceLegs } from './intake.js';
import { DEFAULT_RULES, RuleSet, type RuleConfig } from './rules.js';
import { originOfUrl } from '../upstream/url.js';
import type { LegIntent, PolicyDecision } from '../seam/policy.js';
import type { Snapshot, SourceView } from './types.js';
import { logEvent } from '../events.js';

/** What telemetry asks of a source's legs (src/source/legs.ts LegSet). */
export interface LegIntents {
  /** Replaces the intents; returns what the leg policy decided on them at once. */
  express(intents: readonly LegIntent[]): PolicyDecision[];
}

/** What telemetry reads and drives of a source (src/source/source.ts Source). */
export interface TelemetrySource extends CollectedSource {
  readonly info: { readonly tracks: ReadonlyArray<{ readonly clockRate: number }> };
  readonly legs: CollectedSource['legs'] & SourceLegs & LegIntents;
}

/** What telemetry reads of a viewer session (src/serve/viewer.ts ViewerSession). */
export type TelemetryViewer = CollectedViewer & ReportingViewer;

/** What telemetry reads of the running daemon. */
export interface TelemetryHost {
  sources(): Iterable<TelemetrySource>;
  sessions(): Iterable<TelemetryViewer>;
}

export interface TelemetryOptions {
  readonly config: TelemetryConfig;
  readonly rules: readonly RuleConfig[];
  readonly log: Logger;
  readonly now?: () => number;
  /** Tick period; 0 = no timer, the caller drives `tick()` (tests, benchmarks). */
  readonly tickMs?: number;
}

export const TICK_MS = 1000;

export class Telemetry {
  readonly intake: ViewerIntake;
  /** Per-second and per-minute figures for /api/history (fixed size). */
  readonly history = new HistoryStore();
  private readonly sampler = new HistorySampler();
  private readonly collector: Collector;
  private aggregator: Aggregator;
  private rules: RuleSet;
  private readonly book: DecisionBook;
  private readonly now: () => number;
  private readonly log: Logger;
  private config: TelemetryConfig;
  private host: TelemetryHost | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: Snapshot = { at: 0, sources: [] };
  private lastFindings: Finding[] = [];
  /** Decisions taken since start, per rule and action (for /metrics). */
  readonly decisionCounts = new Map<string, number>();
  failovers = 0;

  constructor(opts: TelemetryOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.now = opts.now ?? (() => Date.now());
    this.intake = new ViewerIntake(opts.config.windowSec * 1000, this.now);
    this.collector = new Collector(opts.config, this.intake);
    this.aggregator = new Aggregator(aggregateOptions(opts.config));
    this.rules = new RuleSet(opts.rules);
    this.book = new DecisionBook(opts.config.windowSec * 1000, (level, event, fields, msg) => {
      if (event === 'telemetry.decision') {
        const key = `${String(fields.rule)}|${String(fields.action)}`;
        this.decisionCounts.set(key, (this.decisionCounts.get(key) ?? 0) + 1);
      }
      logEvent(this.log, level, event, fields, msg);
    });
    this.tickMs = opts.tickMs ?? TICK_MS;
  }

  private readonly tickMs: number;

  start(host: TelemetryHost): void {
    this.host = host;
    if (this.tickMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.intake.stop();
  }

  /** New telemetry settings and rules (SIGHUP); the figures collected so far are kept. */
  update(config: TelemetryConfig, rules: readonly RuleConfig[]): void {
    this.config = config;
    this.collector.update(config);
    this.rules = new RuleSet(rules);
    this.book.setHold(config.windowSec * 1000);
    this.aggregator = new Aggregator(aggregateOptions(config));
  }

  /** A viewer's RTCP (front end hook). */
  onViewerRtcp(session: ReportingViewer, track: number, payload: Buffer): void {
    this.intake.onViewerRtcp(session, track, payload);
  }

  /** An upstream session to `url` failed or delivered media (daemon's leg factory). */
  noteUpstream(url: string, ok: boolean): void {
    this.aggregator.noteUpstream(originOfUrl(url), ok, this.now());
  }

  /** False while a refuse-upstream decision covers this origin (URL, host:port or host). */
  upstreamAllowed(origin: string): boolean {
    return this.book.upstreamAllowed(origin);
  }

  /** True while a recording-only decision covers this path or origin. */
  recordingOnly(path: string | undefined, origin: string): boolean {
    return this.book.recordingOnly(path, origin);
  }

  get snapshot(): Snapshot {
    return this.last;
  }

  get findings(): readonly Finding[] {
    return this.lastFindings;
  }

  get decisions(): Decision[] {
    return this.book.decisions;
  }

  get maxLabelValues(): number {
    return this.config.maxLabelValues;
  }

  origins(): OriginSummary[] {
    return this.aggregator.origins(this.now());
  }

  networks(): NetworkSummary[] {
    return this.aggregator.networks();
  }

  /** One round: collect, aggregate, classify, decide, act. Public for tests. */
  tick(): void {
    const host = this.host;
    if (!host) return;
    const now = this.now();
    const sources = [...host.sources()];
    const sessions = [...host.sessions()];
    for (const s of sources) this.intake.watch(s);
    this.intake.prune(new Set(sessions.map((s) => s.id)), new Set(sources.map((s) => s.id)));
    const snap = this.collector.collect(now, sources, sessions);
    this.last = snap;
    this.history.add(now / 1000, this.sampler.sample(snap));
    this.aggregator.add(snap);
    const findings = this.aggregator.classify(now);
    this.lastFindings = findings;
    const matches: Array<{ finding: Finding; rule: RuleConfig }> = [];
    for (const finding of findings) {
      const rule = this.rules.match(finding);
      if (!rule) continue;
      // The built-in rule only speaks when it can do something: a source with a mirror.
      if (rule === DEFAULT_RULES[0] && !this.hasAlternative(snap, finding)) continue;
      matches.push({ finding, rule });
    }
    const byId = new Map(sources.map((s) => [s.id, s]));
    const asks = new Map<string, { intents: LegIntent[]; failovers: Failover[] }>();
    for (const d of this.book.apply(now, matches)) this.intentsOf(d, snap, asks);
    for (const view of snap.sources) {
      const source = byId.get(view.id);
      if (!source || source.closed || view.kind !== 'upstream') continue;
      const ask = asks.get(view.id);
      const taken = source.legs.express(ask?.intents ?? []);
      for (const f of ask?.failovers ?? []) {
        const closed = taken.flatMap((t) =>
          t.action === 'close' && t.reason === 'failover' && t.rule === f.rule.name ? [t.leg] : [],
        );
        if (closed.length > 0) this.logFailover(view, f, closed);
      }
    }
  }

  private hasAlternative(snap: Snapshot, f: Finding): boolean {
    const bad = f.originHosts[0] ?? '';
    return snap.sources.some(
      (s) =>
        f.sources.includes(s.id) && [s.origin, ...s.mirrors].some((u) => originOfUrl(u) !== bad),
    );
  }

  /** The intents decision `d` adds to the sources it covers. */
  private intentsOf(
    d: Decision,
    snap: Snapshot,
    asks: Map<string, { intents: LegIntent[]; failovers: Failover[] }>,
  ): void {
    const { rule, finding } = d;
    if (rule.action !== 'mirror' && rule.action !== 'open-legs') return;
    if (finding.trouble === 'last-mile') return; // more legs do not help a last mile
    const why = {
      rule: rule.name,
      lossPct: round(finding.lossPct),
      threshold: rule.match.minLossPct ?? this.config.lossyPct,
    };
    const bad = finding.originHosts[0] ?? '';
    for (const view of snap.sources) {
      if (!finding.sources.includes(view.id)) continue;
      const ask = asks.get(view.id) ?? { intents: [], failovers: [] };
      asks.set(view.id, ask);
      if (rule.action === 'open-legs') {
        ask.intents.push(openLegsIntent(rule.legs ?? view.legs.length + 1, why));
        continue;
      }
      const plan = mirrorPlan(view, bad, why, this.config);
      if (plan.kind === 'open' || plan.kind === 'failover') ask.intents.push(plan.intent);
      if (plan.kind === 'failover') ask.failovers.push({ rule, finding, from: bad, plan });
    }
  }

  private logFailover(view: SourceView, f: Failover, closed: string[]): void {
    const { rule, finding, from, plan } = f;
    const to = plan.to;
    this.failovers++;
    logEvent(
      this.log,
      'warn',
      'source.failover',
      {
        source: view.id,
        path: view.path,
        rule: rule.name,
        trouble: finding.trouble,
        from,
        fromLossPct: round(finding.lossPct),
        to: to.url,
        toLossPct: round(to.lossPct),
        threshold: this.config.cleanPct,
        closed,
        legs: view.legs.length - closed.length,
      },
      `failover: ${from} lost ${round(finding.lossPct)}%, now served from ${to.url} (rule ${rule.name})`,
    );
  }
}

/** A failover a decision asked for: logged once the policy has closed the legs. */
interface Failover {
  readonly rule: RuleConfig;
  readonly finding: Finding;
  readonly from: string;
  readonly plan: Extract<MirrorPlan, { kind: 'failover' }>;
}

function aggregateOptions(c: TelemetryConfig) {
  return { windowMs: c.windowSec * 1000, lossyPct: c.lossyPct, cleanPct: c.cleanPct };
}
