/**
 * The `seam:` config section as the seaming code uses it (`paths.<name>.seam` overrides are
 * applied by the config loader). Defaults and validation live with the config schema.
 */
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
