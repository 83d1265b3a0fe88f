/**
 * The `telemetry:` and `rules:` config sections (zod), imported by daemon/config-schema.ts.
 * Error texts for custom checks are written here; config.ts adds file, key path and line.
 */
import { z } from 'zod';
import { parseCidr } from './netprefix.js';
import { RULE_ACTIONS, TROUBLES, type RuleConfig } from './rules.js';

export interface TelemetryConfig {
  /** Sliding window of the aggregated figures (viewer reports, per source/origin/network). */
  readonly windowSec: number;
  /** Viewer networks: IPv4 addresses folded to this prefix length… */
  readonly viewerPrefixV4: number;
  /** …and IPv6 ones to this. */
  readonly viewerPrefixV6: number;
  /** Most values one metric label takes (sources, legs, origins, networks); the rest: `other`. */
  readonly maxLabelValues: number;
  /** Loss % (window mean) at which legs or a network are in trouble. */
  readonly lossyPct: number;
  /** Below this loss % a stream is clean (last-mile needs clean sources; a mirror must be). */
  readonly cleanPct: number;
}

export const TELEMETRY_DEFAULTS: TelemetryConfig = {
  windowSec: 10,
  viewerPrefixV4: 24,
  viewerPrefixV6: 56,
  maxLabelValues: 50,
  lossyPct: 2,
  cleanPct: 0.5,
};

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const pct = z.number().min(0).max(100);

export const telemetryShape = {
  windowSec: z.number().min(1).max(3600).default(TELEMETRY_DEFAULTS.windowSec),
  viewerPrefixV4: int(0, 32).default(TELEMETRY_DEFAULTS.viewerPrefixV4),
  viewerPrefixV6: int(0, 128).default(TELEMETRY_DEFAULTS.viewerPrefixV6),
  maxLabelValues: int(1, 10_000).default(TELEMETRY_DEFAULTS.maxLabelValues),
  lossyPct: pct.default(TELEMETRY_DEFAULTS.lossyPct),
  cleanPct: pct.default(TELEMETRY_DEFAULTS.cleanPct),
};

export const RULE_MATCH_KEYS = ['path', 'origin', 'network', 'trouble', 'minLossPct'] as const;
export const RULE_KEYS = ['name', 'match', 'action', 'legs'] as const;

const network = z.string().refine((t) => parseCidr(t) !== undefined, {
  error: (iss) => `must be a CIDR range like 10.1.0.0/16 (got ${JSON.stringify(iss.input)})`,
});

const ruleMatch = z.strictObject({
  path: z.string().min(1).optional(),
  origin: z.string().min(1).optional(),
  network: network.optional(),
  trouble: z.enum(TROUBLES).optional(),
  minLossPct: pct.optional(),
});

export const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, {
      error: (iss) =>
        `rule name must use only letters, digits, ".", "_" and "-" (got ${JSON.stringify(iss.input)})`,
    }),
    match: z.preprocess((v) => (v === null || v === undefined ? {} : v), ruleMatch),
    action: z.enum(RULE_ACTIONS),
    legs: int(1, 8).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.legs !== undefined && r.action !== 'open-legs')
      ctx.addIssue({
        code: 'custom',
        path: ['legs'],
        message: 'legs is only for action open-legs',
      });
  })
  .transform((r): RuleConfig => r);

/** Problems of the whole list (cross-rule checks). */
export function rulesProblems(
  rules: readonly RuleConfig[],
): Array<{ index: number; message: string }> {
  const seen = new Map<string, number>();
  const out: Array<{ index: number; message: string }> = [];
  rules.forEach((r, index) => {
    const first = seen.get(r.name);
    if (first !== undefined)
      out.push({
        index,
        message: `duplicate rule name ${JSON.stringify(r.name)} (also rules[${first}])`,
      });
    else seen.set(r.name, index);
  });
  return out;
}
