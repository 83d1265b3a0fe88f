/**
 * What a decision does to a source's legs, one step per tick (pure over an injected leg
 * control): `mirror` opens a leg to another origin of the same content (a mirror, or the
 * origin when the mirror is the one in trouble) and, once that leg is aligned, has data and is
 * clean, closes every leg to the origin in trouble (the first leg too: the RTCP clock moves to
 * a surviving leg); `open-legs` opens legs up to the rule's count.
 */
import { round } from './aggregate.js';
import { originOfUrl } from '../upstream/url.js';
import type { SourceView } from './types.js';

/** What actions need of a source's LegSet (src/source/legs.ts). */
export interface LegControl {
  openLegTo(
    url: string,
    why: { reason: string; rule: string; lossPct: number; threshold: number },
  ): void;
  closeLegById(id: string, reason: string): boolean;
}

export interface ActionConfig {
  readonly cleanPct: number;
  readonly lossyPct: number;
}

/** A mirror leg must have this many packets in its window before it is trusted. */
export const MIN_MIRROR_PACKETS = 50;

export type MirrorStep =
  | { kind: 'opened'; url: string }
  | {
      kind: 'failover';
      to: string;
      toLossPct: number;
      closed: Array<{ id: string; lossPct: number }>;
    }
  | { kind: 'waiting' }
  | { kind: 'no-mirror' };

/**
 * One step of `mirror` for `view`, moving it off `badOrigin` (host:port). `attempt` picks the
 * candidate URL (the engine counts the opens it asked for, so a mirror that failed to open is
 * not asked again and again).
 */
export function mirrorStep(
  view: SourceView,
  ctl: LegControl,
  badOrigin: string,
  why: { rule: string; lossPct: number; threshold: number },
  cfg: ActionConfig,
  attempt: number,
): MirrorStep {
  const candidates = [...view.mirrors, view.origin].filter((u) => originOfUrl(u) !== badOrigin);
  const unique = [...new Set(candidates)];
  if (unique.length === 0) return { kind: 'no-mirror' };
  const good = view.legs.filter((l) => l.host !== badOrigin);
  const bad = view.legs.filter((l) => l.host === badOrigin);
  if (good.length === 0) {
    if (view.legsOpening > 0) return { kind: 'waiting' };
    const url = unique[attempt % unique.length] ?? '';
    ctl.openLegTo(url, { reason: 'telemetry', ...why });
    return { kind: 'opened', url };
  }
  const ready = good.find(
    (l) => l.aligned && l.playing && l.packets >= MIN_MIRROR_PACKETS && l.lossPct < cfg.cleanPct,
  );
  if (!ready || bad.length === 0) return { kind: 'waiting' };
  const closed: Array<{ id: string; lossPct: number }> = [];
  for (const l of bad) {
    if (ctl.closeLegById(l.id, `failover: rule ${why.rule}`))
      closed.push({ id: l.id, lossPct: round(l.lossPct) });
  }
  if (closed.length === 0) return { kind: 'waiting' };
  return { kind: 'failover', to: ready.url, toLossPct: round(ready.lossPct), closed };
}

/** One step of `open-legs`: one more leg while fewer than `target` are open or opening. */
export function openLegsStep(
  view: SourceView,
  ctl: LegControl,
  target: number,
  why: { rule: string; lossPct: number; threshold: number },
): boolean {
  if (view.legs.length + view.legsOpening >= target || view.legsOpening > 0) return false;
  const urls = view.mirrors.length > 0 ? view.mirrors : [view.origin];
  const url = urls[view.legs.length % urls.length] ?? view.origin;
  ctl.openLegTo(url, { reason: 'telemetry', ...why });
  return true;
}
