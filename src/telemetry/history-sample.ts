/**
 * One history point from a telemetry snapshot: viewers (total and per path), joins and leaves
 * since the previous snapshot, upstream bit rate (per origin) and the bit rate sent to viewers,
 * legs open, viewers' loss (their receiver reports) and join times, and per source the loss of
 * its worst leg against the loss of the merged stream viewers get.
 */
import type { HistoryPoint } from './history.js';
import type { Snapshot } from './types.js';

export class HistorySampler {
  /** Bytes sent per viewer at the previous snapshot. */
  private sent = new Map<string, number>();
  private prevAt: number | undefined;
  /** Viewers whose join time was already counted. */
  private joined = new Set<string>();

  sample(snap: Snapshot): HistoryPoint {
    const dt = this.prevAt === undefined ? 0 : snap.at - this.prevAt;
    this.prevAt = snap.at;
    const sent = new Map<string, number>();
    const joined = new Set<string>();
    const viewersByPath = new Map<string, number>();
    const upKbpsByOrigin = new Map<string, number>();
    const legLossBySource = new Map<string, number>();
    const mergedLossBySource = new Map<string, number>();
    let viewers = 0;
    let joins = 0;
    let legs = 0;
    let upKbps = 0;
    let downBytes = 0;
    const loss: number[] = [];
    const joinTimes: number[] = [];
    const legLoss: number[] = [];
    const mergedLoss: number[] = [];
    for (const s of snap.sources) {
      const name = s.path ?? s.originHost;
      viewersByPath.set(name, (viewersByPath.get(name) ?? 0) + s.viewers.length);
      viewers += s.viewers.length;
      for (const v of s.viewers) {
        sent.set(v.id, v.bytesSent);
        const before = this.sent.get(v.id);
        if (before === undefined) joins++;
        downBytes += Math.max(0, v.bytesSent - (before ?? v.bytesSent));
        if (v.lossPct !== undefined) loss.push(v.lossPct);
        if (v.joinMs !== undefined) {
          joined.add(v.id);
          if (!this.joined.has(v.id)) joinTimes.push(v.joinMs);
        }
      }
      if (s.kind !== 'upstream') continue;
      legs += s.legs.length;
      let worst = 0;
      for (const l of s.legs) {
        upKbps += l.kbps;
        upKbpsByOrigin.set(l.host, (upKbpsByOrigin.get(l.host) ?? 0) + l.kbps);
        worst = Math.max(worst, l.lossPct);
      }
      if (s.legs.length === 0) continue;
      legLossBySource.set(name, Math.max(legLossBySource.get(name) ?? 0, worst));
      mergedLossBySource.set(name, Math.max(mergedLossBySource.get(name) ?? 0, s.mergedLossPct));
      legLoss.push(worst);
      mergedLoss.push(s.mergedLossPct);
    }
    let leaves = 0;
    for (const id of this.sent.keys()) if (!sent.has(id)) leaves++;
    this.sent = sent;
    this.joined = joined;
    return {
      totals: {
        viewers,
        joins,
        leaves,
        sources: snap.sources.length,
        legs,
        upKbps,
        ...(dt > 0 ? { downKbps: (downBytes * 8) / dt } : {}),
        viewerLossPct: mean(loss),
        joinMs: mean(joinTimes),
        legLossPct: mean(legLoss),
        mergedLossPct: mean(mergedLoss),
      },
      groups: { viewersByPath, upKbpsByOrigin, legLossBySource, mergedLossBySource },
    };
  }
}

/** NaN for none (the store skips it). */
function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}
