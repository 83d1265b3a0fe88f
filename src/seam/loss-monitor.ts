/**
 * Per-leg, per-track loss monitor (pure, clock-injected): loss over a sliding time window from
 * extended sequence numbers (RFC 3550 A.1), interarrival jitter (A.8), RR interval values (A.3).
 *
 * Sequence handling (RFC 3550 A.1):
 * - a packet within MAX_MISORDER behind .. MAX_DROPOUT ahead of the highest sequence is accepted;
 * - a packet outside that range is a candidate restart: it is counted in `packets`/`bytes` only,
 *   and if the very next packet follows it (seq + 1) the sender restarted its numbering: the
 *   window and the sequence state are reset instead of reporting thousands of lost packets;
 * - an accepted packet whose sequence number was already received is a duplicate: counted in
 *   `duplicates`, never in `received`, and it does not touch jitter.
 *
 * Window: the unique (first-copy) arrivals of the last `windowMs` (at most `maxWindowPackets`).
 * expected = highest - lowest + 1 over those arrivals; received = their count; a hole filled by
 * a late packet that itself arrives in the window is received, not lost. Times (arrivals and
 * `stats(now)`) must not go backwards: both evict what has left the window.
 *
 * Cost: `onPacket` is O(1) amortized and allocates nothing except when the window ring doubles
 * (bounded by `maxWindowPackets`). The window min/max are kept with monotonic deques.
 */
import {
  MAX_DROPOUT,
  MAX_MISORDER,
  SEQ_MOD,
  SeqExtender,
  seqDelta,
  tsDelta,
} from '../protocol/rtp/seq.js';

export interface LossStats {
  /** All packets received (duplicates and rejected jumps included). */
  packets: number;
  bytes: number;
  /** Duplicates since start. */
  duplicates: number;
  /** Over the window: highest - lowest + 1 of the extended sequence numbers that arrived. */
  expected: number;
  /** Over the window: unique packets. */
  received: number;
  /** Over the window: expected - received (never negative). */
  lost: number;
  /** Over the window: 100 * lost / expected (0 when expected = 0). */
  lossPct: number;
  /** RFC 3550 A.8 estimate in timestamp units (not truncated). */
  jitter: number;
  jitterMs: number;
  /** Extended highest sequence (cycles · 2^16 + seq, first packet in cycle 0); -1 before any. */
  highestExt: number;
  /** Since start (or the last restart): expected - unique received, never negative. */
  cumulativeLost: number;
  /** 0..255, loss fraction since the previous takeReportInterval() (RFC 3550 A.3). */
  fractionLost: number;
}

export interface ReportInterval {
  fractionLost: number;
  /** Clamped to the 24-bit signed range of an RR block. */
  cumulativeLost: number;
  highestExt: number;
  /** Truncated to an integer (RR field). */
  jitter: number;
}

export interface LossMonitorOptions {
  clockRate: number;
  windowMs: number;
  /** Upper bound of the window ring (memory bound); default 65536. */
  maxWindowPackets?: number;
}

export const DEFAULT_MAX_WINDOW_PACKETS = 65536;
const INITIAL_RING = 1024;
/** Received-bitmap span; must exceed MAX_MISORDER (older packets are never accepted). */
const DUP_SPAN = 1024;
const DUP_MASK = DUP_SPAN - 1;
const MAX_CUMULATIVE_LOST = 0x7fffff;

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class LossMonitor {
  private readonly clockRate: number;
  private readonly windowMs: number;
  private readonly limit: number;

  // totals
  private packets = 0;
  private bytes = 0;
  private duplicates = 0;

  // sequence state (internal extended numbers come from SeqExtender: first packet + 2^16)
  private readonly ext = new SeqExtender();
  private readonly seen = new Uint8Array(DUP_SPAN);
  private base = -1;
  private firstExt = -1;
  private uniqueReceived = 0;
  private badSeq = -1;
  private expectedPrior = 0;
  private receivedPrior = 0;

  // jitter
  private jitterTs = 0;
  private lastArrivalMs = 0;
  private lastTs = 0;
  private hasTransit = false;

  // window ring (absolute indices head..tail-1) and monotonic deques of ring indices
  private cap: number;
  private seqs: Float64Array;
  private arrivals: Float64Array;
  private head = 0;
  private tail = 0;
  private maxDq: Float64Array;
  private maxHead = 0;
  private maxTail = 0;
  private minDq: Float64Array;
  private minHead = 0;
  private minTail = 0;

  constructor(opts: LossMonitorOptions) {
    if (!(opts.clockRate > 0)) throw new RangeError(`clockRate must be > 0 (${opts.clockRate})`);
    if (!(opts.windowMs > 0)) throw new RangeError(`windowMs must be > 0 (${opts.windowMs})`);
    const limit = opts.maxWindowPackets ?? DEFAULT_MAX_WINDOW_PACKETS;
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`maxWindowPackets must be an integer ≥ 1 (${limit})`);
    this.clockRate = opts.clockRate;
    this.windowMs = opts.windowMs;
    this.limit = limit;
    this.cap = Math.min(INITIAL_RING, pow2AtLeast(limit));
    this.seqs = new Float64Array(this.cap);
    this.arrivals = new Float64Array(this.cap);
    this.maxDq = new Float64Array(this.cap);
    this.minDq = new Float64Array(this.cap);
  }

  onPacket(seq16: number, rtpTimestamp: number, bytes: number, arrivalMs: number): void {
    this.packets++;
    this.bytes += bytes;
    const seq = seq16 & 0xffff;
    let ext: number;
    if (this.firstExt < 0) {
      ext = this.ext.extend(seq);
      this.start(ext);
    } else {
      const highest = this.ext.max;
      const delta = seqDelta(highest & 0xffff, seq);
      if (delta > MAX_DROPOUT || delta < -MAX_MISORDER) {
        if (seq !== this.badSeq) {
          this.badSeq = (seq + 1) & 0xffff;
          return;
        }
        // two sequential packets after a big jump: the sender restarted its numbering
        this.restartSequence();
        ext = this.ext.extend(seq);
        this.start(ext);
      } else {
        ext = this.ext.extend(seq);
        if (ext > highest) this.clearSeen(highest, ext);
        else if (this.seen[ext & DUP_MASK] === 1) {
          this.duplicates++;
          return;
        }
        if (ext < this.base) this.base = ext;
      }
    }
    this.seen[ext & DUP_MASK] = 1;
    this.uniqueReceived++;
    this.updateJitter(rtpTimestamp, arrivalMs);
    this.evict(arrivalMs);
    this.push(ext, arrivalMs);
  }

  stats(nowMs: number): LossStats {
    this.evict(nowMs);
    const received = this.tail - this.head;
    let expected = 0;
    if (received > 0) {
      const max = this.seqs[this.maxDq[this.maxHead & (this.cap - 1)]! & (this.cap - 1)]!;
      const min = this.seqs[this.minDq[this.minHead & (this.cap - 1)]! & (this.cap - 1)]!;
      expected = max - min + 1;
    }
    const lost = Math.max(0, expected - received);
    return {
      packets: this.packets,
      bytes: this.bytes,
      duplicates: this.duplicates,
      expected,
      received,
      lost,
      lossPct: expected > 0 ? (100 * lost) / expected : 0,
      jitter: this.jitterTs,
      jitterMs: (this.jitterTs * 1000) / this.clockRate,
      highestExt: this.highestExt(),
      cumulativeLost: Math.max(0, this.expectedTotal() - this.uniqueReceived),
      fractionLost: this.fraction(),
    };
  }

  takeReportInterval(): ReportInterval {
    const fractionLost = this.fraction();
    const expected = this.expectedTotal();
    this.expectedPrior = expected;
    this.receivedPrior = this.uniqueReceived;
    return {
      fractionLost,
      cumulativeLost: Math.min(MAX_CUMULATIVE_LOST, Math.max(0, expected - this.uniqueReceived)),
      highestExt: this.highestExt(),
      jitter: Math.floor(this.jitterTs),
    };
  }

  /** Forget everything (SSRC change). */
  reset(): void {
    this.packets = 0;
    this.bytes = 0;
    this.duplicates = 0;
    this.jitterTs = 0;
    this.restartSequence();
  }

  private highestExt(): number {
    return this.firstExt < 0 ? -1 : this.ext.max - SEQ_MOD;
  }

  private expectedTotal(): number {
    return this.firstExt < 0 ? 0 : this.ext.max - this.base + 1;
  }

  private fraction(): number {
    const expectedInterval = this.expectedTotal() - this.expectedPrior;
    const lostInterval = expectedInterval - (this.uniqueReceived - this.receivedPrior);
    if (expectedInterval <= 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
  }

  private start(ext: number): void {
    this.firstExt = ext;
    this.base = ext;
    this.badSeq = -1;
  }

  /** Sequence restart: window, sequence and interval state go; totals and jitter stay. */
  private restartSequence(): void {
    this.ext.reset();
    this.seen.fill(0);
    this.base = -1;
    this.firstExt = -1;
    this.uniqueReceived = 0;
    this.badSeq = -1;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.hasTransit = false;
    this.head = this.tail = 0;
    this.maxHead = this.maxTail = 0;
    this.minHead = this.minTail = 0;
  }

  /** The highest moved from `from` to `to`: forget the slots the new numbers reuse. */
  private clearSeen(from: number, to: number): void {
    if (to - from >= DUP_SPAN) {
      this.seen.fill(0);
      return;
    }
    for (let s = from + 1; s <= to; s++) this.seen[s & DUP_MASK] = 0;
  }

  private updateJitter(ts: number, arrivalMs: number): void {
    if (this.hasTransit) {
      // D(i-1, i) = (Rj - Ri) - (Sj - Si), with the timestamp difference taken modulo 2^32
      const d =
        ((arrivalMs - this.lastArrivalMs) * this.clockRate) / 1000 - tsDelta(this.lastTs, ts);
      this.jitterTs += (Math.abs(d) - this.jitterTs) / 16;
    }
    this.hasTransit = true;
    this.lastArrivalMs = arrivalMs;
    this.lastTs = ts >>> 0;
  }

  private evict(nowMs: number): void {
    const edge = nowMs - this.windowMs;
    const mask = this.cap - 1;
    while (this.head < this.tail && this.arrivals[this.head & mask]! <= edge) this.dropOldest();
  }

  private dropOldest(): void {
    const mask = this.cap - 1;
    const idx = this.head++;
    if (this.maxHead < this.maxTail && this.maxDq[this.maxHead & mask] === idx) this.maxHead++;
    if (this.minHead < this.minTail && this.minDq[this.minHead & mask] === idx) this.minHead++;
  }

  private push(ext: number, arrivalMs: number): void {
    if (this.tail - this.head >= this.limit) this.dropOldest();
    else if (this.tail - this.head === this.cap) this.grow();
    const mask = this.cap - 1;
    const idx = this.tail++;
    this.seqs[idx & mask] = ext;
    this.arrivals[idx & mask] = arrivalMs;
    while (this.maxTail > this.maxHead) {
      const back = this.maxDq[(this.maxTail - 1) & mask]!;
      if (this.seqs[back & mask]! > ext) break;
      this.maxTail--;
    }
    this.maxDq[this.maxTail++ & mask] = idx;
    while (this.minTail > this.minHead) {
      const back = this.minDq[(this.minTail - 1) & mask]!;
      if (this.seqs[back & mask]! < ext) break;
      this.minTail--;
    }
    this.minDq[this.minTail++ & mask] = idx;
  }

  /** Double the ring and the deques, keeping absolute indices (so slots are idx & mask). */
  private grow(): void {
    const oldMask = this.cap - 1;
    this.cap *= 2;
    const mask = this.cap - 1;
    const seqs = new Float64Array(this.cap);
    const arrivals = new Float64Array(this.cap);
    for (let i = this.head; i < this.tail; i++) {
      seqs[i & mask] = this.seqs[i & oldMask]!;
      arrivals[i & mask] = this.arrivals[i & oldMask]!;
    }
    this.seqs = seqs;
    this.arrivals = arrivals;
    this.maxDq = LossMonitor.regrow(this.maxDq, this.maxHead, this.maxTail, oldMask, mask);
    this.minDq = LossMonitor.regrow(this.minDq, this.minHead, this.minTail, oldMask, mask);
  }

  private static regrow(
    dq: Float64Array,
    head: number,
    tail: number,
    oldMask: number,
    mask: number,
  ): Float64Array {
    const out = new Float64Array(mask + 1);
    for (let i = head; i < tail; i++) out[i & mask] = dq[i & oldMask]!;
    return out;
  }
}
