/**
 * The `seam:` config section (zod), beside the code that uses it: the type, the fields with
 * their bounds and defaults, and the cross-field rules. daemon/config-schema.ts composes it
 * into the whole config (`seam:` and each `paths.<name>.seam` override).
 */
import { z } from 'zod';

/** Seaming: when to open and close extra upstream legs and how to merge them. */
export interface SeamConfig {
  /** Legs always open (2 = SMPTE 2022-7 style redundancy for premium content). */
  readonly minLegs: number;
  readonly maxLegs: number;
  /** Open one more leg when a leg's loss over the window reaches this. */
  readonly openLossPct: number;
  /** Close extra legs once the merged stream stayed at or under this for holdSec. */
  readonly closeLossPct: number;
  readonly holdSec: number;
  /** Minimum time between two opens (a new leg's loss window must fill first). */
  readonly openCooldownSec: number;
  /** Sliding window for loss figures. */
  readonly windowSec: number;
  /** 0 = forward at first arrival; >0 = hold and sort for players that cannot reorder. */
  readonly reorderWindowMs: number;
  /** Consecutive payload-hash matches that confirm a leg's alignment. */
  readonly alignRun: number;
  /** A hole no leg filled within this is reported as a gap. */
  readonly gapTimeoutMs: number;
}

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const pct = z.number().min(0).max(100);

export const seamFields = {
  minLegs: int(1, 8),
  maxLegs: int(1, 8),
  openLossPct: pct,
  closeLossPct: pct,
  holdSec: z.number().min(0).max(86_400),
  openCooldownSec: z.number().min(0).max(3600),
  windowSec: z.number().min(0.5).max(600),
  reorderWindowMs: int(0, 10_000),
  alignRun: int(2, 64),
  gapTimeoutMs: int(10, 60_000),
};
export const SEAM_DEFAULTS: SeamConfig = {
  minLegs: 1,
  maxLegs: 3,
  openLossPct: 2,
  closeLossPct: 0.5,
  holdSec: 30,
  openCooldownSec: 5,
  windowSec: 5,
  reorderWindowMs: 0,
  alignRun: 8,
  gapTimeoutMs: 1000,
};
export const seamShape = Object.fromEntries(
  Object.entries(seamFields).map(([k, v]) => [k, v.default(SEAM_DEFAULTS[k as keyof SeamConfig])]),
) as { [K in keyof typeof seamFields]: z.ZodDefault<(typeof seamFields)[K]> };
export const pathSeam = z.strictObject(
  Object.fromEntries(Object.entries(seamFields).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof typeof seamFields]: z.ZodOptional<(typeof seamFields)[K]>;
  },
);

/** Problems with a merged seam section (cross-field rules). */
export function seamProblems(s: SeamConfig): string[] {
  const out: string[] = [];
  if (s.minLegs > s.maxLegs) out.push(`minLegs (${s.minLegs}) must be <= maxLegs (${s.maxLegs})`);
  if (s.closeLossPct >= s.openLossPct) {
    out.push(`closeLossPct (${s.closeLossPct}) must be < openLossPct (${s.openLossPct})`);
  }
  return out;
}
