import type { DaemonDeps } from '../../src/daemon/daemon.js';
import { bernoulli } from '../../src/seam/loss-model.js';
import { payloadOf, type PlayResult } from './raw-client.js';

/**
 * DaemonDeps.lossFor: 10% independent loss on every leg, seeded per path name and leg
 * (`seeds[path] * 100 + leg`; seed 1 for a path not in `seeds`).
 */
export function tenPercentPerPath(
  seeds: Record<string, number>,
): NonNullable<DaemonDeps['lossFor']> {
  return (req, legIndex) => bernoulli(10, (seeds[req.pathName ?? ''] ?? 1) * 100 + legIndex);
}

/**
 * Residual loss of a viewer's stream against what the origin sends a loss-free session of the
 * same content: payloads the direct session got that the viewer never got, over all tracks.
 */
export function residualLoss(
  direct: PlayResult,
  via: PlayResult,
): { lost: number; total: number; pct: number } {
  let lost = 0;
  let total = 0;
  for (let t = 0; t < direct.trackCount; t++) {
    const have = new Map<string, number>();
    for (const p of via.rtp[t] ?? []) {
      const k = payloadOf(p).toString('base64');
      have.set(k, (have.get(k) ?? 0) + 1);
    }
    for (const p of direct.rtp[t] ?? []) {
      total++;
      const k = payloadOf(p).toString('base64');
      const n = have.get(k) ?? 0;
      if (n > 0) have.set(k, n - 1);
      else lost++;
    }
  }
  return { lost, total, pct: total === 0 ? 100 : (100 * lost) / total };
}

/**
 * Loss from holes in a viewer's sequence numbers, over the stream from the first packet that
 * arrived at or after `from` (ms, Date.now() clock) to the end: the sequence numbers in that
 * span that never arrived (a late fill counts as arrived, whenever it came), per track, summed.
 */
export function seqHoleLoss(
  via: PlayResult,
  from: number,
): { lost: number; expected: number; pct: number } {
  let lost = 0;
  let expected = 0;
  for (let t = 0; t < via.trackCount; t++) {
    const packets = via.rtp[t] ?? [];
    const at = via.rtpAt[t] ?? [];
    const seen = new Set<number>();
    let first: number | undefined;
    let last = -Infinity;
    let ext = -1;
    for (let i = 0; i < packets.length; i++) {
      const seq = packets[i]?.readUInt16BE(2) ?? 0;
      // Extend against the previous packet (the stream is nearly in order).
      ext = ext < 0 ? seq + 65536 : ext + ((((seq - (ext & 0xffff)) & 0xffff) ^ 0x8000) - 0x8000);
      seen.add(ext);
      last = Math.max(last, ext);
      if (first === undefined && (at[i] ?? 0) >= from) first = ext;
    }
    if (first === undefined) continue;
    for (let e = first; e <= last; e++) {
      expected++;
      if (!seen.has(e)) lost++;
    }
  }
  return { lost, expected, pct: expected === 0 ? 100 : (100 * lost) / expected };
}
