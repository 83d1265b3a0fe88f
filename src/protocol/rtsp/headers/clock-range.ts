/**
 * Absolute time for the archive: the `clock=` Range (RFC 2326 §3.7, `20261201T141500Z-` or with
 * `.fraction` and an end) as milliseconds since the epoch, its formatting for answers, durations
 * (`90s`, `15m`, `2h`, `7d`) and the `?at=` / `?ago=` query of time-shift URLs. Pure: "now"
 * comes in as an argument.
 */
import { ProtocolError } from '../../../errors.js';
import { parseRange } from './range.js';

export interface ClockRange {
  /** ms since the Unix epoch. */
  readonly startMs: number;
  readonly endMs: number | undefined;
}

function bad(v: string, why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_RANGE', `bad Range ${JSON.stringify(v)}: ${why}`);
}

/** `YYYYMMDDThhmmss[.fraction]Z` → ms since the epoch (the grammar is checked by parseRange). */
export function utcTimeMs(t: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(t);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  const whole = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6));
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  return whole + frac;
}

/**
 * The clock range of a Range header value, or undefined when it is another unit. Throws
 * HDR_BAD_RANGE (457) for a malformed one.
 */
export function parseClockRange(header: string): ClockRange | undefined {
  const spec = parseRange(header);
  if (spec.unit !== 'clock') return undefined;
  const dash = spec.raw.indexOf('-');
  const start = utcTimeMs(spec.raw.slice(0, dash));
  const endText = spec.raw.slice(dash + 1);
  const end = endText === '' ? undefined : utcTimeMs(endText);
  if (start === undefined) throw bad(header, 'clock start');
  return { startMs: start, endMs: end };
}

/** `20261201T141500.250Z` (milliseconds kept only when not zero). */
export function formatUtcTime(ms: number): string {
  const d = new Date(Math.round(ms));
  const p = (v: number, w = 2): string => String(v).padStart(w, '0');
  const base =
    `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  const millis = d.getUTCMilliseconds();
  return millis === 0 ? `${base}Z` : `${base}.${p(millis, 3)}Z`;
}

/** `clock=<start>-[<end>]`. */
export function formatClockRange(startMs: number, endMs?: number): string {
  return `clock=${formatUtcTime(startMs)}-${endMs === undefined ? '' : formatUtcTime(endMs)}`;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `90s`, `15m`, `2h`, `7d`, `500ms` or a bare number of seconds → ms; undefined when malformed. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The time a time-shift URL asks for: `?at=2026-12-01T14:15:00Z` (ISO 8601 with a zone, or the
 * RFC 2326 form) or `?ago=90s`. Undefined when the query names neither; throws HDR_BAD_RANGE
 * (457) for a malformed value.
 */
export function parseTimeQuery(search: string, nowMs: number): number | undefined {
  const q = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const at = q.get('at');
  const ago = q.get('ago');
  if (at !== null) {
    const rfc = utcTimeMs(at);
    if (rfc !== undefined) return rfc;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(at)) {
      throw bad(at, 'at= must be an ISO 8601 time with a zone (2026-12-01T14:15:00Z)');
    }
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) throw bad(at, 'at= is not a real time');
    return ms;
  }
  if (ago !== null) {
    const ms = parseDurationMs(ago);
    if (ms === undefined) throw bad(ago, 'ago= must be a duration like 90s, 15m or 2h');
    return nowMs - ms;
  }
  return undefined;
}
