/**
 * SDP `a=range` values (RFC 2326 C.1.5 / RFC 7826 appendix D.1.5): `npt=`, `smpte[-25|-30-drop]=`
 * and `clock=` ranges, reduced to seconds.
 */

export interface SdpRange {
  /** Seconds, 'now' for `npt=now-...`, undefined for an open start (`npt=-30`). */
  start: number | 'now' | undefined;
  /** Seconds; undefined when the range is open-ended (a live session). */
  end: number | undefined;
}

const NPT_SEC = /^(\d+)(?:\.(\d*))?$/;
const NPT_HHMMSS = /^(\d+):([0-5]?\d):([0-5]?\d)(?:\.(\d*))?$/;

function fraction(digits: string | undefined): number {
  return digits ? Number(`0.${digits}`) : 0;
}

/** One npt-time (RFC 2326 3.6): `now`, `123.45` or `1:02:03.5`. */
function parseNptTime(text: string): number | 'now' | undefined {
  if (text.toLowerCase() === 'now') return 'now';
  let m = NPT_SEC.exec(text);
  if (m) return Number(m[1]) + fraction(m[2]);
  m = NPT_HHMMSS.exec(text);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + fraction(m[4]);
  return undefined;
}

const SMPTE_TIME = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,2}))?)?$/;

/** One smpte-time (`10:07:33:05.01`); frames and subframes converted at `fps`. */
function parseSmpteTime(text: string, fps: number): number | undefined {
  const m = SMPTE_TIME.exec(text);
  if (!m) return undefined;
  const frames = Number(m[4] ?? 0) + Number(m[5] ?? 0) / 100;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + frames / fps;
}

const CLOCK_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d*))?Z$/i;

/** One utc-time (`19961108T143720.25Z`) as ms since the epoch. */
function parseClockTime(text: string): number | undefined {
  const m = CLOCK_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return ms + fraction(frac) * 1000;
}

function splitPair(spec: string): [string, string] | undefined {
  const parts = spec.split('-').map((p) => p.trim());
  if (parts.length !== 2) return undefined;
  return [parts[0] ?? '', parts[1] ?? ''];
}

function parseNpt(spec: string): SdpRange | undefined {
  const pair = splitPair(spec);
  if (!pair) return undefined;
  const start = pair[0] === '' ? undefined : parseNptTime(pair[0]);
  const end = pair[1] === '' ? undefined : parseNptTime(pair[1]);
  if ((pair[0] !== '' && start === undefined) || (pair[1] !== '' && end === undefined)) {
    return undefined;
  }
  if (end === 'now' || (start === undefined && end === undefined)) return undefined;
  return { start, end };
}

function parseSmpte(spec: string, fps: number): SdpRange | undefined {
  const pair = splitPair(spec);
  if (!pair || pair[0] === '') return undefined;
  const start = parseSmpteTime(pair[0], fps);
  const end = pair[1] === '' ? undefined : parseSmpteTime(pair[1], fps);
  if (start === undefined || (pair[1] !== '' && end === undefined)) return undefined;
  return { start, end };
}

/** Absolute clock ranges become relative: start 0, end = duration in seconds. */
function parseClock(spec: string): SdpRange | undefined {
  const pair = splitPair(spec);
  if (!pair || pair[0] === '') return undefined;
  const start = parseClockTime(pair[0]);
  const end = pair[1] === '' ? undefined : parseClockTime(pair[1]);
  if (start === undefined || (pair[1] !== '' && end === undefined)) return undefined;
  return { start: 0, end: end === undefined ? undefined : Math.max(0, (end - start) / 1000) };
}

const SMPTE_FPS: Readonly<Record<string, number>> = {
  smpte: 30,
  'smpte-30-drop': 29.97,
  'smpte-25': 25,
};

/**
 * Parse the value of an `a=range:` attribute (the text after `range:`). Returns undefined for
 * anything unparseable or for a unit we do not know; callers then behave as if there was no
 * range. Anything after a `;` is ignored.
 */
export function parseSdpRange(value: string): SdpRange | undefined {
  const text = (value.split(';')[0] ?? '').trim();
  const eq = text.indexOf('=');
  if (eq < 0) return undefined;
  const unit = text.slice(0, eq).trim().toLowerCase();
  const spec = text.slice(eq + 1).trim();
  if (unit === 'npt') return parseNpt(spec);
  if (unit === 'clock') return parseClock(spec);
  const fps = SMPTE_FPS[unit];
  return fps === undefined ? undefined : parseSmpte(spec, fps);
}
