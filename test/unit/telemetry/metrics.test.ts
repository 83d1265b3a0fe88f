/**
 * /metrics label sets stay bounded: thousands of viewers from thousands of networks, hundreds
 * of sources and origins, and the series count stays under the cap the labels allow.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../../src/telemetry/aggregate.js';
import { labelFold, OTHER } from '../../../src/telemetry/labels.js';
import { TelemetryMetrics, type MetricsInput } from '../../../src/telemetry/metrics.js';
import type { Snapshot } from '../../../src/telemetry/types.js';
import { leg, source, viewer } from './fixtures.js';

function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = line.split(/[{ ]/)[0] ?? '';
    out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}

function input(snapshot: Snapshot, max: number): MetricsInput {
  const agg = new Aggregator({ windowMs: 10_000, lossyPct: 2, cleanPct: 0.5 });
  agg.add(snapshot);
  return {
    snapshot,
    origins: () => agg.origins(snapshot.at),
    networks: () => agg.networks(),
    decisions: [],
    decisionCounts: new Map([['r1|mirror', 2]]),
    failovers: 1,
    intake: { reports: 10, badRtcp: 1 },
    maxLabelValues: max,
  };
}

describe('metrics', () => {
  it('label folding keeps the heaviest values and folds the rest into other', () => {
    const fold = labelFold(
      new Map([
        ['a', 5],
        ['b', 1],
        ['c', 9],
      ]),
      2,
    );
    expect(['a', 'b', 'c', 'zzz'].map(fold)).toEqual(['a', OTHER, 'c', OTHER]);
  });

  it('10 000 viewers from 5 000 networks, 500 sources on 300 origins: bounded series', async () => {
    const MAX = 50;
    const sources = Array.from({ length: 500 }, (_, i) =>
      source({
        id: `src-${i}`,
        path: i % 7 === 0 ? undefined : `cam${i}`,
        originHost: `origin-${i % 300}:554`,
        legs: [
          leg({ id: `src-${i}-leg1`, host: `origin-${i % 300}:554`, lossPct: i % 5 }),
          leg({ id: `src-${i}-leg${2 + (i % 9)}`, host: `mirror-${i % 200}:554` }),
        ],
        viewers: Array.from({ length: 20 }, (_, j) =>
          viewer({
            id: `v-${i}-${j}`,
            network: `10.${((i * 20 + j) % 5000) >> 8}.${(i * 20 + j) % 256}.0/24`,
            lossPct: j % 3,
          }),
        ),
      }),
    );
    const snap: Snapshot = { at: 1000, sources };
    const m = new TelemetryMetrics(input(snap, MAX));
    const text = await m.render();
    const counts = series(text);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(
      `series: ${total} in all; per metric ${JSON.stringify(Object.fromEntries(counts))}`,
    );
    for (const name of [
      'seamd_source_viewers',
      'seamd_source_legs',
      'seamd_source_loss_percent',
      'seamd_source_viewer_loss_percent',
      'seamd_origin_loss_percent',
      'seamd_origin_sources',
      'seamd_network_viewers',
      'seamd_network_loss_percent',
    ]) {
      expect(counts.get(name), name).toBeLessThanOrEqual(MAX + 1);
      expect(counts.get(name), name).toBeGreaterThan(MAX / 2);
    }
    // leg series: (source) × (leg position ≤ 8) × (origin), each folded to the cap
    expect(counts.get('seamd_leg_loss_percent') ?? 0).toBeLessThanOrEqual(8 * 2 * (MAX + 1));
    expect(total).toBeLessThan(2000);
    expect(text).toContain(`source="${OTHER}"`);
    expect(text).toContain(`network="${OTHER}"`);
    expect(text).not.toMatch(/v-\d+-\d+/); // never a viewer id
    // folded series keep the totals: all 10 000 viewers are counted
    const viewers = text
      .split('\n')
      .filter((l) => l.startsWith('seamd_source_viewers{'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(viewers).toBe(10_000);
  });

  it('a few sources: every one named, counters count, stale series vanish', async () => {
    const snap: Snapshot = {
      at: 1000,
      sources: [
        source({
          id: 's1',
          path: 'cam1',
          originHost: 'o:554',
          legs: [leg({ id: 's1-leg1', host: 'o:554', lossPct: 3.5, kbps: 1200 })],
          viewers: [viewer({ id: 'v1', network: '192.0.2.0/24', lossPct: 5, joinMs: 120 })],
        }),
      ],
    };
    const inp = input(snap, 50);
    const m = new TelemetryMetrics(inp);
    const text = await m.render();
    expect(text).toContain('seamd_leg_loss_percent{source="cam1",leg="1",origin="o:554"} 3.5');
    expect(text).toContain('seamd_leg_rate_kbps{source="cam1",leg="1",origin="o:554"} 1200');
    expect(text).toContain('seamd_source_viewer_loss_percent{source="cam1"} 5');
    expect(text).toContain('seamd_network_loss_percent{network="192.0.2.0/24"} 5');
    expect(text).toContain('seamd_viewers{state="playing",transport="udp"} 1');
    expect(text).toContain('seamd_viewer_join_seconds_count 1');
    expect(text).toContain('seamd_decisions_total{rule="r1",action="mirror"} 2');
    expect(text).toContain('seamd_failovers_total 1');
    const again = await new TelemetryMetrics({
      ...inp,
      snapshot: { at: 2000, sources: [] },
    }).render();
    expect(again).not.toContain('cam1');
    // a second scrape does not count the same join or decisions twice
    const text2 = await m.render();
    expect(text2).toContain('seamd_viewer_join_seconds_count 1');
    expect(text2).toContain('seamd_decisions_total{rule="r1",action="mirror"} 2');
  });
});
