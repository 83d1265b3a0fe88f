/**
 * Keeps a leg aligned by payload from filling holes under a mapping nobody has checked there.
 *
 * An offset confirmed by a run of matching payloads holds only as far as the origin kept the two
 * sessions in step. Around a seek or a leg's join the origin inserts (re-sent parameter sets),
 * repeats, re-stamps and drops packets, and every such edit shifts the sequence offset between
 * the sessions from there on. A hole in canonical space has nothing to compare with, so a leg
 * packet may fill it only where the leg's mapping is verified on both sides, as the repair
 * matcher does: a run of the leg's packets matching canonical space (payload hash and mapped
 * timestamp) before it and one after it, with no disagreement in between.
 *
 * The guard of one leg on one track tracks, in the leg's extended sequence numbers:
 *   [lo, hi]  the verified span: from the start of a run to the end of the latest run, with no
 *             disagreement seen inside. A hole-filler inside it goes out at once (the leg is
 *             behind canonical space: the usual late fill).
 *   waiting   hole-fillers past hi (the leg is ahead, or no run after them yet): released when a
 *             run ends past them, dropped on a disagreement or after WAIT_MS. A waiting packet
 *             whose canonical twin arrives meanwhile is checked against it, so a leg ahead of
 *             canonical space verifies itself as canonical space catches up.
 * A disagreement closes the span: nothing is filled until a new run after it opens one.
 *
 * A run is RUN consecutive leg packets that all matched, with at least RUN_DISTINCT payloads
 * (parameter sets repeat: SPS, PPS, SPS, PPS matching at a wrong offset proves nothing).
 * Pure: the caller passes arrival times.
 */

export const RUN = 4;
export const RUN_DISTINCT = 3;
/** A hole-filler waits at most this long for the run after it. */
export const WAIT_MS = 2000;
/** Hole-fillers waiting at most, per leg and track (the oldest go first). */
export const WAIT_CAPACITY = 1024;

/** filler() verdicts. */
export const FILL_NOW = 0;
export const FILL_WAIT = 1;
export const FILL_DROP = 2;

export interface WaitingFill {
  e: number;
  packet: Buffer;
  start: number;
  end: number;
  at: number;
}

export class MappingGuard {
  /** Verified span [lo, hi] (leg exts); lo = Infinity while closed by a disagreement. */
  lo: number;
  hi: number;
  /** The current run of matches (consecutive leg exts), and its distinct payloads (up to 3). */
  private runStart = NaN;
  private runEnd = NaN;
  private runHashes: number[] = [];
  /** The current run already is a run (long and varied enough). */
  private runOk = false;
  /** Leg ext of the last disagreement: a run reopening the span must start after it. */
  private brokeAt = -Infinity;
  /** Sorted by e. */
  private readonly waiting: WaitingFill[] = [];
  /** Waiting fillers dropped (disagreement, timeout, overflow): the caller counts them. */
  dropped = 0;

  /** [lo, hi]: the confirming run of the alignment (matches right after it extend it). */
  constructor(lo: number, hi: number) {
    this.lo = lo;
    this.hi = hi;
    this.runStart = lo;
    this.runEnd = hi;
    this.runOk = true;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** A leg packet at e with no canonical twin: fill now, wait for a run after it, or drop. */
  filler(e: number, packet: Buffer, start: number, end: number, now: number): number {
    if (!(e >= this.lo)) return FILL_DROP;
    if (e <= this.hi) return FILL_NOW;
    const w = this.waiting;
    if (w.length >= WAIT_CAPACITY) {
      w.shift();
      this.dropped++;
    }
    let i = w.length;
    while (i > 0 && (w[i - 1] as WaitingFill).e > e) i--;
    if (i > 0 && (w[i - 1] as WaitingFill).e === e) return FILL_DROP; // a second copy
    const entry = { e, packet, start, end, at: now };
    if (i === w.length) w.push(entry);
    else w.splice(i, 0, entry);
    return FILL_WAIT;
  }

  /** The leg's packet at e matched its canonical twin (payload and timestamp). */
  matched(e: number, hash: number): void {
    if (e <= this.brokeAt) return; // evidence from before the disagreement
    if (e !== this.runEnd + 1) {
      if (e <= this.runEnd && e >= this.runStart) return; // a second copy inside the run
      this.runStart = e;
      this.runHashes.length = 0;
      this.runOk = false;
    }
    this.runEnd = e;
    if (!this.runOk) {
      if (this.runHashes.length < RUN_DISTINCT && !this.runHashes.includes(hash)) {
        this.runHashes.push(hash);
      }
      if (this.runEnd - this.runStart + 1 < RUN || this.runHashes.length < RUN_DISTINCT) return;
      this.runOk = true;
    }
    if (this.lo === Infinity) this.lo = this.runStart;
    if (this.runEnd > this.hi) this.hi = this.runEnd;
  }

  /** The leg's packet at e disagreed with its canonical twin: close the span. */
  broken(e: number): void {
    this.lo = Infinity;
    this.hi = -Infinity;
    if (e > this.brokeAt) this.brokeAt = e;
    this.runStart = this.runEnd = NaN;
    this.runHashes.length = 0;
    this.runOk = false;
    this.dropped += this.waiting.length;
    this.waiting.length = 0;
  }

  /** Nobody can check the leg here (no trusted leg aligned): its mapping stands up to e. */
  trust(e: number): void {
    if (this.lo === Infinity) this.lo = e;
    if (e > this.hi) this.hi = e;
  }

  /** The next waiting filler the span now covers (remove it and fill), if any. */
  nextReleasable(): WaitingFill | undefined {
    const w = this.waiting[0];
    if (w === undefined || w.e > this.hi) return undefined;
    this.waiting.shift();
    return w;
  }

  /** Takes the waiting filler at e (its canonical twin arrived: the caller compares). */
  take(e: number): WaitingFill | undefined {
    const w = this.waiting;
    let a = 0;
    let b = w.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const x = (w[m] as WaitingFill).e;
      if (x === e) return w.splice(m, 1)[0];
      if (x < e) a = m + 1;
      else b = m - 1;
    }
    return undefined;
  }

  /** Drops fillers that waited WAIT_MS. */
  expire(now: number): void {
    const w = this.waiting;
    let n = 0;
    while (n < w.length) {
      const x = w[n] as WaitingFill;
      if (now - x.at < WAIT_MS) break;
      n++;
    }
    if (n === 0) return;
    w.splice(0, n);
    this.dropped += n;
  }
}
