/**
 * One timer for every playout. Each playback asks to be woken `delayMs` from now; when the
 * timer fires, every wake-up due within `COALESCE_MS` of it runs from that one callback. A
 * timer per playback wakes the process once per viewer and frame at scattered times (100
 * viewers: thousands of wake-ups a second); here they share one. Running a pump a few ms early
 * is harmless: it sends only what its own horizon allows and asks again.
 */
import { performance } from 'node:perf_hooks';

/** Wake-ups due this close after the earliest one run with it, ms. */
export const COALESCE_MS = 5;

export class Pacer {
  private readonly due = new Map<() => void, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Wake-ups waiting. */
  get pending(): number {
    return this.due.size;
  }

  /** Calls `fn` once, `delayMs` from now or up to COALESCE_MS sooner (replaces its earlier ask). */
  wakeIn(fn: () => void, delayMs: number): void {
    const at = this.now() + Math.max(0, delayMs);
    this.due.set(fn, at);
    if (at < this.timerAt) this.arm(at);
  }

  /** Forgets `fn`'s wake-up, if any. */
  cancel(fn: () => void): void {
    if (!this.due.delete(fn) || this.due.size > 0 || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.run, Math.max(0, at - this.now()));
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const limit = this.now() + COALESCE_MS;
    const ready: Array<() => void> = [];
    for (const [fn, at] of this.due) if (at <= limit) ready.push(fn);
    for (const fn of ready) this.due.delete(fn);
    let failure: unknown;
    let failed = false;
    for (const fn of ready) {
      try {
        fn();
      } catch (err) {
        // The others still run; the first error is thrown once they have (as a timer would).
        if (!failed) failure = err;
        failed = true;
      }
    }
    let next = Infinity;
    for (const at of this.due.values()) if (at < next) next = at;
    if (next < this.timerAt) this.arm(next);
    if (failed) throw failure;
  };
}

/** The pacer playouts share unless given their own. */
export const SHARED_PACER = new Pacer();
