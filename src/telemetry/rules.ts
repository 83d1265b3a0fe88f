/**
 * Decision rules (pure): an ordered list from the config; for each finding the first rule whose
 * every `match` key holds wins. Without configured rules one built-in rule applies:
 * `default-mirror`: upstream trouble → bring in a mirror (see engine.ts for what each action does).
 */
import type { Finding, Trouble } from './aggregate.js';
import { cidrContains, parseCidr, type Cidr } from './netprefix.js';
import { hostPart } from './types.js';

export const RULE_ACTIONS = [
  'open-legs',
  'mirror',
  'recording-only',
  'refuse-upstream',
  'log',
] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];
export const TROUBLES = [
  'upstream',
  'last-mile',
  'origin-wide',
] as const satisfies readonly Trouble[];

export interface RuleMatch {
  /** Path name glob (`*`, `?`): any of the finding's paths. */
  readonly path?: string | undefined;
  /** Origin `host`, `host:port` or `*.example.net`: any of the finding's origins. */
  readonly origin?: string | undefined;
  /** CIDR: any of the finding's viewer networks lies inside. */
  readonly network?: string | undefined;
  readonly trouble?: Trouble | undefined;
  /** The finding's loss % is at least this. */
  readonly minLossPct?: number | undefined;
}

export interface RuleConfig {
  readonly name: string;
  readonly match: RuleMatch;
  readonly action: RuleAction;
  /** open-legs: legs the source should have (default: one more than now). */
  readonly legs?: number | undefined;
}

export const DEFAULT_RULES: readonly RuleConfig[] = [
  { name: 'default-mirror', match: { trouble: 'upstream' }, action: 'mirror' },
];

interface CompiledRule {
  readonly rule: RuleConfig;
  readonly path: RegExp | undefined;
  readonly network: Cidr | undefined;
}

/** A glob of `*` and `?` as an anchored, case-sensitive RegExp. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function originMatches(pattern: string, origin: string): boolean {
  const p = pattern.toLowerCase().replace(/^\[|\]$/g, '');
  const o = origin.toLowerCase();
  const host = hostPart(o);
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return p === o || p === host || `[${p}]` === o;
}

export class RuleSet {
  private readonly compiled: CompiledRule[];

  constructor(rules: readonly RuleConfig[]) {
    const list = rules.length === 0 ? DEFAULT_RULES : rules;
    this.compiled = list.map((rule) => ({
      rule,
      path: rule.match.path === undefined ? undefined : globRegExp(rule.match.path),
      network: rule.match.network === undefined ? undefined : parseCidr(rule.match.network),
    }));
  }

  get rules(): readonly RuleConfig[] {
    return this.compiled.map((c) => c.rule);
  }

  /** The first rule matching the finding, or undefined. */
  match(f: Finding): RuleConfig | undefined {
    return this.compiled.find((c) => matches(c, f))?.rule;
  }
}

function matches(c: CompiledRule, f: Finding): boolean {
  const m = c.rule.match;
  if (m.trouble !== undefined && m.trouble !== f.trouble) return false;
  if (m.minLossPct !== undefined && !(f.lossPct >= m.minLossPct)) return false;
  if (c.path && !f.paths.some((p) => c.path?.test(p))) return false;
  if (m.origin !== undefined && !f.originHosts.some((o) => originMatches(m.origin ?? '', o)))
    return false;
  const net = c.network;
  if (net && !f.networks.some((n) => cidrContains(net, n))) return false;
  return true;
}
