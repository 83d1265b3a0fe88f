/** Range (RFC 2326 §12.29, §3.5-3.7): `npt=8-30`, `npt=now-`, `clock=...`, `smpte=...`, `;time=`. */
import { ProtocolError } from '../../../errors.js';
import { hasCtl, trimOws } from '../syntax.js';

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
    if (!spec.includes('-') || /[\s,"]/.test(spec) || hasCtl(spec)) throw bad(v, `${unit} range`);
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
    if (!/^[0-9]{8}T[0-9]{6}(\.[0-9]+)?Z$/.test(time)) throw bad(v, 'time parameter');
    out.time = time;
  }
  return out;
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
    const raw = r.raw;
    if (!raw.includes('-') || /[\s,;"]/.test(raw) || hasCtl(raw)) throw bad(raw, `${r.unit} range`);
    out = `${r.unit === 'smpte' ? (r.variant ?? 'smpte') : r.unit}=${raw}`;
  }
  if (r.time !== undefined) {
    if (!/^[0-9]{8}T[0-9]{6}(\.[0-9]+)?Z$/.test(r.time)) throw bad(r.time, 'time parameter');
    out += `;time=${r.time}`;
  }
  return out;
}
