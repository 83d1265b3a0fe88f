/**
 * Telemetry's cost per second of daemon life: one engine tick (collect legs and viewers,
 * aggregate, classify, match rules) and one scrape (/metrics render, /api/status build + JSON)
 * for a given number of viewers spread over sources and networks, against a floor measured in
 * the same run (one loop reading every viewer's counters). Fakes stand in for sources and
 * sessions (the same shapes the daemon hands telemetry); nothing is sent.
 *
 * Run: node --import tsx bench/telemetry.ts [--viewers 100,1000,10000] [--sources 50] [--reps 20]
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { TELEMETRY_DEFAULTS } from '../src/telemetry/config.js';
import { Telemetry, type TelemetrySource, type TelemetryViewer } from '../src/telemetry/engine.js';
import { TelemetryMetrics } from '../src/telemetry/metrics.js';
import { buildStatus } from '../src/telemetry/status.js';
import { fixed, machineInfo, median, parseArgs, printJson, table } from './lib/common.js';
import { fakeLeg, fakeSources, fakeViewers } from './lib/telemetry-world.js';

const opts = parseArgs(
  process.argv.slice(2),
  { viewers: '100,1000,10000', sources: 50, reps: 20 },
  'telemetry: engine tick and scrape cost by viewer count',
  {
    viewers: 'comma-separated viewer counts',
    sources: 'sources the viewers are spread over',
    reps: 'ticks / scrapes measured per count (median)',
  },
);

function world(viewers: number, sources: number): { s: TelemetrySource[]; v: TelemetryViewer[] } {
  const s = fakeSources(sources, (i) => [fakeLeg(i, 1, i % 3)]);
  return { s, v: fakeViewers(viewers, s) };
}

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const rows: string[][] = [];
const json: Record<string, unknown> = { machine: machineInfo() };
for (const n of String(opts.viewers).split(',').map(Number)) {
  const { s, v } = world(n, opts.sources);
  let now = 0;
  const t = new Telemetry({
    config: TELEMETRY_DEFAULTS,
    rules: [],
    log: pino({ level: 'silent' }),
    now: () => now,
    tickMs: 0, // ticks are driven here
  });
  t.start({ sources: () => s, sessions: () => v });
  const metrics = new TelemetryMetrics(t);
  const floor: number[] = [];
  const tick: number[] = [];
  const scrape: number[] = [];
  const status: number[] = [];
  let sink = 0;
  for (let r = 0; r < opts.reps; r++) {
    now += 1000;
    floor.push(timeMs(() => v.forEach((x) => (sink += x.bytesSent + x.packetsSent))));
    tick.push(timeMs(() => t.tick()));
    scrape.push(timeMs(() => metrics.refresh()));
    status.push(timeMs(() => (sink += JSON.stringify(buildStatus(t, now)).length)));
  }
  rows.push([
    String(n),
    fixed(median(floor), 3),
    fixed(median(tick), 2),
    fixed(median(scrape), 2),
    fixed(median(status), 2),
  ]);
  json[String(n)] = {
    floorMs: median(floor),
    tickMs: median(tick),
    metricsMs: median(scrape),
    statusMs: median(status),
    sink: sink > 0,
  };
}
process.stdout.write(
  `${table(['viewers', 'floor ms', 'tick ms (1/s)', 'metrics ms', 'status ms'], rows)}\n`,
);
printJson('telemetry', json);
