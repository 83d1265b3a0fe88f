/**
 * What a decision asks of a source's legs, as intents for the source's leg policy
 * (src/seam/policy.ts), which decides every leg count with its one cooldown: `mirror` asks for a
 * leg to another origin of the same content (a mirror, or the origin when the mirror is the one
 * in trouble) and, once that leg is aligned, has data and is clean, for no more legs to the
 * origin in trouble (the first leg too: the RTCP clock moves to a surviving leg); `open-legs`
 * asks for the rule's count of legs.
 */
import type { IntentWhy, LegIntent } from '../seam/policy.js';
import { originOfUrl } from '../upstream/url.js';
import type { LegView, SourceView } from './types.js';

export interface ActionConfig {
  readonly cleanPct: number;
  readonly lossyPct: number;
}

/** A mirror leg must have this many packets in its window before it is trusted. */
export const MIN_MIRROR_PACKETS = 50;

export type MirrorPlan =
  | { kind: 'open'; intent: LegIntent }
  | { kind: 'failover'; intent: LegIntent; to: LegView }
  | { kind: 'waiting' }
  | { kind: 'no-mirror' };

/** What `mirror` asks for `view` now, to move it off `badOrigin` (host:port). */
export function mirrorPlan(
  view: SourceView,
  badOrigin: string,
  why: IntentWhy,
  cfg: ActionConfig,
): MirrorPlan {
  const candidates = [...view.mirrors, view.origin].filter((u) => originOfUrl(u) !== badOrigin);
  const urls = [...new Set(candidates)];
  if (urls.length === 0) return { kind: 'no-mirror' };
  const good = view.legs.filter((l) => l.host !== badOrigin);
  if (good.length === 0) return { kind: 'open', intent: { kind: 'open-to', urls, why } };
  const ready = good.find(
    (l) => l.aligned && l.playing && l.packets >= MIN_MIRROR_PACKETS && l.lossPct < cfg.cleanPct,
  );
  if (!ready || !view.legs.some((l) => l.host === badOrigin)) return { kind: 'waiting' };
  return { kind: 'failover', intent: { kind: 'close-origin', origin: badOrigin, why }, to: ready };
}

/** What `open-legs` asks: `target` legs. */
export function openLegsIntent(target: number, why: IntentWhy): LegIntent {
  return { kind: 'keep-legs', legs: target, why };
}
