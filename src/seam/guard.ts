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
  /** payloadHash of the packet, computed when it arrived (not again when it is checked). */
  hash: number;
  at: number;
}

const NO_PACKET = Buffer.alloc(0);

function emptyFill(): WaitingFill {
  return { e: 0, packet: NO_PACKET, start: 0, end: 0, hash: 0, at: 0 };
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
  /** Waiting fillers sorted by e: a ring (power-of-two size, grown on demand) of reused entry
   * objects, live from `head` for `count` entries. No allocation per packet. */
  private ring: WaitingFill[] = [];
  private head = 0;
  private count = 0;
  /** What nextReleasable() and take() return: a copy of the removed entry, valid until the next
   * call of the same method (the ring slot is cleared so that it retains no packet). */
  private readonly released = emptyFill();
  private readonly taken = emptyFill();
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
    return this.count;
  }

  /** A leg packet at e with no canonical twin: fill now, wait for a run after it, or drop. */
  filler(e: number, packet: Buffer, start: number, end: number, hash: number, now: number): number {
    if (!(e >= this.lo)) return FILL_DROP;
    if (e <= this.hi) return FILL_NOW;
    if (this.count >= WAIT_CAPACITY) {
      this.removeHead();
      this.dropped++;
    }
    if (this.count === this.ring.length) this.grow();
    const ring = this.ring;
    const mask = ring.length - 1;
    let i = this.count;
    while (i > 0 && (ring[(this.head + i - 1) & mask] as WaitingFill).e > e) i--;
    if (i > 0 && (ring[(this.head + i - 1) & mask] as WaitingFill).e === e) return FILL_DROP; // a second copy
    // Insert at i: the free slot's object moves there, the entries after i move up one.
    const entry = ring[(this.head + this.count) & mask] as WaitingFill;
    for (let j = this.count; j > i; j--) {
      ring[(this.head + j) & mask] = ring[(this.head + j - 1) & mask] as WaitingFill;
    }
    ring[(this.head + i) & mask] = entry;
    entry.e = e;
    entry.packet = packet;
    entry.start = start;
    entry.end = end;
    entry.hash = hash;
    entry.at = now;
    this.count++;
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
    this.dropped += this.count;
    while (this.count > 0) this.removeHead();
  }

  /** Nobody can check the leg here (no trusted leg aligned): its mapping stands up to e. */
  trust(e: number): void {
    if (this.lo === Infinity) this.lo = e;
    if (e > this.hi) this.hi = e;
  }

  /** The next waiting filler the span now covers (removed: fill it), if any. */
  nextReleasable(): WaitingFill | undefined {
    if (this.count === 0) return undefined;
    const w = this.ring[this.head] as WaitingFill;
    if (w.e > this.hi) return undefined;
    copyFill(this.released, w);
    this.removeHead();
    return this.released;
  }

  /** Takes the waiting filler at e (its canonical twin arrived: the caller compares). */
  take(e: number): WaitingFill | undefined {
    const ring = this.ring;
    const mask = ring.length - 1;
    let a = 0;
    let b = this.count - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const x = (ring[(this.head + m) & mask] as WaitingFill).e;
      if (x < e) a = m + 1;
      else if (x > e) b = m - 1;
      else {
        const w = ring[(this.head + m) & mask] as WaitingFill;
        copyFill(this.taken, w);
        if (m === 0) {
          this.removeHead();
          return this.taken;
        }
        // Entries after m move down one; the freed object goes to the end.
        for (let j = m; j < this.count - 1; j++) {
          ring[(this.head + j) & mask] = ring[(this.head + j + 1) & mask] as WaitingFill;
        }
        ring[(this.head + this.count - 1) & mask] = w;
        w.packet = NO_PACKET;
        this.count--;
        return this.taken;
      }
    }
    return undefined;
  }

  /** Drops fillers that waited WAIT_MS. */
  expire(now: number): void {
    while (this.count > 0 && now - (this.ring[this.head] as WaitingFill).at >= WAIT_MS) {
      this.removeHead();
      this.dropped++;
    }
  }

  private removeHead(): void {
    const w = this.ring[this.head] as WaitingFill;
    w.packet = NO_PACKET;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
  }

  /** Doubles the ring (8 entries at first), live entries first. */
  private grow(): void {
    const old = this.ring;
    const ring: WaitingFill[] = [];
    for (let i = 0; i < this.count; i++)
      ring.push(old[(this.head + i) & (old.length - 1)] as WaitingFill);
    const size = Math.max(8, old.length * 2);
    while (ring.length < size) ring.push(emptyFill());
    this.ring = ring;
    this.head = 0;
  }
}

function copyFill(to: WaitingFill, from: WaitingFill): void {
  to.e = from.e;
  to.packet = from.packet;
  to.start = from.start;
  to.end = from.end;
  to.hash = from.hash;
  to.at = from.at;
}
