import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  bernoulli,
  gilbertElliott,
  gilbertElliottForMean,
  gilbertParams,
  type LossModel,
  mulberry32,
  noLoss,
  parseLossSpec,
} from '../../../src/seam/loss-model.js';

function run(model: LossModel, n: number): boolean[] {
  return Array.from({ length: n }, () => model.drop());
}

function lossRate(drops: readonly boolean[]): number {
  return drops.filter(Boolean).length / drops.length;
}

/** Mean length of runs of consecutive drops. */
function meanBurst(drops: readonly boolean[]): number {
  let runs = 0;
  let lost = 0;
  let prev = false;
  for (const d of drops) {
    if (d) {
      lost++;
      if (!prev) runs++;
    }
    prev = d;
  }
  return runs === 0 ? 0 : lost / runs;
}

describe('mulberry32', () => {
  it('is deterministic and uniform in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 100_000 }, () => a());
    expect(Array.from({ length: 100_000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 2);
    const buckets = new Array<number>(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]! += 1;
    for (const c of buckets) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('differs between seeds', () => {
    const a = mulberry32(1);
    const b = mulberry32(2);
    expect(Array.from({ length: 8 }, () => a())).not.toEqual(Array.from({ length: 8 }, () => b()));
  });
});

describe('bernoulli', () => {
  it.each([0, 1, 10, 35, 100])('long-run loss ≈ %i%%', (pct) => {
    expect(lossRate(run(bernoulli(pct, 7), 200_000)) * 100).toBeCloseTo(pct, 0);
  });

  it('same seed → same sequence; another seed → another one', () => {
    expect(run(bernoulli(20, 3), 1000)).toEqual(run(bernoulli(20, 3), 1000));
    expect(run(bernoulli(20, 3), 1000)).not.toEqual(run(bernoulli(20, 4), 1000));
  });

  it('has no bursts beyond chance: mean burst ≈ 1 / (1 - p)', () => {
    expect(meanBurst(run(bernoulli(10, 9), 200_000))).toBeCloseTo(1 / 0.9, 1);
  });

  it.each([-1, 101, NaN])('rejects loss %s', (pct) => {
    expect(() => bernoulli(pct, 1)).toThrow(RangeError);
  });
});

describe('Gilbert-Elliott', () => {
  it.each([
    [10, 4],
    [5, 2],
    [20, 8],
    [1, 1.5],
  ])('mean loss %i%% with mean burst %d', (pct, burst) => {
    const drops = run(gilbertElliottForMean(pct, burst, 11), 400_000);
    expect(Math.abs(lossRate(drops) * 100 - pct)).toBeLessThan(Math.max(0.3, pct * 0.08));
    expect(Math.abs(meanBurst(drops) - burst)).toBeLessThan(burst * 0.1);
  });

  it('is burstier than Bernoulli at the same rate', () => {
    const ge = meanBurst(run(gilbertElliottForMean(10, 5, 1), 100_000));
    const b = meanBurst(run(bernoulli(10, 1), 100_000));
    expect(ge).toBeGreaterThan(3 * b);
  });

  it('picks p and r from the stationary distribution', () => {
    const { p, r } = gilbertParams(10, 4);
    expect(r).toBe(0.25);
    expect(p / (p + r)).toBeCloseTo(0.1, 12);
    expect(gilbertParams(0, 3)).toEqual({ p: 0, r: 1 / 3 });
  });

  it.each([
    [100, 4],
    [-1, 4],
    [10, 0.5],
    [60, 1], // a burst of 1 cannot exceed 50 %
  ])('rejects mean %d%% with burst %d', (pct, burst) => {
    expect(() => gilbertParams(pct, burst)).toThrow(RangeError);
  });

  it('honours the per-state loss probabilities', () => {
    // πB = p / (p + r) = 0.2; loss = 0.8 · 0.02 + 0.2 · 0.5 = 0.116
    const m = gilbertElliott({ p: 0.05, r: 0.2, lossInGood: 0.02, lossInBad: 0.5, seed: 5 });
    expect(lossRate(run(m, 400_000))).toBeCloseTo(0.116, 2);
  });

  it('is deterministic per seed', () => {
    const a = run(gilbertElliottForMean(10, 4, 7), 5000);
    expect(run(gilbertElliottForMean(10, 4, 7), 5000)).toEqual(a);
    expect(run(gilbertElliottForMean(10, 4, 8), 5000)).not.toEqual(a);
  });
});

describe('parseLossSpec', () => {
  it.each([
    ['none', 'none'],
    [' bernoulli:10:seed=1 ', 'bernoulli:10:seed=1'],
    ['bernoulli:2.5', 'bernoulli:2.5:seed=1'],
    ['BERNOULLI:0:seed=9', 'bernoulli:0:seed=9'],
    ['ge:10:burst=4:seed=7', 'ge:10:burst=4:seed=7'],
    ['ge:10:seed=7:burst=4', 'ge:10:burst=4:seed=7'],
    ['ge:3', 'ge:3:burst=4:seed=1'],
    ['ge:p=0.01:r=0.5:seed=2', 'ge:p=0.01:r=0.5:good=0:bad=1:seed=2'],
    ['ge:p=0.01:r=0.5:good=0.001:bad=0.7', 'ge:p=0.01:r=0.5:good=0.001:bad=0.7:seed=1'],
  ])('%s → %s', (spec, name) => {
    expect(parseLossSpec(spec).name).toBe(name);
  });

  it('a model name parses back to the same drop sequence', () => {
    for (const m of [
      bernoulli(12.5, 3),
      gilbertElliottForMean(7, 3, 9),
      gilbertElliott({ p: 0.02, r: 0.3, lossInBad: 0.9, seed: 4 }),
      noLoss(),
    ]) {
      const again = parseLossSpec(m.name);
      expect(run(again, 2000)).toEqual(run(m, 2000));
    }
  });

  it('matches the model built by hand', () => {
    expect(run(parseLossSpec('ge:10:burst=4:seed=7'), 3000)).toEqual(
      run(gilbertElliottForMean(10, 4, 7), 3000),
    );
  });

  it.each([
    ['', /unknown model ""/],
    ['uniform:10', /unknown model "uniform"/],
    ['bernoulli', /missing loss %/],
    ['bernoulli:ten', /"ten" is not a number/],
    ['bernoulli:10:seed=x', /"seed=x" is not a number/],
    ['bernoulli:10:seed=1.5', /seed must be an integer/],
    ['bernoulli:120', /loss % must be within 0\.\.100/],
    ['bernoulli:10:burst=3', /unknown key "burst" for bernoulli/],
    ['bernoulli:10:seed=1:seed=2', /seed given twice/],
    ['bernoulli:10:20', /unexpected positional field "20"/],
    ['ge:60:burst=1', /not reachable/],
    ['ge:p=0.1', /missing loss % \(or p= and r=\)/],
    ['ge:p=1.5:r=0.1', /p must be within 0\.\.1/],
    ['ge:p=0.1:r=0.1:burst=2', /unknown key "burst"/],
    ['none:5', /none takes no fields/],
  ])('rejects %j', (spec, message) => {
    const err = (() => {
      try {
        parseLossSpec(spec);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).message).toContain(JSON.stringify(spec));
  });
});
