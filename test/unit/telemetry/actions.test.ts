import { describe, expect, it } from 'vitest';
import { mirrorPlan, openLegsIntent } from '../../../src/telemetry/actions.js';
import { leg, source } from './fixtures.js';

const A = 'origin-a:554';
const M = 'mirror-m:554';
const CFG = { cleanPct: 0.5, lossyPct: 2 };
const WHY = { rule: 'r', lossPct: 40, threshold: 2 };

describe('mirror', () => {
  const base = {
    id: 's',
    originHost: A,
    origin: 'rtsp://origin-a/x',
    mirrors: ['rtsp://mirror-m/x'],
  };

  it('asks for a leg to the mirror when every leg is on the lossy origin', () => {
    const view = source({ ...base, legs: [leg({ id: 's-leg1', host: A, lossPct: 40 })] });
    expect(mirrorPlan(view, A, WHY, CFG)).toEqual({
      kind: 'open',
      intent: { kind: 'open-to', urls: ['rtsp://mirror-m/x'], why: WHY },
    });
  });

  it('waits while the mirror leg is not aligned, full or clean yet', () => {
    const bad = leg({ id: 's-leg1', host: A, lossPct: 40 });
    for (const m of [
      leg({ id: 's-leg2', host: M, aligned: false }),
      leg({ id: 's-leg2', host: M, packets: 10 }),
      leg({ id: 's-leg2', host: M, lossPct: 3 }),
    ]) {
      expect(mirrorPlan(source({ ...base, legs: [bad, m] }), A, WHY, CFG).kind).toBe('waiting');
    }
  });

  it('asks for no legs to the lossy origin once the mirror leg is clean', () => {
    const mirrorLeg = leg({ id: 's-leg2', host: M, lossPct: 0, url: 'rtsp://mirror-m/x' });
    const view = source({
      ...base,
      legs: [
        leg({ id: 's-leg1', host: A, lossPct: 40, clock: true }),
        mirrorLeg,
        leg({ id: 's-leg3', host: A, lossPct: 38 }),
      ],
    });
    expect(mirrorPlan(view, A, WHY, CFG)).toEqual({
      kind: 'failover',
      intent: { kind: 'close-origin', origin: A, why: WHY },
      to: mirrorLeg,
    });
    // nothing left on the lossy origin: nothing to ask
    expect(mirrorPlan(source({ ...base, legs: [mirrorLeg] }), A, WHY, CFG).kind).toBe('waiting');
  });

  it('a lossy mirror brings the origin back; no alternative at all → no-mirror', () => {
    const onMirror = source({ ...base, legs: [leg({ id: 's-leg2', host: M, lossPct: 30 })] });
    expect(mirrorPlan(onMirror, M, WHY, CFG)).toMatchObject({
      kind: 'open',
      intent: { kind: 'open-to', urls: ['rtsp://origin-a/x'] },
    });
    const lonely = source({
      ...base,
      mirrors: [],
      legs: [leg({ id: 's-leg1', host: A, lossPct: 30 })],
    });
    expect(mirrorPlan(lonely, A, WHY, CFG)).toEqual({ kind: 'no-mirror' });
  });

  it('offers every other origin, in order, once each (not the lossy one)', () => {
    const view = source({
      ...base,
      mirrors: ['rtsp://m1/x', 'rtsp://m2/x', 'rtsp://m1/x'],
      legs: [leg({ id: 's-leg1', host: A, lossPct: 40 })],
    });
    expect(mirrorPlan(view, A, WHY, CFG)).toMatchObject({
      intent: { urls: ['rtsp://m1/x', 'rtsp://m2/x'] },
    });
  });
});

describe('open-legs', () => {
  it('asks for the rule count of legs', () => {
    expect(openLegsIntent(3, WHY)).toEqual({ kind: 'keep-legs', legs: 3, why: WHY });
  });
});
