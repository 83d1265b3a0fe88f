/**
 * Sequence and timestamp arithmetic (RFC 3550 A.1): 16-bit sequence numbers and 32-bit RTP
 * timestamps wrap; inside seamd everything is compared as extended numbers.
 */

export const SEQ_MOD = 0x10000;
export const TS_MOD = 0x100000000;
/** A jump larger than this (forward) is a restart or a new source, not loss (RFC 3550 A.1). */
export const MAX_DROPOUT = 3000;
/** Packets this far behind the highest are considered reordered/duplicates (RFC 3550 A.1). */
export const MAX_MISORDER = 100;

/** Signed shortest distance from a to b modulo 2^16: seqDelta(65535, 1) === 2. */
export function seqDelta(a: number, b: number): number {
  const d = (b - a) & 0xffff;
  return d >= 0x8000 ? d - SEQ_MOD : d;
}

/** Signed shortest distance from a to b modulo 2^32. */
export function tsDelta(a: number, b: number): number {
  const d = (b - a) % TS_MOD;
  const u = d < 0 ? d + TS_MOD : d;
  return u >= TS_MOD / 2 ? u - TS_MOD : u;
}

/** a + delta modulo 2^32 (delta may be negative or large). */
export function tsAdd(a: number, delta: number): number {
  const r = (a + delta) % TS_MOD;
  return r < 0 ? r + TS_MOD : r;
}

/**
 * Turns a stream of 16-bit sequence numbers into extended ones (cycles · 2^16 + seq). The first
 * packet gets `seq + 2^16`, so packets reordered ahead of it still get positive numbers. Each
 * packet is placed at the extended number nearest the highest seen so far, which handles
 * wraparound in both directions and reordering by up to half the sequence space.
 */
export class SeqExtender {
  private highest = -1;

  /** Highest extended sequence number seen so far (-1 before the first packet). */
  get max(): number {
    return this.highest;
  }

  extend(seq: number): number {
    if (this.highest < 0) {
      this.highest = seq + SEQ_MOD;
      return this.highest;
    }
    const ext = this.highest + seqDelta(this.highest & 0xffff, seq);
    if (ext > this.highest) this.highest = ext;
    return ext;
  }

  /** Forget history (e.g. after an SSRC change). */
  reset(): void {
    this.highest = -1;
  }
}
