/**
 * Telemetry's intents go through the one leg policy: its cooldown paces their opens (doubling
 * with each), `open-to` URLs are taken in turn, `close-origin` never leaves the source without
 * a leg elsewhere, and `keep-legs` holds the healthy close off.
 */
import { describe, expect, it } from 'vitest';
import {
  LegPolicy,
  type LegIntent,
  type PolicyLeg,
  type SeamPolicyConfig,
} from '../../../src/seam/policy.js';
import { POLICY_CFG, policyLeg } from './policy-fixtures.js';

const CFG: SeamPolicyConfig = { ...POLICY_CFG, openCooldownMs: 5000 };
const WHY = { rule: 'r', lossPct: 40, threshold: 2 };

const leg = (id: string, over: Partial<PolicyLeg> = {}): PolicyLeg =>
  policyLeg(id, { origin: 'a:554', ...over });

const primary = leg('L1', { primary: true, lossPct: 40 });
const openTo: LegIntent = { kind: 'open-to', urls: ['rtsp://m1/x', 'rtsp://m2/x'], why: WHY };

describe('leg policy: intents', () => {
  it('opens at once for a fresh intent, then only after the cooldown, doubling, URLs in turn', () => {
    const p = new LegPolicy(CFG);
    const at = (nowMs: number) =>
      p.decide({ nowMs, legs: [primary], opening: 0, mergedLossPct: 0, intents: [openTo] });
    expect(at(1000)).toEqual([
      {
        action: 'open',
        reason: 'telemetry',
        rule: 'r',
        url: 'rtsp://m1/x',
        lossPct: 40,
        threshold: 2,
        legsNow: 1,
      },
    ]);
    // the open failed (no leg came): asked again after 5 s, then 10 s, to the next URL
    expect(at(5999)).toEqual([]);
    expect(at(6000)).toMatchObject([{ action: 'open', url: 'rtsp://m2/x' }]);
    expect(at(15_999)).toEqual([]);
    expect(at(16_000)).toMatchObject([{ action: 'open', url: 'rtsp://m1/x' }]);
  });

  it('waits while a leg is opening, and counts a new leg in the cooldown', () => {
    const p = new LegPolicy(CFG);
    const input = { legs: [primary], mergedLossPct: 0, intents: [openTo] };
    expect(p.decide({ ...input, nowMs: 10_000, opening: 1 })).toEqual([]);
    const young = [primary, leg('L2', { openedAtMs: 8000, origin: 'm2:554' })];
    expect(p.decide({ ...input, legs: young, nowMs: 10_000, opening: 0 })).toEqual([]);
    expect(p.decide({ ...input, legs: young, nowMs: 13_000, opening: 0 })).toMatchObject([
      { action: 'open', reason: 'telemetry' },
    ]);
  });

  it('an intent open takes the place of a loss open, and both respect maxLegs', () => {
    const p = new LegPolicy({ ...CFG, maxLegs: 2 });
    const old = leg('L1', { primary: true, lossPct: 40, openedAtMs: -60_000 });
    const out = p.decide({
      nowMs: 0,
      legs: [old],
      opening: 0,
      mergedLossPct: 40,
      intents: [openTo],
    });
    expect(out.map((d) => d.reason)).toEqual(['telemetry']);
    const full = [old, leg('L2', { openedAtMs: -60_000 })];
    expect(
      p.decide({ nowMs: 60_000, legs: full, opening: 0, mergedLossPct: 40, intents: [openTo] }),
    ).toEqual([]);
  });

  it('close-origin closes every leg to that origin, the primary too, only if another stays', () => {
    const p = new LegPolicy(CFG);
    const close: LegIntent = { kind: 'close-origin', origin: 'a:554', why: WHY };
    const legs = [primary, leg('L2', { origin: 'm1:554', aligned: false }), leg('L3')];
    expect(p.decide({ nowMs: 1000, legs, opening: 0, mergedLossPct: 0, intents: [close] })).toEqual(
      [],
    );
    const ready = [primary, leg('L2', { origin: 'm1:554' }), leg('L3', { lossPct: 38 })];
    expect(
      p.decide({ nowMs: 1000, legs: ready, opening: 0, mergedLossPct: 0, intents: [close] }),
    ).toEqual([
      {
        action: 'close',
        leg: 'L1',
        reason: 'failover',
        rule: 'r',
        lossPct: 40,
        threshold: 2,
        legsNow: 3,
      },
      {
        action: 'close',
        leg: 'L3',
        reason: 'failover',
        rule: 'r',
        lossPct: 38,
        threshold: 2,
        legsNow: 2,
      },
    ]);
  });

  it('keep-legs opens up to its count, and the healthy close keeps that many', () => {
    const p = new LegPolicy({ ...CFG, holdMs: 0 });
    const keep: LegIntent = { kind: 'keep-legs', legs: 2, why: WHY };
    const one = [leg('L1', { primary: true })];
    expect(
      p.decide({ nowMs: 1000, legs: one, opening: 0, mergedLossPct: 0, intents: [keep] }),
    ).toMatchObject([{ action: 'open', reason: 'telemetry', legsNow: 1 }]);
    const two = [...one, leg('L2', { openedAtMs: 2000 })];
    expect(
      p.decide({ nowMs: 60_000, legs: two, opening: 0, mergedLossPct: 0, intents: [keep] }),
    ).toEqual([]);
    // without the intent the healthy rule takes the extra leg away
    expect(p.decide({ nowMs: 61_000, legs: two, opening: 0, mergedLossPct: 0 })).toMatchObject([
      { action: 'close', reason: 'healthy' },
    ]);
  });
});
