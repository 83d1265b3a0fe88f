/** Range (RFC 2326 §12.29, §3.5-3.7): `npt=8-30`, `npt=now-`, `clock=...`, `smpte=...`, `;time=`. */
import { ProtocolError } from '../../../errors.js';
import { trimOws } from '../syntax.js';

export type RangeSpec =
  | { unit: 'npt'; start: number | 'now' | undefined; end: number | undefined; time?: string }
  | {
      unit: 'clock' | 'smpte';
      /** the range text after `unit=`, kept verbatim */
      raw: string;
      time?: string;
      /** for SMPTE: which timecode flavour was named (absent means plain `smpte`, 30 fps) */
      variant?: 'smpte-30-drop' | 'smpte-25';
    };

function bad(v: string, why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_RANGE', `bad Range ${JSON.stringify(v)}: ${why}`);
}

/** npt-time = "now" | npt-sec | npt-hhmmss; returns seconds. */
export function parseNptTime(s: string): number | 'now' {
  const t = trimOws(s);
  if (t.toLowerCase() === 'now') return 'now';
  let m = /^(\d{1,15})(?:\.(\d*))?$/.exec(t);
  if (m?.[1] !== undefined) return Number(`${m[1]}.${m[2] ?? ''}0`);
  m = /^(\d{1,11}):(\d{1,2}):(\d{1,2})(?:\.(\d*))?$/.exec(t);
  if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
    const mm = Number(m[2]);
    const ss = Number(m[3]);
    if (mm < 60 && ss < 60) {
      return Number(m[1]) * 3600 + mm * 60 + Number(`${ss}.${m[4] ?? ''}0`);
    }
  }
  throw bad(s, 'npt time');
}

function parseNptRange(v: string, spec: string): RangeSpec & { unit: 'npt' } {
  const dash = spec.indexOf('-');
  if (dash < 0) throw bad(v, 'npt range without "-"');
  const a = trimOws(spec.slice(0, dash));
  const b = trimOws(spec.slice(dash + 1));
  if (a === '' && b === '') throw bad(v, 'empty npt range');
  const start = a === '' ? undefined : parseNptTime(a);
  const endTime = b === '' ? undefined : parseNptTime(b);
  if (endTime === 'now') throw bad(v, 'npt range ending at now');
  const end = endTime;
  if (typeof start === 'number' && end !== undefined && end < start) {
    throw bad(v, 'end before start');
  }
  return { unit: 'npt', start, end };
}

/**
 * utc-time (RFC 2326 §3.7): `YYYYMMDDThhmmss[.fraction]Z`, a real calendar date and time of day.
 * Returns a key that sorts like the instant it names, undefined when malformed.
 */
function utcKey(t: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, hh, mm, ss, frac = ''] = m.map((x) => x ?? '');
  const month = Number(mo);
  const day = Number(d);
  // Day 0 of the next month is the last day of this one.
  const monthDays = new Date(Date.UTC(2000, month, 0)).getUTCDate();
  const leapFeb = month === 2 && day === 29;
  const year = Number(y);
  const isLeap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month < 1 || month > 12 || day < 1 || day > monthDays || (leapFeb && !isLeap)) {
    return undefined;
  }
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return undefined;
  // Trailing zeros dropped, then padded: equal instants get equal keys, and keys compare as text.
  return `${y}${mo}${d}${hh}${mm}${ss}.${frac.replace(/0+$/, '').padEnd(20, '0')}`;
}

/** `start "-" [ end ]` with a start required (RFC 2326 §3.5, §3.7), end not before start. */
function checkRange(
  v: string,
  spec: string,
  what: string,
  key: (t: string) => string | number | undefined,
): void {
  const dash = spec.indexOf('-');
  if (dash < 0) throw bad(v, `${what} range without "-"`);
  const start = key(spec.slice(0, dash));
  const endText = spec.slice(dash + 1);
  const end = endText === '' ? undefined : key(endText);
  if (start === undefined || (endText !== '' && end === undefined)) throw bad(v, `${what} range`);
  if (end !== undefined && end < start) throw bad(v, 'end before start');
}

/**
 * smpte-time = hh ":" mm ":" ss [ ":" frames ] [ "." subframes ], each 1-2 digits (RFC 2326
 * §3.5), with minutes and seconds below 60 and frames below the rate. Returns subframes since 0.
 */
function smpteSubframes(t: string, fps: number): number | undefined {
  const m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) return undefined;
  const [h = 0, mm = 0, ss = 0, f = 0, sub = 0] = m.slice(1).map((x) => Number(x ?? 0));
  if (mm > 59 || ss > 59 || f >= fps) return undefined;
  return ((h * 3600 + mm * 60 + ss) * fps + f) * 100 + sub;
}

/** The frame rate of an SMPTE unit: 25 for smpte-25, else 30 (smpte, smpte-30-drop). */
function smpteFps(unit: string): number {
  return unit === 'smpte-25' ? 25 : 30;
}

export function parseRange(v: string): RangeSpec {
  const [first = '', ...params] = v.split(';');
  const eq = first.indexOf('=');
  if (eq < 0) throw bad(v, 'no unit');
  const unit = trimOws(first.slice(0, eq)).toLowerCase();
  const spec = trimOws(first.slice(eq + 1));
  let out: RangeSpec;
  if (unit === 'npt') {
    out = parseNptRange(v, spec);
  } else if (
    unit === 'clock' ||
    unit === 'smpte' ||
    unit === 'smpte-30-drop' ||
    unit === 'smpte-25'
  ) {
    if (unit === 'clock') checkRange(v, spec, unit, utcKey);
    else checkRange(v, spec, 'smpte', (t) => smpteSubframes(t, smpteFps(unit)));
    out =
      unit === 'clock' || unit === 'smpte'
        ? { unit, raw: spec }
        : { unit: 'smpte', raw: spec, variant: unit };
  } else {
    throw bad(v, `unknown unit ${JSON.stringify(unit)}`);
  }
  for (const p of params) {
    const peq = p.indexOf('=');
    if (peq < 0) continue;
    if (trimOws(p.slice(0, peq)).toLowerCase() !== 'time') continue; // ignore unknown parameters
    const time = trimOws(p.slice(peq + 1));
    if (utcKey(time) === undefined) throw bad(v, 'time parameter');
    out.time = time;
  }
  return out;
}

/**
 * Where an npt Range header value starts and ends (seconds): start 0 for `now` or an open start,
 * end undefined when open; start 0 and no end when the value is absent, not npt or unparseable.
 */
export function nptBounds(v: string | undefined): { start: number; end: number | undefined } {
  if (v === undefined) return { start: 0, end: undefined };
  try {
    const r = parseRange(v);
    if (r.unit !== 'npt') return { start: 0, end: undefined };
    return {
      start: typeof r.start === 'number' ? r.start : 0,
      end: typeof r.end === 'number' ? r.end : undefined,
    };
  } catch {
    return { start: 0, end: undefined };
  }
}

/** Seconds with up to 3 decimals and no trailing zeros: 8, 10.5, 0.125. */
export function formatNptTime(t: number | 'now'): string {
  if (t === 'now') return 'now';
  if (!Number.isFinite(t) || t < 0 || t >= 1e15) throw bad(String(t), 'npt time');
  return t.toFixed(3).replace(/\.?0+$/, '');
}

export function formatRange(r: RangeSpec): string {
  let out: string;
  if (r.unit === 'npt') {
    if (r.start === undefined && r.end === undefined) throw bad('', 'empty npt range');
    const start = r.start === undefined ? '' : formatNptTime(r.start);
    const end = r.end === undefined ? '' : formatNptTime(r.end);
    if (typeof r.start === 'number' && r.end !== undefined && Number(end) < Number(start)) {
      throw bad(`${start}-${end}`, 'end before start');
    }
    out = `npt=${start}-${end}`;
  } else {
    const unit = r.unit === 'smpte' ? (r.variant ?? 'smpte') : r.unit;
    out = `${unit}=${r.raw}`;
    if (r.unit === 'clock') checkRange(out, r.raw, unit, utcKey);
    else checkRange(out, r.raw, 'smpte', (t) => smpteSubframes(t, smpteFps(unit)));
  }
  if (r.time !== undefined) {
    if (utcKey(r.time) === undefined) throw bad(r.time, 'time parameter');
    out += `;time=${r.time}`;
  }
  return out;
}
