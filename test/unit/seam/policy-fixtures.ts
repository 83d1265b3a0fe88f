import type { PolicyLeg, SeamPolicyConfig } from '../../../src/seam/policy.js';

export const POLICY_CFG: SeamPolicyConfig = {
  minLegs: 1,
  maxLegs: 3,
  openLossPct: 5,
  closeLossPct: 0.5,
  holdMs: 30_000,
  openCooldownMs: 10_000,
};

/** An aligned, clean, non-primary leg opened at 0 with 1000 packets, changed by `over`. */
export function policyLeg(id: string, over: Partial<PolicyLeg> = {}): PolicyLeg {
  return { id, lossPct: 0, openedAtMs: 0, aligned: true, packets: 1000, primary: false, ...over };
}
