import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../src/telemetry/aggregate.js';
import type { SourceView } from '../../../src/telemetry/types.js';
import { leg, source, viewer } from './fixtures.js';

const OPTS = { windowMs: 5000, lossyPct: 2, cleanPct: 0.5 };
const A = 'origin-a:554';
const B = 'origin-b:554';

/** Feeds the same picture once a second for `seconds`; returns the aggregator at the end. */
function feed(agg: Aggregator, sources: SourceView[], from: number, seconds: number): number {
  let t = from;
  for (let i = 0; i < seconds; i++, t += 1000) agg.add({ at: t, sources });
  return t - 1000;
}

describe('classification', () => {
  it('upstream: one source lossy on its origin, merged stream clean (a mirror leg helps)', () => {
    const agg = new Aggregator(OPTS);
    const s = source({
      id: 'cam1',
      originHost: A,
      legs: [leg({ id: 'l1', host: A, lossPct: 40 }), leg({ id: 'l2', host: B, lossPct: 0 })],
      viewers: [viewer({ id: 'v', network: '10.0.0.0/24' })],
    });
    const now = feed(agg, [s], 0, 5);
    const f = agg.classify(now);
    expect(f.map((x) => x.subject)).toEqual([`upstream:cam1:${A}`]);
    expect(f[0]).toMatchObject({ trouble: 'upstream', paths: ['cam1'], originHosts: [A] });
    expect(f[0]?.lossPct).toBeCloseTo(40, 5);
    expect(f[0]?.detail).toMatchObject({ legLossPct: 40, legs: 1, threshold: 2 });
  });

  it('origin-wide: every source of one origin degrades together; another origin is fine', () => {
    const agg = new Aggregator(OPTS);
    const sources = [
      source({ id: 'a1', originHost: A, legs: [leg({ id: 'a1l', host: A, lossPct: 8 })] }),
      source({ id: 'a2', originHost: A, legs: [leg({ id: 'a2l', host: A, lossPct: 6 })] }),
      source({ id: 'b1', originHost: B, legs: [leg({ id: 'b1l', host: B, lossPct: 0 })] }),
    ];
    const now = feed(agg, sources, 0, 5);
    const f = agg.classify(now);
    expect(f[0]).toMatchObject({ trouble: 'origin-wide', originHosts: [A], sources: ['a1', 'a2'] });
    expect(f[0]?.lossPct).toBeCloseTo(7, 5);
    expect(f.filter((x) => x.trouble === 'upstream').map((x) => x.sources[0])).toEqual([
      'a1',
      'a2',
    ]);
    expect(agg.origins(now).find((o) => o.host === B)).toMatchObject({ lossPct: 0, down: false });
  });

  it('one lossy source of two on an origin is upstream trouble, not origin-wide', () => {
    const agg = new Aggregator(OPTS);
    const sources = [
      source({ id: 'a1', originHost: A, legs: [leg({ id: 'x', host: A, lossPct: 8 })] }),
      source({ id: 'a2', originHost: A, legs: [leg({ id: 'y', host: A, lossPct: 0.1 })] }),
    ];
    const f = agg.classify(feed(agg, sources, 0, 5));
    expect(f.map((x) => x.trouble)).toEqual(['upstream']);
  });

  it('last-mile: legs clean, one network of viewers lossy, the other clean', () => {
    const agg = new Aggregator(OPTS);
    const s = source({
      id: 'cam1',
      originHost: A,
      legs: [leg({ id: 'l1', host: A })],
      viewers: [
        viewer({ id: 'v1', network: '10.0.1.0/24', lossPct: 6 }),
        viewer({ id: 'v2', network: '10.0.1.0/24', lossPct: 4 }),
        viewer({ id: 'v3', network: '10.0.2.0/24', lossPct: 0 }),
        viewer({ id: 'v4', network: '10.0.3.0/24', lossPct: undefined, reports: 0 }),
      ],
    });
    const f = agg.classify(feed(agg, [s], 0, 5));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      trouble: 'last-mile',
      subject: 'last-mile:10.0.1.0/24',
      networks: ['10.0.1.0/24'],
      viewers: 2,
      detail: { lossyNetworks: 1, reportingNetworks: 2 },
    });
    expect(f[0]?.lossPct).toBeCloseTo(5, 5);
  });

  it('viewers lossy because the merged stream is lossy: upstream, not last-mile', () => {
    const agg = new Aggregator(OPTS);
    const s = source({
      id: 'cam1',
      originHost: A,
      mergedLossPct: 5,
      legs: [leg({ id: 'l1', host: A, lossPct: 5 })],
      viewers: [viewer({ id: 'v1', network: '10.0.1.0/24', lossPct: 5 })],
    });
    expect(agg.classify(feed(agg, [s], 0, 5)).map((x) => x.trouble)).toEqual(['upstream']);
  });

  it('figures are means over the sliding window: a short burst fades out', () => {
    const agg = new Aggregator(OPTS);
    const lossy = [
      source({ id: 's', originHost: A, legs: [leg({ id: 'l', host: A, lossPct: 10 })] }),
    ];
    const clean = [
      source({ id: 's', originHost: A, legs: [leg({ id: 'l', host: A, lossPct: 0 })] }),
    ];
    let t = feed(agg, lossy, 0, 2); // t = 1000
    t = feed(agg, clean, t + 1000, 2); // 2000, 3000
    expect(agg.classify(t)[0]?.lossPct).toBeCloseTo(5, 5);
    t = feed(agg, clean, t + 1000, 5); // the lossy samples leave the 5 s window
    expect(agg.classify(t)).toEqual([]);
  });

  it('an origin whose sessions keep failing is down until one delivers media', () => {
    const agg = new Aggregator(OPTS);
    agg.noteUpstream(A, false, 1000);
    expect(agg.origins(1000).find((o) => o.host === A)?.down).toBe(false);
    agg.noteUpstream(A, false, 2000);
    agg.add({ at: 2000, sources: [] });
    const f = agg.classify(2000);
    expect(f[0]).toMatchObject({
      trouble: 'origin-wide',
      originHosts: [A],
      down: true,
      lossPct: 100,
    });
    agg.noteUpstream(A, true, 2500);
    expect(agg.classify(2500)).toEqual([]);
    // and it is forgotten once the failures leave the window
    agg.add({ at: 9000, sources: [] });
    expect(agg.origins(9000)).toEqual([]);
  });

  it('memory stays bounded: sources that went away are dropped after the window', () => {
    const agg = new Aggregator(OPTS);
    for (let i = 0; i < 1000; i++) {
      const s = source({ id: `s${i}`, originHost: A, legs: [leg({ id: `l${i}`, host: A })] });
      agg.add({ at: i * 100, sources: [s] });
    }
    // 100 s of churn, one source alive per 100 ms tick: only the last 5 s are held
    expect(agg.seriesCount).toBeLessThanOrEqual(2 * 51 + 1);
  });
});
