import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  LegPolicy,
  pickWorstLeg,
  type PolicyDecision,
  type PolicyLeg,
  type SeamPolicyConfig,
  validateSeamConfig,
} from '../../../src/seam/policy.js';
import { POLICY_CFG, policyLeg } from './policy-fixtures.js';

const CFG = POLICY_CFG;
const leg = policyLeg;

/**
 * A fake source driven by a fake clock: applies the policy's decisions (an open becomes a leg
 * after `openDelayMs`), and lets the test set per-leg and merged loss.
 */
class Sim {
  now = 0;
  legs: PolicyLeg[] = [];
  pending: number[] = []; // times at which opening legs come up
  merged = 0;
  legLoss = 0; // loss of legs that come up
  peak = 0; // most legs + opening after any tick
  log: (PolicyDecision & { at: number })[] = [];
  private next = 1;
  constructor(
    readonly policy: LegPolicy,
    readonly openDelayMs = 1000,
  ) {}

  step(ms: number, every = 500): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now += every;
      for (const t of this.pending.filter((p) => p <= this.now)) {
        const id = `leg${this.next++}`;
        const primary = this.legs.length === 0;
        this.legs.push(leg(id, { openedAtMs: t, primary, packets: 0, lossPct: this.legLoss }));
      }
      this.pending = this.pending.filter((p) => p > this.now);
      for (const l of this.legs) if (this.now - l.openedAtMs >= 1000) l.packets = 1000;
      const out = this.policy.decide({
        nowMs: this.now,
        legs: this.legs.map((l) => ({ ...l })),
        opening: this.pending.length,
        mergedLossPct: this.merged,
      });
      for (const d of out) {
        this.log.push({ ...d, at: this.now });
        if (d.action === 'open') this.pending.push(this.now + this.openDelayMs);
        else this.legs = this.legs.filter((l) => l.id !== d.leg);
      }
      this.peak = Math.max(this.peak, this.legs.length + this.pending.length);
    }
  }

  setLoss(pct: number, merged = pct): void {
    for (const l of this.legs) l.lossPct = pct;
    this.legLoss = pct;
    this.merged = merged;
  }

  reasons(): string[] {
    return this.log.map((d) => `${d.action}:${d.reason}`);
  }
}

describe('validateSeamConfig', () => {
  it('accepts a sane config', () => expect(validateSeamConfig(CFG)).toEqual([]));

  it.each([
    [{ minLegs: 4 }, 'minLegs must be ≤ maxLegs'],
    [{ minLegs: 0 }, 'minLegs must be an integer ≥ 1'],
    [{ maxLegs: 1.5 }, 'maxLegs must be an integer ≥ 1'],
    [{ closeLossPct: 5 }, 'closeLossPct must be < openLossPct'],
    [{ openLossPct: 0 }, 'openLossPct must be within (0, 100]'],
    [{ closeLossPct: -1 }, 'closeLossPct must be within [0, 100)'],
    [{ holdMs: -1 }, 'holdMs must be a finite number ≥ 0'],
    [{ openCooldownMs: Infinity }, 'openCooldownMs must be a finite number ≥ 0'],
    [{ alignTimeoutMs: 0 }, 'alignTimeoutMs must be a finite number > 0'],
  ])('%j → %s', (over, problem) => {
    expect(validateSeamConfig({ ...CFG, ...over })).toContain(problem);
  });

  it('LegPolicy refuses an invalid config and update() keeps the old one', () => {
    expect(() => new LegPolicy({ ...CFG, minLegs: 5 })).toThrow(ConfigError);
    const p = new LegPolicy(CFG);
    expect(() => p.update({ ...CFG, closeLossPct: 50 })).toThrow(/closeLossPct must be </);
    expect(p.config.closeLossPct).toBe(0.5);
    expect(p.config.alignTimeoutMs).toBe(10_000);
  });
});

describe('pickWorstLeg', () => {
  it.each([
    ['highest loss', [leg('a', { lossPct: 1 }), leg('b', { lossPct: 3 })], 'b'],
    ['unaligned first', [leg('a', { lossPct: 9 }), leg('b', { aligned: false })], 'b'],
    ['newest on a tie', [leg('a'), leg('b', { openedAtMs: 5 }), leg('c', { openedAtMs: 2 })], 'b'],
    [
      'the primary only when strictly worst',
      [leg('p', { primary: true, lossPct: 4 }), leg('b', { lossPct: 2 })],
      'p',
    ],
    [
      'not the primary on a tie',
      [leg('p', { primary: true, lossPct: 2 }), leg('b', { lossPct: 2 })],
      'b',
    ],
    [
      'not the primary when no other aligned leg',
      [leg('p', { primary: true, lossPct: 9 }), leg('b', { aligned: false })],
      'b',
    ],
    ['never the primary alone', [leg('p', { primary: true, lossPct: 9 })], undefined],
  ])('%s', (_name, legs, id) => {
    expect(pickWorstLeg(legs)?.id).toBe(id);
  });
});

describe('LegPolicy scenarios (fake clock)', () => {
  it('opens min legs at start, all at once, then none while they are opening', () => {
    const sim = new Sim(new LegPolicy({ ...CFG, minLegs: 2 }));
    sim.step(500);
    expect(sim.log).toEqual([
      { action: 'open', reason: 'min-legs', lossPct: 0, threshold: 2, legsNow: 0, at: 500 },
      { action: 'open', reason: 'min-legs', lossPct: 0, threshold: 2, legsNow: 1, at: 500 },
    ]);
    sim.step(5000);
    expect(sim.legs).toHaveLength(2);
    expect(sim.log).toHaveLength(2);
  });

  it('opens on loss once the leg is old enough, then waits out the cooldown', () => {
    const sim = new Sim(new LegPolicy(CFG));
    sim.step(500); // min-legs → leg1 at 1500
    sim.step(2000);
    sim.setLoss(8);
    sim.step(5000); // leg1 is 6 s old: below the cooldown
    expect(sim.reasons()).toEqual(['open:min-legs']);
    sim.step(5000); // at 11 500 leg1 (up at 1500) is 10 s old → open
    expect(sim.log[1]).toMatchObject({
      action: 'open',
      reason: 'loss',
      lossPct: 8,
      threshold: 5,
      legsNow: 1,
      trigger: 'leg1',
      at: 11_500,
    });
    sim.setLoss(8, 2); // merged still above closeLossPct
    sim.step(9000); // leg2 came up at 12 500: the cooldown counts from it too
    expect(sim.reasons()).toEqual(['open:min-legs', 'open:loss']);
    sim.step(2000);
    expect(sim.reasons()).toEqual(['open:min-legs', 'open:loss', 'open:loss']);
    expect(sim.log[2]?.at).toBe(22_500);
    sim.step(60_000); // maxLegs = 3 reached: no more opens
    expect(sim.legs).toHaveLength(3);
    expect(sim.reasons()).toHaveLength(3);
  });

  it('does not open on a leg without data or without alignment', () => {
    const p = new LegPolicy({ ...CFG, openCooldownMs: 1000 });
    const input = (over: Partial<PolicyLeg>) => ({
      nowMs: 60_000,
      legs: [leg('a', { lossPct: 50, openedAtMs: 55_000, ...over })],
      opening: 0,
      mergedLossPct: 50,
    });
    expect(p.decide(input({ packets: 0 }))).toEqual([]);
    expect(p.decide(input({ aligned: false }))).toEqual([]);
    expect(p.decide(input({ openedAtMs: 59_500 }))).toEqual([]); // too young
    expect(p.decide(input({ primary: true, aligned: false }))).toEqual([
      expect.objectContaining({ action: 'open', reason: 'loss', trigger: 'a' }),
    ]);
  });

  it('does not open while the merged stream is healthy', () => {
    const p = new LegPolicy(CFG);
    const legs = [leg('a', { lossPct: 9, primary: true }), leg('b', { lossPct: 9 })];
    expect(p.decide({ nowMs: 60_000, legs, opening: 0, mergedLossPct: 0.1 })).toEqual([]);
  });

  it('closes the worst leg after holdMs of healthy merged stream, never below minLegs', () => {
    const sim = new Sim(new LegPolicy(CFG));
    sim.step(500);
    sim.setLoss(10);
    sim.step(25_000); // two loss opens → 3 legs
    expect(sim.legs.map((l) => l.id)).toEqual(['leg1', 'leg2', 'leg3']);
    sim.setLoss(1, 0.2);
    const leg2 = sim.legs[1]!;
    leg2.lossPct = 3;
    const healthyAt = sim.now + 500; // the next tick sees the healthy merged stream
    sim.step(30_000); // up to healthyAt + 29 500
    expect(sim.reasons().filter((r) => r.startsWith('close'))).toEqual([]);
    sim.step(500);
    expect(sim.log.at(-1)).toEqual({
      action: 'close',
      leg: 'leg2',
      reason: 'healthy',
      lossPct: 0.2,
      threshold: 0.5,
      legsNow: 3,
      at: healthyAt + 30_000,
    });
    sim.step(30_000); // the hold timer restarted: the next close comes 30 s later
    expect(sim.log.at(-1)).toMatchObject({ leg: 'leg3', reason: 'healthy', legsNow: 2 });
    expect(sim.log.at(-1)?.at).toBe(healthyAt + 60_000);
    sim.step(120_000);
    expect(sim.legs.map((l) => l.id)).toEqual(['leg1']);
    expect(sim.reasons().filter((r) => r.startsWith('close'))).toHaveLength(2);
  });

  it('restarts the hold when the merged loss goes above closeLossPct', () => {
    const p = new LegPolicy({ ...CFG, holdMs: 10_000 });
    const legs = [leg('a', { primary: true }), leg('b')];
    const at = (nowMs: number, mergedLossPct: number) =>
      p.decide({ nowMs, legs, opening: 0, mergedLossPct });
    expect(at(1000, 0)).toEqual([]);
    expect(at(9000, 0)).toEqual([]);
    expect(at(10_000, 1)).toEqual([]); // blip
    expect(at(11_000, 0)).toEqual([]);
    expect(at(20_999, 0)).toEqual([]);
    expect(at(21_000, 0)).toEqual([expect.objectContaining({ action: 'close', leg: 'b' })]);
  });

  it('keeps a leg when the others could not stand alone', () => {
    const p = new LegPolicy({ ...CFG, holdMs: 0 });
    const legs = [leg('a', { primary: true, lossPct: 8 }), leg('b', { lossPct: 9 })];
    expect(p.decide({ nowMs: 60_000, legs, opening: 0, mergedLossPct: 0.1 })).toEqual([]);
  });

  it('no healthy close while a leg is opening', () => {
    const p = new LegPolicy({ ...CFG, holdMs: 0 });
    const legs = [leg('a', { primary: true }), leg('b')];
    expect(p.decide({ nowMs: 60_000, legs, opening: 1, mergedLossPct: 0 })).toEqual([]);
  });

  it('closes the worst legs when a reload lowers maxLegs', () => {
    const p = new LegPolicy({ ...CFG, maxLegs: 4 });
    const legs = [
      leg('p', { primary: true, lossPct: 7 }),
      leg('b', { lossPct: 2 }),
      leg('c', { lossPct: 6 }),
      leg('d', { lossPct: 1 }),
    ];
    const input = { nowMs: 60_000, legs, opening: 0, mergedLossPct: 3 };
    expect(p.decide(input)).toEqual([]);
    p.update({ ...CFG, maxLegs: 2 });
    expect(p.decide(input)).toEqual([
      { action: 'close', leg: 'p', reason: 'over-max', lossPct: 7, threshold: 2, legsNow: 4 },
      { action: 'close', leg: 'c', reason: 'over-max', lossPct: 6, threshold: 2, legsNow: 3 },
    ]);
  });

  it('closes a leg that never aligned, then replaces it if below minLegs', () => {
    const p = new LegPolicy({ ...CFG, minLegs: 2, alignTimeoutMs: 8000 });
    const legs = [leg('a', { primary: true }), leg('b', { aligned: false, openedAtMs: 1000 })];
    expect(p.decide({ nowMs: 8999, legs, opening: 0, mergedLossPct: 0 })).toEqual([]);
    expect(p.decide({ nowMs: 9000, legs, opening: 0, mergedLossPct: 0 })).toEqual([
      { action: 'close', leg: 'b', reason: 'unaligned', lossPct: 0, threshold: 8000, legsNow: 2 },
      { action: 'open', reason: 'min-legs', lossPct: 0, threshold: 2, legsNow: 1 },
    ]);
  });

  it('never closes the primary as unaligned', () => {
    const p = new LegPolicy(CFG);
    const legs = [leg('a', { primary: true, aligned: false })];
    expect(p.decide({ nowMs: 60_000, legs, opening: 0, mergedLossPct: 0 })).toEqual([]);
  });

  it('follows a full loss episode without flapping', () => {
    const sim = new Sim(new LegPolicy({ ...CFG, minLegs: 1, maxLegs: 2, holdMs: 20_000 }));
    sim.step(15_000);
    sim.setLoss(12); // upstream degrades
    sim.step(15_000);
    sim.setLoss(12, 0.3); // two legs seam it
    sim.step(120_000); // leg1 alone would reopen: keep both
    expect(sim.reasons()).toEqual(['open:min-legs', 'open:loss']);
    sim.setLoss(0.1); // upstream recovers
    sim.step(60_000);
    expect(sim.reasons()).toEqual(['open:min-legs', 'open:loss', 'close:healthy']);
    expect(sim.legs).toHaveLength(1);
  });

  it('property: never above maxLegs, healthy closes never below minLegs, opens cooled down', () => {
    const cfgArb = fc
      .record({
        minLegs: fc.integer({ min: 1, max: 3 }),
        extra: fc.integer({ min: 0, max: 3 }),
        openLossPct: fc.integer({ min: 2, max: 20 }),
        closeFrac: fc.double({ min: 0, max: 0.9, noNaN: true }),
        holdMs: fc.integer({ min: 0, max: 60_000 }),
        openCooldownMs: fc.integer({ min: 0, max: 20_000 }),
      })
      .map((c): SeamPolicyConfig => ({
        minLegs: c.minLegs,
        maxLegs: c.minLegs + c.extra,
        openLossPct: c.openLossPct,
        closeLossPct: c.openLossPct * c.closeFrac,
        holdMs: c.holdMs,
        openCooldownMs: c.openCooldownMs,
      }));
    const phaseArb = fc.record({
      ms: fc.integer({ min: 500, max: 30_000 }),
      legLoss: fc.integer({ min: 0, max: 30 }),
      merged: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(cfgArb, fc.array(phaseArb, { maxLength: 12 }), (cfg, phases) => {
        const sim = new Sim(new LegPolicy(cfg));
        for (const ph of phases) {
          sim.setLoss(ph.legLoss, ph.merged);
          sim.step(ph.ms);
        }
        sim.step(5000);
        expect(sim.peak).toBeLessThanOrEqual(cfg.maxLegs);
        expect(sim.legs.length + sim.pending.length).toBeGreaterThanOrEqual(cfg.minLegs);
        let lastOpen = -Infinity;
        for (const d of sim.log) {
          if (d.action === 'close') {
            expect(d.reason).toBe('healthy');
            expect(d.legsNow).toBeGreaterThan(cfg.minLegs);
            expect(d.lossPct).toBeLessThanOrEqual(cfg.closeLossPct);
          } else {
            if (d.reason === 'loss') {
              expect(d.at - lastOpen).toBeGreaterThanOrEqual(cfg.openCooldownMs);
              expect(d.lossPct).toBeGreaterThanOrEqual(cfg.openLossPct);
            }
            lastOpen = d.at;
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
