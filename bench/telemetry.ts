/**
 * Telemetry's cost per second of daemon life: one engine tick (collect legs and viewers,
 * aggregate, classify, match rules) and one scrape (/metrics render, /api/status build + JSON)
 * for a given number of viewers spread over sources and networks, against a floor measured in
 * the same run (one loop reading every viewer's counters). Fakes stand in for sources and
 * sessions (the same shapes the daemon hands telemetry); nothing is sent.
 *
 * Run: node --import tsx bench/telemetry.ts [--viewers 100,1000,10000] [--sources 50] [--reps 20]
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { LegSnapshot } from '../src/source/legs.js';
import { TELEMETRY_DEFAULTS } from '../src/telemetry/config.js';
import { Telemetry, type TelemetrySource, type TelemetryViewer } from '../src/telemetry/engine.js';
import { TelemetryMetrics } from '../src/telemetry/metrics.js';
import { buildStatus } from '../src/telemetry/status.js';
import { fixed, machineInfo, median, parseArgs, printJson, table } from './lib/common.js';

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

class FakeLegs extends EventEmitter {
  openingCount = 0;
  constructor(private readonly legs: LegSnapshot[]) {
    super();
  }
  legSnapshots(): LegSnapshot[] {
    return this.legs;
  }
  mergedLossPct(): number {
    return 0.1;
  }
  canonicalSsrc(): number {
    return 1;
  }
  express(): [] {
    return [];
  }
}

function world(viewers: number, sources: number): { s: TelemetrySource[]; v: TelemetryViewer[] } {
  const s: TelemetrySource[] = Array.from({ length: sources }, (_, i) => ({
    id: `src-${i}`,
    pathName: `cam${i}`,
    origin: `rtsp://origin-${i % 10}:554/x`,
    mirrors: [],
    shared: true,
    closed: false,
    packetsOut: 0,
    bytesOut: 0,
    info: { tracks: [{ clockRate: 90000 }, { clockRate: 48000 }] },
    legs: new FakeLegs([
      {
        id: `src-${i}-leg1`,
        url: `rtsp://origin-${i % 10}:554/x`,
        transport: 'udp',
        lossPct: i % 3,
        jitterMs: 2,
        packets: 1000,
        bytes: 1e6,
        aligned: true,
        playing: true,
        clock: true,
      },
    ]),
  }));
  const v: TelemetryViewer[] = Array.from({ length: viewers }, (_, j) => {
    const src = s[j % sources] as TelemetrySource;
    return {
      id: `viewer-${j}`,
      remoteAddress: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`,
      source: {
        id: src.id,
        kind: 'upstream',
        origin: src.origin,
        pathName: src.pathName,
        shared: true,
        info: src.info,
        legs: src.legs,
      },
      state: 'playing',
      usesTcp: j % 2 === 0,
      packetsSent: j,
      bytesSent: j * 1200,
      packetsDropped: 0,
      playAt: 0,
      firstPacketAt: 20,
    };
  });
  return { s, v };
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
