/**
 * The per-track sequencer (pure, clock-injected): merges packets that are already in
 * canonical space. First arrival wins and is emitted at once (or, with a reorder window, held and
 * released in canonical order); later copies are duplicates; packets older than the history are
 * late; holes nobody filled within the gap timeout become one gap event per contiguous range.
 *
 * Pure and clock-injected: time is the `now` argument (ms); output goes to a SequencerSink.
 *
 * History is a ring of `size` slots (historyPackets rounded up to a power of two) indexed by
 * canonical extended sequence number; each slot remembers which ext it holds, its state, the
 * payload hash and canonical timestamp (the aligner compares new legs against these), and for
 * a hole the time it opened. Every operation is O(1) amortized: the gap scan pointer and the
 * reorder release pointer only move forward, each over every ext at most once.
 */
import { HashIndex } from './payload-hash.js';

/** Slot states. */
export const SLOT_EMPTY = 0;
export const SLOT_RECEIVED = 1;
export const SLOT_HOLE = 2;
export const SLOT_GAP = 3;

/** classify() results. */
export const ACCEPT = 0;
export const DUPLICATE = 1;
export const LATE = 2;

export interface SequencerSink {
  packet(track: number, packet: Buffer, ext: number, leg: string): void;
  gap(track: number, fromExt: number, toExt: number): void;
}

export interface TrackSequencerOptions {
  historyPackets: number;
  gapTimeoutMs: number;
  reorderWindowMs: number;
}

/** What the aligner reads: the canonical history of one track. */
export type CanonicalHistory = Readonly<
  Pick<TrackSequencer, 'size' | 'mask' | 'extAt' | 'state' | 'hash' | 'ts' | 'index'>
>;

/** Arrival-ordered (ext, time) queue for the reorder window; grows, never shrinks. */
class ArrivalFifo {
  private ext = new Float64Array(64);
  private time = new Float64Array(64);
  private head = 0;
  length = 0;

  push(ext: number, time: number): void {
    if (this.length === this.ext.length) this.grow();
    const i = (this.head + this.length) & (this.ext.length - 1);
    this.ext[i] = ext;
    this.time[i] = time;
    this.length++;
  }

  headExt(): number {
    return this.ext[this.head] ?? NaN;
  }

  headTime(): number {
    return this.time[this.head] ?? NaN;
  }

  pop(): void {
    this.head = (this.head + 1) & (this.ext.length - 1);
    this.length--;
  }

  private grow(): void {
    const n = this.ext.length;
    const ext = new Float64Array(n * 2);
    const time = new Float64Array(n * 2);
    for (let k = 0; k < this.length; k++) {
      ext[k] = this.ext[(this.head + k) & (n - 1)] ?? 0;
      time[k] = this.time[(this.head + k) & (n - 1)] ?? 0;
    }
    this.ext = ext;
    this.time = time;
    this.head = 0;
  }
}

export class TrackSequencer {
  /** Slots in the ring (a power of two); mask = size - 1. */
  readonly size: number;
  readonly mask: number;
  readonly extAt: Float64Array;
  readonly state: Uint8Array;
  readonly hash: Int32Array;
  readonly ts: Uint32Array;
  /** Hash multiset of the history; defined while some leg is aligning on this track. */
  index: HashIndex | undefined;

  /** Highest accepted ext (NaN before the first packet), its timestamp and arrival time. */
  highest = NaN;
  topTs = 0;
  topTime = 0;
  /** Lowest accepted ext: the span starts here. */
  private low = NaN;
  /** Next ext the gap scan looks at; everything in [first, scan) is received or declared. */
  private scan = NaN;
  /** Holes below the first packet (from a leg behind the others): [from, to, openedAt]… */
  private readonly downHoles: number[] = [];
  private readonly openedAt: Float64Array;
  /** Highest ext emitted and its timestamp (-1 = none). */
  outExt = -1;
  outTs = 0;

  private readonly reorder: boolean;
  private readonly held: Array<Buffer | undefined>;
  private readonly heldLeg: string[];
  private readonly fifo = new ArrivalFifo();
  /** Next ext to release in reorder mode (NaN until the first release). */
  private rel = NaN;

  private indexUsers = 0;
  private runFrom = NaN;
  private runTo = NaN;

  constructor(
    readonly track: number,
    private readonly opts: TrackSequencerOptions,
    private readonly sink: SequencerSink,
  ) {
    let size = 16;
    while (size < opts.historyPackets) size *= 2;
    this.size = size;
    this.mask = size - 1;
    this.extAt = new Float64Array(size).fill(NaN);
    this.state = new Uint8Array(size);
    this.hash = new Int32Array(size);
    this.ts = new Uint32Array(size);
    this.openedAt = new Float64Array(size);
    this.reorder = opts.reorderWindowMs > 0;
    this.held = this.reorder ? new Array<Buffer | undefined>(size).fill(undefined) : [];
    this.heldLeg = this.reorder ? new Array<string>(size).fill('') : [];
  }

  /** True until the first packet is accepted. */
  get empty(): boolean {
    return this.highest !== this.highest;
  }

  /** ACCEPT, DUPLICATE (this ext was already accepted) or LATE (out of history / released past). */
  classify(ext: number): number {
    if (ext <= this.highest - this.size) return LATE;
    if (ext < this.rel) return LATE;
    const s = ext & this.mask;
    return this.extAt[s] === ext && this.state[s] === SLOT_RECEIVED ? DUPLICATE : ACCEPT;
  }

  /** True if `ext` holds a received packet (for verification of aligned legs). */
  received(ext: number): boolean {
    const s = ext & this.mask;
    return this.extAt[s] === ext && this.state[s] === SLOT_RECEIVED;
  }

  /**
   * Takes a packet classify() said ACCEPT, already rewritten into canonical space. Emits it now
   * (or holds it, with a reorder window) and may emit gap events for holes pushed out of history.
   */
  accept(ext: number, ts: number, hash: number, packet: Buffer, leg: string, now: number): void {
    if (this.empty) {
      this.highest = this.low = this.scan = ext;
    } else if (ext > this.highest) {
      this.advance(ext, now);
    } else if (ext < this.low) {
      if (ext + 1 <= this.low - 1) this.downHoles.push(ext + 1, this.low - 1, now);
      this.low = ext;
    }
    const s = ext & this.mask;
    this.claim(s, ext);
    this.state[s] = SLOT_RECEIVED;
    this.hash[s] = hash;
    this.ts[s] = ts;
    this.index?.add(hash, ext);
    if (ext === this.highest) {
      this.topTs = ts;
      this.topTime = now;
    }
    if (this.reorder) {
      this.held[s] = packet;
      this.heldLeg[s] = leg;
      this.fifo.push(ext, now);
    } else {
      this.emit(s, ext, packet, leg);
    }
  }

  /** Declares expired gaps and (reorder mode) releases what may go. Cheap when nothing is due. */
  maintain(now: number): void {
    if (this.empty) return;
    if (this.downHoles.length > 0) this.resolveDown(-Infinity, now);
    this.resolveUp(this.highest, now, false);
    if (this.reorder) this.release(now);
    this.flushRun();
  }

  /** Start maintaining the hash index (one call per aligning leg; pair with releaseIndex). */
  retainIndex(): void {
    if (this.indexUsers++ > 0) return;
    const index = new HashIndex();
    for (let s = 0; s < this.size; s++) {
      if (this.state[s] === SLOT_RECEIVED) index.add(this.hash[s] ?? 0, this.extAt[s] ?? 0);
    }
    this.index = index;
  }

  releaseIndex(): void {
    if (this.indexUsers > 0 && --this.indexUsers === 0) this.index = undefined;
  }

  // ---- internals ----

  /** Makes slot s hold `ext` (EMPTY), dropping what it held from the index. */
  private claim(s: number, ext: number): void {
    const old = this.extAt[s] ?? NaN;
    if (old === ext) return;
    if (this.state[s] === SLOT_RECEIVED) this.index?.remove(this.hash[s] ?? 0, old);
    if (this.reorder) this.held[s] = undefined;
    this.extAt[s] = ext;
    this.state[s] = SLOT_EMPTY;
  }

  private emit(s: number, ext: number, packet: Buffer, leg: string): void {
    this.flushRun();
    if (ext > this.outExt) {
      this.outExt = ext;
      this.outTs = this.ts[s] ?? 0;
    }
    this.sink.packet(this.track, packet, ext, leg);
  }

  /** New highest `e`: settle everything falling out of history, then open holes below e. */
  private advance(e: number, now: number): void {
    const lim = e - this.size;
    const h = this.highest;
    if (lim >= this.low) {
      if (this.reorder) this.forceRelease(Math.min(lim, h));
      if (this.downHoles.length > 0) this.resolveDown(lim, now);
      this.resolveUp(Math.min(lim, h), now, true);
      if (lim > h) {
        // Jumped further than the history: everything in between is gone for good.
        this.addGapRange(Math.max(h + 1, this.scan), lim);
        this.scan = lim + 1;
        if (this.reorder) this.rel = lim + 1;
      }
    }
    for (let x = Math.max(h + 1, lim + 1); x < e; x++) {
      const s = x & this.mask;
      this.claim(s, x);
      this.state[s] = SLOT_HOLE;
      this.openedAt[s] = now;
    }
    this.highest = e;
  }

  /** Gap scan over [scan, limit]: stops at the first hole still inside its timeout. */
  private resolveUp(limit: number, now: number, force: boolean): void {
    let x = this.scan;
    const timeout = this.opts.gapTimeoutMs;
    while (x <= limit) {
      const s = x & this.mask;
      if (this.extAt[s] === x) {
        const st = this.state[s];
        if (st === SLOT_RECEIVED || st === SLOT_GAP) {
          x++;
          continue;
        }
        if (!force && st === SLOT_HOLE && (this.openedAt[s] ?? 0) + timeout > now) break;
      }
      this.declare(s, x);
      x++;
    }
    this.scan = x;
  }

  /** Holes below the first packet: declared when their timeout passes or history drops them. */
  private resolveDown(limit: number, now: number): void {
    const d = this.downHoles;
    const timeout = this.opts.gapTimeoutMs;
    for (let i = 0; i < d.length;) {
      const from = d[i] ?? 0;
      const to = d[i + 1] ?? 0;
      if ((d[i + 2] ?? 0) + timeout <= now || to <= limit) {
        this.declareRange(from, to);
        d.splice(i, 3);
        continue;
      }
      if (from <= limit) {
        this.declareRange(from, limit);
        d[i] = limit + 1;
      }
      i += 3;
    }
  }

  private declareRange(from: number, to: number): void {
    for (let x = from; x <= to; x++) {
      const s = x & this.mask;
      const st = this.state[s];
      if (this.extAt[s] === x && (st === SLOT_RECEIVED || st === SLOT_GAP)) continue;
      this.declare(s, x);
    }
  }

  /** Marks ext x (slot s) as a declared gap and adds it to the pending gap event. */
  private declare(s: number, x: number): void {
    this.claim(s, x);
    this.state[s] = SLOT_GAP;
    this.addGapRange(x, x);
  }

  private addGapRange(from: number, to: number): void {
    if (this.runTo === from - 1) {
      this.runTo = to;
      return;
    }
    this.flushRun();
    this.runFrom = from;
    this.runTo = to;
  }

  private flushRun(): void {
    if (this.runFrom !== this.runFrom) return;
    this.sink.gap(this.track, this.runFrom, this.runTo);
    this.runFrom = this.runTo = NaN;
  }

  // ---- reorder window ----

  private isHeld(x: number): boolean {
    const s = x & this.mask;
    return this.extAt[s] === x && this.held[s] !== undefined;
  }

  private releaseOne(x: number): void {
    const s = x & this.mask;
    const p = this.held[s];
    if (p !== undefined) {
      this.held[s] = undefined;
      this.emit(s, x, p, this.heldLeg[s] ?? '');
      return;
    }
    const st = this.state[s];
    if (this.extAt[s] === x && (st === SLOT_GAP || st === SLOT_RECEIVED)) return;
    this.declare(s, x);
  }

  /**
   * Releases in canonical order: a run of consecutive held packets goes at once; a hole is
   * skipped (and declared a gap) once the packet that has waited longest waited reorderWindowMs.
   */
  private release(now: number): void {
    const window = this.opts.reorderWindowMs;
    for (;;) {
      if (this.rel === this.rel) {
        while (this.rel <= this.highest && this.isHeld(this.rel)) this.releaseOne(this.rel++);
      }
      while (this.fifo.length > 0 && !this.isHeld(this.fifo.headExt())) this.fifo.pop();
      if (this.fifo.length === 0 || now - this.fifo.headTime() < window) return;
      const target = this.fifo.headExt();
      if (this.rel !== this.rel) this.rel = this.low;
      for (; this.rel <= target; this.rel++) this.releaseOne(this.rel);
    }
  }

  /** Releases (or declares) everything up to `limit` before history drops it. */
  private forceRelease(limit: number): void {
    if (this.rel !== this.rel) this.rel = this.low;
    for (; this.rel <= limit; this.rel++) this.releaseOne(this.rel);
  }
}
