/**
 * The `clips:` and `schedule:` sections: named spans of archived paths.
 *   clips.<name>: { path, from, to }                      (ISO 8601 times with a zone)
 *   schedule.<name>: { path, cron, duration }             (cron in UTC; duration like 15m)
 * A clip's `from` must be before its `to`; a cron expression must parse; `path` must name a
 * configured path with an `archive` section (checked against the paths by spanProblems).
 */
import { z } from 'zod';
import { utcTimeMs } from '../protocol/rtsp/headers/clock-range.js';
import { CLIP_NAME } from '../store/named-spans.js';
import { cronProblem } from '../store/programmes.js';
import { duration } from './archive-config.js';

export interface ClipConfig {
  readonly path: string;
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ScheduleConfig {
  readonly path: string;
  readonly cron: string;
  readonly durationMs: number;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `2026-12-01T14:15:00Z` (a zone is required) or `20261201T141500Z` → ms; undefined if neither. */
export function parseIsoTime(v: unknown): number | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.getTime();
  if (typeof v !== 'string') return undefined;
  const rfc = utcTimeMs(v);
  if (rfc !== undefined) return rfc;
  if (!ISO_TIME.test(v)) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

const isoTime = z.unknown().transform((v, ctx): number => {
  const ms = parseIsoTime(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected an ISO 8601 time with a zone like 2026-12-01T14:15:00Z (got ${JSON.stringify(v)})`,
    });
    return z.NEVER;
  }
  return ms;
});

export const CLIP_KEYS = ['path', 'from', 'to'];
export const SCHEDULE_KEYS = ['path', 'cron', 'duration'];

const spanName = z.string().refine((n) => CLIP_NAME.test(n), {
  error: (iss) =>
    `name must use only letters, digits, ".", "_" and "-", not starting with "." (got ${JSON.stringify(iss.input)})`,
});

const clipEntry = z
  .strictObject({ path: z.string(), from: isoTime, to: isoTime })
  .superRefine((c, ctx) => {
    if (c.from >= c.to) {
      const message = `from (${new Date(c.from).toISOString()}) must be before to (${new Date(c.to).toISOString()})`;
      ctx.addIssue({ code: 'custom', path: ['to'], message });
    }
  })
  .transform((c): ClipConfig => ({ path: c.path, fromMs: c.from, toMs: c.to }));

const cron = z.string().superRefine((v, ctx) => {
  const why = cronProblem(v);
  if (why !== undefined) {
    ctx.addIssue({ code: 'custom', message: `bad cron expression ${JSON.stringify(v)}: ${why}` });
  }
});

const scheduleEntry = z
  .strictObject({ path: z.string(), cron, duration })
  .transform((s): ScheduleConfig => ({ path: s.path, cron: s.cron, durationMs: s.duration }));

const orEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null || v === undefined ? {} : v), schema);

export const clipsSection = orEmpty(z.record(spanName, clipEntry));
export const scheduleSection = orEmpty(z.record(spanName, scheduleEntry));

/** Clips and schedules naming a path that is not configured or not archived. */
export function spanProblems(
  sections: { clips: Record<string, ClipConfig>; schedule: Record<string, ScheduleConfig> },
  paths: Record<string, { archive?: unknown }>,
): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = [];
  const named: Array<readonly ['clips' | 'schedule', string, { path: string }]> = [
    ...Object.entries(sections.clips).map(([n, c]) => ['clips', n, c] as const),
    ...Object.entries(sections.schedule).map(([n, c]) => ['schedule', n, c] as const),
  ];
  for (const [key, name, s] of named) {
    const p = Object.hasOwn(paths, s.path) ? paths[s.path] : undefined;
    if (!p) out.push({ path: [key, name, 'path'], message: `no path named "${s.path}"` });
    else if (!p.archive) {
      const message = `path "${s.path}" has no archive section (paths.${s.path}.archive)`;
      out.push({ path: [key, name, 'path'], message });
    }
  }
  return out;
}
