/**
 * The `repair:` config section (zod), imported by daemon/config-schema.ts. Error texts for custom
 * checks are written here; config.ts adds file, key path and line.
 */
import { z } from 'zod';
import { parseWindow, type TimeWindow } from './schedule.js';

export const REPAIR_SCHEDULES = ['immediate', 'off-peak', 'manual'] as const;
export type RepairSchedule = (typeof REPAIR_SCHEDULES)[number];

export interface RepairConfig {
  /** immediate: repair when asked; off-peak: only inside `offPeak`; manual: only the CLI. */
  readonly schedule: RepairSchedule;
  /** Times of day (daemon's local time), `HH:MM-HH:MM`; may wrap midnight. */
  readonly offPeak: readonly TimeWindow[];
  /** Repair legs open at once, over all recordings. */
  readonly maxConcurrentLegs: number;
  /** Cap on repair bandwidth (kbit/s), 0 = none: lowers Speed, then concurrent legs. */
  readonly maxBandwidthKbps: number;
  /** Gaps closer than this (seconds) are fetched as one span. */
  readonly coalesceSec: number;
  /** Longest span one leg fetches (seconds). */
  readonly maxSpanSec: number;
  /** `Speed` asked of the origin (1 = real time; gst-rtsp-server honours it on files). */
  readonly speed: number;
  /** Transport of repair legs (tcp: interleaved, nothing lost on the way). */
  readonly transport: 'tcp' | 'udp' | 'auto';
  /** Passes in a row that find nothing before a repair is given up ('failed')... */
  readonly retryAttempts: number;
  /** ...waiting this long (seconds, doubling) between them. */
  readonly retryBackoffSec: number;
  /** Path names or rtsp:// URLs to record and repair before anyone asks. */
  readonly prefetch: readonly string[];
}

export const REPAIR_DEFAULTS: RepairConfig = {
  schedule: 'immediate',
  offPeak: [],
  maxConcurrentLegs: 2,
  maxBandwidthKbps: 0,
  coalesceSec: 1,
  maxSpanSec: 30,
  speed: 4,
  transport: 'tcp',
  retryAttempts: 3,
  retryBackoffSec: 5,
  prefetch: [],
};

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const windowText = z.string().transform((text, ctx): TimeWindow => {
  const w = parseWindow(text);
  if (typeof w !== 'string') return w;
  ctx.addIssue({ code: 'custom', message: `${w} (got ${JSON.stringify(text)})` });
  return z.NEVER;
});

const prefetchEntry = z
  .string()
  .refine((s) => /^rtsp:\/\/[^/]+/i.test(s) || /^[A-Za-z0-9._-]+$/.test(s), {
    error: (iss) => `must be a path name or an rtsp:// URL (got ${JSON.stringify(iss.input)})`,
  });

const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === null || v === undefined ? [] : v), z.array(item));

export const repairShape = {
  schedule: z.enum(REPAIR_SCHEDULES).default(REPAIR_DEFAULTS.schedule),
  offPeak: list(windowText),
  maxConcurrentLegs: int(1, 64).default(REPAIR_DEFAULTS.maxConcurrentLegs),
  maxBandwidthKbps: int(0, 100_000_000).default(REPAIR_DEFAULTS.maxBandwidthKbps),
  coalesceSec: z.number().min(0).max(3600).default(REPAIR_DEFAULTS.coalesceSec),
  maxSpanSec: z.number().min(1).max(86_400).default(REPAIR_DEFAULTS.maxSpanSec),
  speed: z.number().min(1).max(64).default(REPAIR_DEFAULTS.speed),
  transport: z.enum(['tcp', 'udp', 'auto']).default(REPAIR_DEFAULTS.transport),
  retryAttempts: int(1, 100).default(REPAIR_DEFAULTS.retryAttempts),
  retryBackoffSec: z.number().min(0).max(86_400).default(REPAIR_DEFAULTS.retryBackoffSec),
  prefetch: list(prefetchEntry),
};

/** Problems of the whole section (cross-field checks). */
export function repairProblems(r: RepairConfig): string[] {
  if (r.schedule === 'off-peak' && r.offPeak.length === 0) {
    return ['schedule off-peak needs at least one offPeak window (e.g. ["01:00-06:00"])'];
  }
  return [];
}
