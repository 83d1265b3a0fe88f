import { describe, expect, it } from 'vitest';
import { mirrorStep, openLegsStep, type LegControl } from '../../../src/telemetry/actions.js';
import { leg, source } from './fixtures.js';

const A = 'origin-a:554';
const M = 'mirror-m:554';
const CFG = { cleanPct: 0.5, lossyPct: 2 };
const WHY = { rule: 'r', lossPct: 40, threshold: 2 };

function control(): LegControl & { opened: string[]; closed: string[] } {
  const c = {
    opened: [] as string[],
    closed: [] as string[],
    openLegTo: (url: string) => void c.opened.push(url),
    closeLegById: (id: string) => (c.closed.push(id), true),
  };
  return c;
}

describe('mirror', () => {
  const base = {
    id: 's',
    originHost: A,
    origin: 'rtsp://origin-a/x',
    mirrors: ['rtsp://mirror-m/x'],
  };

  it('opens a leg to the mirror when every leg is on the lossy origin', () => {
    const c = control();
    const view = source({ ...base, legs: [leg({ id: 's-leg1', host: A, lossPct: 40 })] });
    expect(mirrorStep(view, c, A, WHY, CFG, 0)).toEqual({
      kind: 'opened',
      url: 'rtsp://mirror-m/x',
    });
    expect(c.opened).toEqual(['rtsp://mirror-m/x']);
  });

  it('waits while a leg is opening or the mirror leg is not aligned, full or clean yet', () => {
    const c = control();
    const bad = leg({ id: 's-leg1', host: A, lossPct: 40 });
    const opening = source({ ...base, legs: [bad], legsOpening: 1 });
    expect(mirrorStep(opening, c, A, WHY, CFG, 0).kind).toBe('waiting');
    for (const m of [
      leg({ id: 's-leg2', host: M, aligned: false }),
      leg({ id: 's-leg2', host: M, packets: 10 }),
      leg({ id: 's-leg2', host: M, lossPct: 3 }),
    ]) {
      expect(mirrorStep(source({ ...base, legs: [bad, m] }), c, A, WHY, CFG, 0).kind).toBe(
        'waiting',
      );
    }
    expect(c.opened).toEqual([]);
    expect(c.closed).toEqual([]);
  });

  it('closes every leg to the lossy origin, the first one too, once the mirror leg is clean', () => {
    const c = control();
    const view = source({
      ...base,
      legs: [
        leg({ id: 's-leg1', host: A, lossPct: 40, clock: true }),
        leg({ id: 's-leg2', host: M, lossPct: 0, url: 'rtsp://mirror-m/x' }),
        leg({ id: 's-leg3', host: A, lossPct: 38 }),
      ],
    });
    expect(mirrorStep(view, c, A, WHY, CFG, 0)).toEqual({
      kind: 'failover',
      to: 'rtsp://mirror-m/x',
      toLossPct: 0,
      closed: [
        { id: 's-leg1', lossPct: 40 },
        { id: 's-leg3', lossPct: 38 },
      ],
    });
    expect(c.closed).toEqual(['s-leg1', 's-leg3']);
  });

  it('a lossy mirror brings the origin back; no alternative at all → no-mirror', () => {
    const c = control();
    const onMirror = source({ ...base, legs: [leg({ id: 's-leg2', host: M, lossPct: 30 })] });
    expect(mirrorStep(onMirror, c, M, WHY, CFG, 0)).toEqual({
      kind: 'opened',
      url: 'rtsp://origin-a/x',
    });
    const lonely = source({
      ...base,
      mirrors: [],
      legs: [leg({ id: 's-leg1', host: A, lossPct: 30 })],
    });
    expect(mirrorStep(lonely, c, A, WHY, CFG, 0)).toEqual({ kind: 'no-mirror' });
  });

  it('the attempt count rotates through the candidates', () => {
    const c = control();
    const view = source({
      ...base,
      mirrors: ['rtsp://m1/x', 'rtsp://m2/x'],
      legs: [leg({ id: 's-leg1', host: A, lossPct: 40 })],
    });
    mirrorStep(view, c, A, WHY, CFG, 1);
    expect(c.opened).toEqual(['rtsp://m2/x']);
  });
});

describe('open-legs', () => {
  it('opens one leg at a time up to the target', () => {
    const c = control();
    const view = source({ id: 's', originHost: A, legs: [leg({ id: 's-leg1', host: A })] });
    expect(openLegsStep(view, c, 2, WHY)).toBe(true);
    expect(openLegsStep({ ...view, legsOpening: 1 }, c, 3, WHY)).toBe(false);
    expect(
      openLegsStep({ ...view, legs: [...view.legs, leg({ id: 'b', host: A })] }, c, 2, WHY),
    ).toBe(false);
    expect(c.opened).toEqual(['rtsp://origin-a:554/x']);
  });
});
