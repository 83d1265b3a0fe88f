/**
 * The decisions in force (pure, clock-injected). Each tick the engine hands over the findings
 * and the rule each matched; a (rule, subject) pair seen for the first time is a decision and
 * gets one `telemetry.decision` line with the rule, the numbers and the action; one not seen for
 * `holdMs` is over (`telemetry.clear`). The front end asks `upstreamAllowed(origin)` and
 * `recordingOnly(path, origin)` before it opens upstream sessions (recordings fallback).
 */
import type { Finding } from './aggregate.js';
import { round } from './aggregate.js';
import { originMatches, type RuleConfig } from './rules.js';
import { originOfUrl } from '../upstream/url.js';
import type { LogFields } from '../events.js';

export interface Decision {
  readonly key: string;
  readonly rule: RuleConfig;
  finding: Finding;
  readonly since: number;
  lastSeen: number;
}

export type DecisionLog = (
  level: 'info' | 'warn',
  event: 'telemetry.decision' | 'telemetry.clear',
  fields: LogFields,
  msg: string,
) => void;

export class DecisionBook {
  private readonly active = new Map<string, Decision>();

  constructor(
    private holdMs: number,
    private readonly log: DecisionLog,
  ) {}

  setHold(ms: number): void {
    this.holdMs = ms;
  }

  /** This tick's matches; returns the decisions in force after it. */
  apply(nowMs: number, matches: ReadonlyArray<{ finding: Finding; rule: RuleConfig }>): Decision[] {
    for (const { finding, rule } of matches) {
      const key = `${rule.name}|${finding.subject}`;
      const d = this.active.get(key);
      if (d) {
        d.finding = finding;
        d.lastSeen = nowMs;
        continue;
      }
      this.active.set(key, { key, rule, finding, since: nowMs, lastSeen: nowMs });
      this.log(
        finding.trouble === 'last-mile' || rule.action === 'log' ? 'info' : 'warn',
        'telemetry.decision',
        {
          ...finding.detail,
          rule: rule.name,
          trouble: finding.trouble,
          subject: finding.subject,
          action: rule.action,
          ...(rule.legs !== undefined ? { legs: rule.legs } : {}),
          lossPct: round(finding.lossPct),
          minLossPct: rule.match.minLossPct,
          sources: finding.sources,
          paths: finding.paths,
          origins: finding.originHosts,
          networks: finding.networks.slice(0, 8),
          viewers: finding.viewers,
          ...(finding.down !== undefined ? { down: finding.down } : {}),
        },
        `${finding.trouble} trouble (${round(finding.lossPct)}% loss): rule ${rule.name} → ${rule.action}`,
      );
    }
    for (const [key, d] of this.active) {
      if (nowMs - d.lastSeen < this.holdMs) continue;
      this.active.delete(key);
      this.log(
        'info',
        'telemetry.clear',
        {
          rule: d.rule.name,
          trouble: d.finding.trouble,
          subject: d.finding.subject,
          action: d.rule.action,
          seconds: Math.round((nowMs - d.since) / 1000),
        },
        `trouble over: rule ${d.rule.name} (${d.rule.action}) no longer applies`,
      );
    }
    return [...this.active.values()];
  }

  get decisions(): Decision[] {
    return [...this.active.values()];
  }

  /** False while a `refuse-upstream` decision covers this origin (`host:port`, host or URL). */
  upstreamAllowed(origin: string): boolean {
    const o = origin.includes('://') ? originOfUrl(origin) : origin;
    for (const d of this.active.values()) {
      if (d.rule.action !== 'refuse-upstream') continue;
      if (d.finding.originHosts.some((h) => originMatches(o, h) || originMatches(h, o)))
        return false;
    }
    return true;
  }

  /** True while a `recording-only` decision covers this path (or, origin-wide, its origin). */
  recordingOnly(path: string | undefined, origin: string): boolean {
    const host = originOfUrl(origin);
    for (const d of this.active.values()) {
      if (d.rule.action !== 'recording-only') continue;
      if (path !== undefined && d.finding.paths.includes(path)) return true;
      if (d.finding.trouble === 'origin-wide' && d.finding.originHosts.includes(host)) return true;
    }
    return false;
  }
}
