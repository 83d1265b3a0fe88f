/**
 * Helpers of the matcher (matcher.ts): anchors, payload equality and the timestamp grid.
 */
import { rtpPayloadEnd, rtpPayloadOffset } from '../protocol/rtp/rtp.js';
import { tsDelta } from '../protocol/rtp/seq.js';

/** A stored canonical packet's timestamp, as the grid needs it. */
interface Stamped {
  ts: number;
}

export interface Anchor {
  legExt: number;
  offset: number;
  legTs: number;
  canonTs: number;
  /** Payload compared byte for byte (else only the hash matched so far). */
  exact: boolean;
}

/**
 * The nearest anchor beyond anchors[i] in direction `dir` with another canonical timestamp (a
 * different frame): two packets of one frame agree on any timestamp, even a clipped one.
 */
export function otherFrame(anchors: readonly Anchor[], i: number, dir: 1 | -1): Anchor | undefined {
  const a = anchors[i];
  if (!a) return undefined;
  for (let j = i + dir, n = 0; j >= 0 && j < anchors.length && n < 64; j += dir, n++) {
    const b = anchors[j] as Anchor;
    if (b.offset !== a.offset) return undefined;
    if (b.canonTs !== a.canonTs) return b;
  }
  return undefined;
}

/** Smallest timestamp grid worth snapping to, in units of the tolerance. */
export const MIN_GRID_TOLERANCES = 8;

/** Whether two RTP packets carry the same payload bytes. */
export function payloadEquals(a: Buffer, b: Buffer): boolean {
  const sa = rtpPayloadOffset(a);
  const sb = rtpPayloadOffset(b);
  if (sa < 0 || sb < 0) return false;
  return a.subarray(sa, rtpPayloadEnd(a)).equals(b.subarray(sb, rtpPayloadEnd(b)));
}

/**
 * The mean of the timestamp steps within 2 ticks of the most common one, when nearly all steps
 * are within a tick or two of a multiple
 * of it (AAC from a file: 1024, as often 1023 or 1025 from rounding); 0 otherwise.
 */
export function approximateGrid(sorted: readonly Stamped[], tol: number): number {
  const counts = new Map<number, number>();
  const steps: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const d = tsDelta((sorted[i - 1] as Stamped).ts, (sorted[i] as Stamped).ts);
    if (d <= 0) continue;
    steps.push(d);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let mode = 0;
  let best = 0;
  for (const [d, n] of counts) if (n > best) [mode, best] = [d, n];
  const single = steps.filter((d) => Math.abs(d - mode) <= 2);
  const grid = Math.round(single.reduce((a, d) => a + d, 0) / Math.max(1, single.length));
  if (grid < MIN_GRID_TOLERANCES * tol) return 0;
  const near = steps.filter((d) => {
    const k = Math.round(d / grid);
    return Math.abs(d - k * grid) <= Math.max(2, k);
  }).length;
  return near >= 0.95 * steps.length ? grid : 0;
}

export function gcd(a: number, b: number): number {
  while (b > 0) [a, b] = [b, a % b];
  return a;
}
