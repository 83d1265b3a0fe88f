/**
 * Leg policy (pure, clock-injected): when to open and close upstream legs of a source.
 *
 * One `decide()` call looks at the legs in this order and returns every decision it takes:
 * 1. `close`/`unaligned`: a non-primary leg not aligned `alignTimeoutMs` after it opened.
 * 2. `close`/`over-max`: more legs than `maxLegs` (after a reload lowered it): the worst go.
 * 3. `open`/`min-legs`: fewer legs (opening included) than `minLegs`: one open per missing leg.
 * 4. `open`/`loss`: an aligned leg older than `openCooldownMs`, with data in its window, has a
 *    window loss ≥ `openLossPct`, the merged stream is not healthy (> `closeLossPct`), legs +
 *    opening < `maxLegs`, and the last open was ≥ `openCooldownMs` ago → open one; the trigger
 *    is the lossiest such leg.
 * 5. `close`/`healthy`: only when nothing else was decided and no leg is opening: the merged
 *    loss stayed ≤ `closeLossPct` for `holdMs`, legs > `minLegs`, and at least one remaining
 *    aligned leg is healthy on its own (< `openLossPct`; otherwise rule 4 would reopen right
 *    away) → close the worst leg and restart the hold timer.
 *
 * The worst leg: unaligned first, then the highest window loss, then the newest, then the id.
 * The primary (the leg that anchors canonical space) is closed only when it is strictly the
 * lossiest and another aligned leg remains to take over; the caller must then promote one.
 *
 * The numbers each decision carries, for the log line:
 * - open/min-legs: lossPct = merged loss, threshold = minLegs
 * - open/loss: lossPct = the trigger leg's loss, threshold = openLossPct
 * - close/healthy: lossPct = merged loss, threshold = closeLossPct
 * - close/over-max: lossPct = the closed leg's loss, threshold = maxLegs
 * - close/unaligned: lossPct = the closed leg's loss, threshold = alignTimeoutMs
 * - legsNow: legs + opening before this decision (earlier decisions of the call applied).
 */
import { ConfigError } from '../errors.js';

export interface SeamPolicyConfig {
  minLegs: number;
  maxLegs: number;
  openLossPct: number;
  closeLossPct: number;
  holdMs: number;
  /** Minimum time between two opens, so a new leg's window fills. */
  openCooldownMs: number;
  /** A non-primary leg still unaligned this long after opening is closed (default 10 000). */
  alignTimeoutMs?: number;
}

export interface PolicyLeg {
  id: string;
  lossPct: number;
  openedAtMs: number;
  aligned: boolean;
  /** Packets in the leg's loss window (0: no data, its loss says nothing). */
  packets: number;
  primary: boolean;
}

export interface PolicyInput {
  nowMs: number;
  legs: PolicyLeg[];
  /** Legs being opened right now. */
  opening: number;
  /** Residual loss of the merged stream over the window. */
  mergedLossPct: number;
}

export type PolicyDecision =
  | {
      action: 'open';
      reason: 'min-legs' | 'loss';
      lossPct: number;
      threshold: number;
      legsNow: number;
      /** Leg id whose loss triggered the open. */
      trigger?: string;
    }
  | {
      action: 'close';
      leg: string;
      reason: 'healthy' | 'over-max' | 'unaligned';
      lossPct: number;
      threshold: number;
      legsNow: number;
    };

export const DEFAULT_ALIGN_TIMEOUT_MS = 10_000;

function isFiniteAtLeast(v: number, min: number): boolean {
  return Number.isFinite(v) && v >= min;
}

/** Problems of a policy config, one sentence each (empty when usable). */
export function validateSeamConfig(cfg: SeamPolicyConfig): string[] {
  const out: string[] = [];
  if (!Number.isInteger(cfg.minLegs) || cfg.minLegs < 1) out.push('minLegs must be an integer ≥ 1');
  if (!Number.isInteger(cfg.maxLegs) || cfg.maxLegs < 1) out.push('maxLegs must be an integer ≥ 1');
  if (cfg.minLegs > cfg.maxLegs) out.push('minLegs must be ≤ maxLegs');
  if (!(cfg.openLossPct > 0 && cfg.openLossPct <= 100))
    out.push('openLossPct must be within (0, 100]');
  if (!(cfg.closeLossPct >= 0 && cfg.closeLossPct < 100))
    out.push('closeLossPct must be within [0, 100)');
  if (!(cfg.closeLossPct < cfg.openLossPct)) out.push('closeLossPct must be < openLossPct');
  if (!isFiniteAtLeast(cfg.holdMs, 0)) out.push('holdMs must be a finite number ≥ 0');
  if (!isFiniteAtLeast(cfg.openCooldownMs, 0))
    out.push('openCooldownMs must be a finite number ≥ 0');
  if (
    cfg.alignTimeoutMs !== undefined &&
    !(Number.isFinite(cfg.alignTimeoutMs) && cfg.alignTimeoutMs > 0)
  )
    out.push('alignTimeoutMs must be a finite number > 0');
  return out;
}

function checked(cfg: SeamPolicyConfig): Required<SeamPolicyConfig> {
  const problems = validateSeamConfig(cfg);
  if (problems.length > 0)
    throw new ConfigError('CONFIG_INVALID', `seam policy: ${problems.join('; ')}`);
  return { ...cfg, alignTimeoutMs: cfg.alignTimeoutMs ?? DEFAULT_ALIGN_TIMEOUT_MS };
}

/** Sorts worst first: unaligned, highest loss, newest, then id (deterministic). */
function worstFirst(a: PolicyLeg, b: PolicyLeg): number {
  if (a.aligned !== b.aligned) return a.aligned ? 1 : -1;
  if (a.lossPct !== b.lossPct) return b.lossPct - a.lossPct;
  if (a.openedAtMs !== b.openedAtMs) return b.openedAtMs - a.openedAtMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The leg to close among `legs`, or undefined (see the primary rule in the module comment). */
export function pickWorstLeg(legs: readonly PolicyLeg[]): PolicyLeg | undefined {
  const sorted = [...legs].sort(worstFirst);
  const first = sorted[0];
  if (first === undefined || !first.primary) return first;
  const next = sorted.find((l) => !l.primary);
  if (next === undefined) return undefined;
  const strictlyWorst = first.aligned === next.aligned && first.lossPct > next.lossPct;
  const anotherAligned = legs.some((l) => !l.primary && l.aligned);
  return strictlyWorst && anotherAligned ? first : next;
}

export class LegPolicy {
  private cfg: Required<SeamPolicyConfig>;
  private lastOpenMs: number | undefined;
  private healthySinceMs: number | undefined;

  constructor(cfg: SeamPolicyConfig) {
    this.cfg = checked(cfg);
  }

  /** New config (reload); throws ConfigError when invalid, keeping the old one. */
  update(cfg: SeamPolicyConfig): void {
    this.cfg = checked(cfg);
  }

  get config(): Readonly<Required<SeamPolicyConfig>> {
    return this.cfg;
  }

  decide(input: PolicyInput): PolicyDecision[] {
    const { nowMs, mergedLossPct } = input;
    const cfg = this.cfg;
    const out: PolicyDecision[] = [];
    let legs = input.legs.slice();
    const opening = Math.max(0, input.opening);
    const close = (leg: PolicyLeg, reason: 'over-max' | 'unaligned', threshold: number): void => {
      out.push({
        action: 'close',
        leg: leg.id,
        reason,
        lossPct: leg.lossPct,
        threshold,
        legsNow: legs.length + opening,
      });
      legs = legs.filter((l) => l !== leg);
    };

    // hold timer: how long the merged stream has been healthy without a break
    if (mergedLossPct <= cfg.closeLossPct) this.healthySinceMs ??= nowMs;
    else this.healthySinceMs = undefined;

    // 1. unaligned
    for (const leg of input.legs)
      if (!leg.primary && !leg.aligned && nowMs - leg.openedAtMs >= cfg.alignTimeoutMs)
        close(leg, 'unaligned', cfg.alignTimeoutMs);

    // 2. over-max
    while (legs.length > cfg.maxLegs) {
      const worst = pickWorstLeg(legs);
      if (worst === undefined) break;
      close(worst, 'over-max', cfg.maxLegs);
    }

    // 3. min-legs
    let total = legs.length + opening;
    let opened = false;
    while (total < cfg.minLegs) {
      out.push({
        action: 'open',
        reason: 'min-legs',
        lossPct: mergedLossPct,
        threshold: cfg.minLegs,
        legsNow: total,
      });
      total++;
      opened = true;
    }

    // 4. loss
    let lastOpen = this.lastOpenMs;
    for (const leg of input.legs)
      if (lastOpen === undefined || leg.openedAtMs > lastOpen) lastOpen = leg.openedAtMs;
    const cooled = lastOpen === undefined || nowMs - lastOpen >= cfg.openCooldownMs;
    if (!opened && cooled && total < cfg.maxLegs && mergedLossPct > cfg.closeLossPct) {
      let trigger: PolicyLeg | undefined;
      for (const leg of legs) {
        if (!(leg.aligned || leg.primary) || leg.packets <= 0) continue;
        if (nowMs - leg.openedAtMs < cfg.openCooldownMs || leg.lossPct < cfg.openLossPct) continue;
        if (trigger === undefined || leg.lossPct > trigger.lossPct) trigger = leg;
      }
      if (trigger !== undefined) {
        out.push({
          action: 'open',
          reason: 'loss',
          lossPct: trigger.lossPct,
          threshold: cfg.openLossPct,
          legsNow: total,
          trigger: trigger.id,
        });
        opened = true;
      }
    }
    if (opened) this.lastOpenMs = nowMs;

    // 5. healthy
    if (
      out.length === 0 &&
      opening === 0 &&
      legs.length > cfg.minLegs &&
      this.healthySinceMs !== undefined &&
      nowMs - this.healthySinceMs >= cfg.holdMs
    ) {
      const worst = pickWorstLeg(legs);
      const rest = legs.filter((l) => l !== worst);
      const standsAlone = rest.some((l) => (l.aligned || l.primary) && l.lossPct < cfg.openLossPct);
      if (worst !== undefined && standsAlone) {
        out.push({
          action: 'close',
          leg: worst.id,
          reason: 'healthy',
          lossPct: mergedLossPct,
          threshold: cfg.closeLossPct,
          legsNow: legs.length,
        });
        this.healthySinceMs = nowMs;
      }
    }
    return out;
  }
}
