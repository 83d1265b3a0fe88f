/**
 * The legs a LegSet holds, in the Seamer's merge and out of it, and what they say together:
 * which one is the primary (anchors canonical space), which one is the RTCP clock leg, the
 * snapshots telemetry reads and the legs as the policy sees them.
 */
import type { PolicyLeg } from '../seam/policy.js';
import type { Seamer } from '../seam/seamer.js';
import { originOfUrl } from '../upstream/url.js';
import { legLoss, snapshotOf, type LegEntry, type LegSnapshot } from './leg-entry.js';

export class LegBook {
  private readonly entries = new Map<string, LegEntry>();

  constructor(private readonly seamer: Seamer) {}

  get size(): number {
    return this.entries.size;
  }

  all(): LegEntry[] {
    return [...this.entries.values()];
  }

  get(id: string): LegEntry | undefined {
    return this.entries.get(id);
  }

  /** Puts a leg into the book and the merge. */
  add(entry: LegEntry): void {
    this.entries.set(entry.leg.id, entry);
    this.seamer.addLeg(entry.leg.id);
  }

  /** Takes a leg out of the book and the merge; undefined if it was not in. */
  remove(entry: LegEntry): { contributed: number } | undefined {
    if (!this.entries.delete(entry.leg.id)) return undefined;
    const stats = this.seamer.legStats(entry.leg.id);
    this.seamer.removeLeg(entry.leg.id);
    return { contributed: stats ? stats.contributed.reduce((a, b) => a + b, 0) : 0 };
  }

  /** The leg anchoring canonical space: the lowest-numbered one. */
  get primary(): LegEntry | undefined {
    let best: LegEntry | undefined;
    for (const e of this.entries.values()) if (!best || e.index < best.index) best = e;
    return best;
  }

  /** The RTCP clock leg: the lowest-numbered playing leg aligned on every track, else primary. */
  clockLeg(): LegEntry | undefined {
    const primary = this.primary;
    let best: LegEntry | undefined;
    for (const e of this.entries.values()) {
      if (!e.playing || !(e === primary || this.aligned(e))) continue;
      if (!best || e.index < best.index) best = e;
    }
    return best ?? primary;
  }

  snapshots(now: number): LegSnapshot[] {
    const clock = this.clockLeg();
    return this.all().map((e) => snapshotOf(e, now, this.aligned(e), e === clock));
  }

  /** The legs as the policy weighs them. */
  policyLegs(now: number): PolicyLeg[] {
    const primary = this.primary;
    return this.all().map((e) => ({
      id: e.leg.id,
      lossPct: legLoss(e, now),
      openedAtMs: e.openedAt,
      aligned: this.aligned(e),
      packets: e.monitors.reduce((n, m) => n + m.stats(now).packets, 0),
      primary: e === primary,
      origin: originOfUrl(e.url),
    }));
  }

  private aligned(e: LegEntry): boolean {
    return this.seamer.legStats(e.leg.id)?.aligned.every(Boolean) ?? false;
  }
}
