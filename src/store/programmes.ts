/**
 * Schedules name stretches of a path's archive: `cron` says when a programme starts (UTC, five
 * fields, or six with seconds first), `duration` how long it runs. Pure: the programmes that lie
 * wholly within a kept span of the archive, and whether a time is a programme's start.
 * The cron expressions are parsed by cron-parser.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';

export interface ScheduleSpec {
  readonly name: string;
  readonly path: string;
  readonly cron: string;
  readonly durationMs: number;
}

/** One programme: schedule name, path, start (= fromMs) and end. */
export interface Programme {
  readonly schedule: string;
  readonly path: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** At most this many programmes per schedule and span (a per-second cron over a week). */
export const MAX_PROGRAMMES = 20_000;

function parse(cron: string, fromMs?: number, endMs?: number): CronExpression {
  return CronExpressionParser.parse(cron, {
    tz: 'UTC',
    ...(fromMs === undefined ? {} : { currentDate: new Date(fromMs) }),
    ...(endMs === undefined ? {} : { endDate: new Date(endMs) }),
  });
}

/** Why `cron` is not a cron expression, or undefined when it is one. */
export function cronProblem(cron: string): string | undefined {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return `expected 5 fields (or 6 with seconds), got ${fields}`;
  try {
    parse(cron).next();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The programmes of `s` whose whole [start, start + duration] lies in [fromMs, toMs]. */
export function programmesWithin(
  s: ScheduleSpec,
  fromMs: number,
  toMs: number,
  limit = MAX_PROGRAMMES,
): Programme[] {
  const lastStart = toMs - s.durationMs;
  if (!(lastStart >= fromMs) || !Number.isFinite(fromMs)) return [];
  const out: Programme[] = [];
  let it: CronExpression;
  try {
    // currentDate is exclusive: start one ms early so a start at fromMs counts.
    it = parse(s.cron, fromMs - 1, lastStart);
  } catch {
    return [];
  }
  while (out.length < limit && it.hasNext()) {
    const start = it.next().getTime();
    if (start < fromMs || start > lastStart) break;
    out.push({ schedule: s.name, path: s.path, fromMs: start, toMs: start + s.durationMs });
  }
  return out;
}

/** Whether `ms` is exactly a start of `cron` (whole seconds only). */
export function isProgrammeStart(cron: string, ms: number): boolean {
  if (!Number.isFinite(ms) || ms % 1000 !== 0) return false;
  try {
    return parse(cron).includesDate(new Date(ms));
  } catch {
    return false;
  }
}
