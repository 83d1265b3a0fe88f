/**
 * Leg policy (pure, clock-injected): when to open and close upstream legs of a source.
 *
 * One `decide()` call looks at the legs in this order and returns every decision it takes:
 * 1. `close`/`unaligned`: a non-primary leg not aligned `alignTimeoutMs` after it opened.
 * 2. `close`/`over-max`: more legs than `maxLegs` (after a reload lowered it): the worst go.
 * 3. `open`/`min-legs`: fewer legs (opening included) than `minLegs`: one open per missing leg.
 * 3b. Telemetry's intents (`LegIntent`), so that one controller with one cooldown decides every
 *    leg count: `close-origin` closes every leg to that origin (`close`/`failover`) when a leg
 *    elsewhere (aligned, or the primary) stays; `open-to` and `keep-legs` open one leg
 *    (`open`/`telemetry`, the first intent that asks) when none is opening, legs + opening <
 *    `maxLegs`, and the last open (or non-primary leg) is ≥ `openCooldownMs` × backoff ago, the
 *    backoff doubling with each intent open (up to ×16) so a mirror that fails to open is not
 *    hammered. `open-to` takes its URLs in turn, one per open; `keep-legs` raises the floor of
 *    rule 5 to its count.
 * 4. `open`/`loss`: an aligned leg older than `openCooldownMs`, with data in its window, has a
 *    window loss ≥ `openLossPct`, the merged stream is not healthy (> `closeLossPct`), legs +
 *    opening < `maxLegs`, no intent opened, and the last open was ≥ `openCooldownMs` ago → open one; the trigger
 *    is the lossiest such leg.
 * 5. `close`/`healthy`: only when nothing else was decided and no leg is opening: the merged
 *    loss stayed ≤ `closeLossPct` for `holdMs`, legs > `minLegs` (or a `keep-legs` count), and at least one remaining
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
 * - open/telemetry, close/failover: the intent's own numbers (its rule's), and its rule
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
  /** `host:port` the leg is connected to (for `close-origin` intents). */
  origin?: string;
}

/** Why telemetry asks for something: its rule and the numbers behind it (for the log lines). */
export interface IntentWhy {
  readonly rule: string;
  readonly lossPct: number;
  readonly threshold: number;
}

/**
 * What telemetry wants of a source's legs; the policy decides whether and when (see rule 3b).
 * - `open-to`: a leg to one of `urls` (another origin of the same content), in turn.
 * - `keep-legs`: at least `legs` legs.
 * - `close-origin`: no legs to `origin` (`host:port`) once a leg elsewhere carries the stream.
 */
export type LegIntent =
  | { readonly kind: 'open-to'; readonly urls: readonly string[]; readonly why: IntentWhy }
  | { readonly kind: 'keep-legs'; readonly legs: number; readonly why: IntentWhy }
  | { readonly kind: 'close-origin'; readonly origin: string; readonly why: IntentWhy };

/** The most times an intent open's cooldown doubles (×16). */
export const MAX_INTENT_BACKOFF_DOUBLINGS = 4;

export interface PolicyInput {
  nowMs: number;
  legs: PolicyLeg[];
  /** Legs being opened right now. */
  opening: number;
  /** Residual loss of the merged stream over the window. */
  mergedLossPct: number;
  /** What telemetry asks for now (replaced by every call). */
  intents?: readonly LegIntent[];
}

export type PolicyDecision =
  | {
      action: 'open';
      reason: 'min-legs' | 'loss' | 'telemetry';
      lossPct: number;
      threshold: number;
      legsNow: number;
      /** Leg id whose loss triggered the open. */
      trigger?: string;
      /** The telemetry rule behind an intent open. */
      rule?: string;
      /** Where to open (an `open-to` intent); otherwise the caller's choice. */
      url?: string;
    }
  | {
      action: 'close';
      leg: string;
      reason: 'healthy' | 'over-max' | 'unaligned' | 'failover';
      lossPct: number;
      threshold: number;
      legsNow: number;
      /** The telemetry rule behind a failover close. */
      rule?: string;
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
  /** Opens intents asked for so far: the backoff and the turn among `open-to` URLs. */
  private intentOpens = 0;

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

    // 3b. intents
    const intents = input.intents ?? [];
    for (const it of intents) {
      if (it.kind !== 'close-origin') continue;
      const stays = legs.some((l) => l.origin !== it.origin && (l.aligned || l.primary));
      if (!stays) continue;
      for (const leg of legs.filter((l) => l.origin === it.origin)) {
        out.push({
          action: 'close',
          leg: leg.id,
          reason: 'failover',
          lossPct: leg.lossPct,
          threshold: it.why.threshold,
          legsNow: legs.length + opening,
          rule: it.why.rule,
        });
        legs = legs.filter((l) => l !== leg);
      }
    }
    if (!opened && opening === 0 && total < cfg.maxLegs) {
      let since = this.lastOpenMs;
      for (const leg of legs)
        if (!leg.primary && (since === undefined || leg.openedAtMs > since)) since = leg.openedAtMs;
      const backoff =
        2 ** Math.min(Math.max(0, this.intentOpens - 1), MAX_INTENT_BACKOFF_DOUBLINGS);
      const open = intents.find(
        (it) =>
          (it.kind === 'open-to' && it.urls.length > 0) ||
          (it.kind === 'keep-legs' && total < it.legs),
      );
      if (open && (since === undefined || nowMs - since >= cfg.openCooldownMs * backoff)) {
        const url =
          open.kind === 'open-to' ? open.urls[this.intentOpens % open.urls.length] : undefined;
        out.push({
          action: 'open',
          reason: 'telemetry',
          lossPct: open.why.lossPct,
          threshold: open.why.threshold,
          legsNow: total,
          rule: open.why.rule,
          ...(url !== undefined ? { url } : {}),
        });
        this.intentOpens++;
        opened = true;
      }
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
    let floor = cfg.minLegs;
    for (const it of intents) if (it.kind === 'keep-legs') floor = Math.max(floor, it.legs);
    if (
      out.length === 0 &&
      opening === 0 &&
      legs.length > floor &&
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
