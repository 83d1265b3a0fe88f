/**
 * Off-peak windows: times of day `HH:MM-HH:MM` (local time of the daemon; a window may wrap
 * midnight, `22:00-02:00`). Pure: the clock is a Date passed in.
 */

/** Minutes since midnight, [start, end); start > end wraps midnight; start == end is all day. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const TIME = /^([01]?\d|2[0-4]):([0-5]\d)$/;

function minutes(text: string): number | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 24 * 60 ? v : undefined;
}

/** Parses `HH:MM-HH:MM`; returns the reason as a string when it is not one. */
export function parseWindow(text: string): TimeWindow | string {
  const parts = text.split('-');
  if (parts.length !== 2) return 'expected HH:MM-HH:MM';
  const start = minutes(parts[0] ?? '');
  const end = minutes(parts[1] ?? '');
  if (start === undefined || end === undefined) return 'expected HH:MM-HH:MM (00:00 to 24:00)';
  return { start: start % 1440, end: end % 1440, text: text.trim() };
}

function minuteOfDay(d: Date): number {
  return d.getHours() * 60 + d.getMinutes() + d.getSeconds() / 60;
}

export function inWindow(w: TimeWindow, d: Date): boolean {
  const m = minuteOfDay(d);
  if (w.start === w.end) return true;
  return w.start < w.end ? m >= w.start && m < w.end : m >= w.start || m < w.end;
}

/** Milliseconds until some window is open (0 when one is now; Infinity without windows). */
export function msUntilOpen(windows: readonly TimeWindow[], d: Date): number {
  if (windows.some((w) => inWindow(w, d))) return 0;
  const m = minuteOfDay(d);
  let best = Infinity;
  for (const w of windows) {
    const ahead = (w.start - m + 1440) % 1440;
    best = Math.min(best, ahead);
  }
  return best === Infinity ? Infinity : Math.ceil(best * 60_000);
}
