/**
 * The time source of the front end: wall-clock milliseconds and one-shot timers. Connections
 * (request and idle timeouts), viewer sessions (activity, join times) and the front end
 * (session expiry) all take it injected, so tests drive them with a fake clock instead of
 * waiting for real time.
 */
export interface Clock {
  /** Milliseconds since the epoch (as Date.now()). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock; its timers are unref'd (they never keep the process alive). */
export const REAL_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
