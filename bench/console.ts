/**
 * The console's cost: answer times of /api/history (and the other requests an open console
 * makes) with 1000 viewers on 200 sources and a full hour of history, and seamd's CPU per
 * second of a console left open (a child process polls like console/main.js: status, history
 * since the last bucket and events every second, recordings every 5 s), against the same
 * seconds with no console, both with the telemetry tick running once a second. Fakes stand in
 * for sources and sessions (the shapes the daemon hands telemetry); nothing is sent.
 *
 * Run: node --import tsx bench/console.ts [--viewers 1000] [--sources 200] [--seconds 30] [--reps 20]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { TELEMETRY_DEFAULTS } from '../src/telemetry/config.js';
import { Telemetry } from '../src/telemetry/engine.js';
import { startOperatorHttp } from '../src/telemetry/runtime.js';
import type { RecordingRow } from '../src/telemetry/recordings-view.js';
import { fixed, machineInfo, median, parseArgs, printJson, table } from './lib/common.js';
import { fakeLeg, fakeSources, fakeViewers } from './lib/telemetry-world.js';

const opts = parseArgs(
  process.argv.slice(2),
  { viewers: 1000, sources: 200, seconds: 30, reps: 20 },
  'console: API answer times and CPU of an open console',
  {
    viewers: 'viewers spread over the sources',
    sources: 'sources (two legs each, one lossy)',
    seconds: 'seconds measured with and without a console open',
    reps: 'requests per kind (median answer time)',
  },
);

const sources = fakeSources(opts.sources, (i) => [fakeLeg(i, 1, i % 3), fakeLeg(i, 2, 0.5)], true);
const viewers = fakeViewers(opts.viewers, sources, true);
const recordings: RecordingRow[] = Array.from({ length: 50 }, (_, i) => ({
  id: `cam${i}-0123456789ab`,
  path: `cam${i}`,
  origin: `rtsp://origin-${i % 10}:554/x`,
  state: 'complete',
  live: false,
  completeness: 99.5,
  missingPackets: 12,
  bytes: 5e7,
  lastUsed: new Date().toISOString(),
  writing: false,
  players: 0,
  repair: null,
  error: null,
}));

// A full hour of history (and an hour of the day ring), ticked as fast as it goes.
let clock = Date.now() - 3600_000;
const telemetry = new Telemetry({
  config: TELEMETRY_DEFAULTS,
  rules: [],
  log: pino({ level: 'silent' }),
  now: () => clock,
  tickMs: 0,
});
telemetry.start({ sources: () => sources, sessions: () => viewers });
const ticks: number[] = [];
for (let s = 0; s < 3600; s++) {
  clock += 1000;
  const t0 = performance.now();
  telemetry.tick();
  ticks.push(performance.now() - t0);
}
clock = Date.now();
const ticker = setInterval(() => {
  clock = Date.now();
  telemetry.tick();
}, 1000);

const http = await startOperatorHttp(
  telemetry,
  {
    listen: { host: '127.0.0.1', port: 0 },
    access: { token: null, users: [] },
    recordings: () => recordings,
  },
  pino({ level: 'silent' }),
);
const base = `http://127.0.0.1:${http.address.port}`;

async function answerMs(path: string, headers: Record<string, string> = {}) {
  const times: number[] = [];
  let bytes = 0;
  for (let r = 0; r < opts.reps; r++) {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, { headers });
    bytes = (await res.arrayBuffer()).byteLength;
    times.push(performance.now() - t0);
  }
  return { ms: median(times), bytes };
}

const kinds: Array<[string, string, Record<string, string>?]> = [
  ['history, console start (600 s)', '/api/history?from=-600&step=1'],
  ['history, each second (last 5 s)', '/api/history?from=-5&step=1'],
  ['history, an hour per second', '/api/history?from=-3599&step=1'],
  ['history, a day per minute', '/api/history?from=-86400&step=60'],
  ['status (console: compact, no lookup)', '/api/status?compact&viewers='],
  ['status (console: lookup 10.0.1.)', '/api/status?compact&viewers=10.0.1.'],
  ['status (all viewers, compact)', '/api/status?compact'],
  ['status (indented)', '/api/status'],
  ['events', '/api/events?after=0'],
  ['recordings', '/api/recordings'],
  ['page (304)', '/', { 'If-None-Match': 'x' }],
  ['uPlot module', '/vendor/uPlot.esm.js'],
];
const rows: string[][] = [];
const answers: Record<string, { ms: number; bytes: number }> = {};
for (const [name, path, headers] of kinds) {
  const a = await answerMs(path, headers);
  answers[name] = a;
  rows.push([name, fixed(a.ms, 2), String(a.bytes)]);
}

/** seamd's (this process's) CPU over `seconds`, in % of one core. */
async function cpuPct(seconds: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) / 1000 / (performance.now() - t0)) * 100;
}

const POLLER = `
const base = process.argv[1];
let last; let after = 0; let round = 0;
const get = async (p) => (await fetch(base + p)).json();
setInterval(async () => {
  const from = last === undefined ? -600 : last - 3;
  const [s, h, e] = await Promise.all([get('/api/status?compact&viewers='), get('/api/history?from=' + from + '&step=1'), get('/api/events?after=' + after)]);
  last = h.t[h.t.length - 1];
  if (e.events.length) after = e.events[e.events.length - 1].seq;
  if (round++ % 5 === 0) await get('/api/recordings');
}, 1000);
`;

const idle = await cpuPct(opts.seconds);
const child = spawn(process.execPath, ['-e', POLLER, base], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 2000));
const open = await cpuPct(opts.seconds);
child.kill();
clearInterval(ticker);
await http.stop();
telemetry.stop();

process.stdout.write(`${table(['request', 'answer ms (median)', 'bytes'], rows)}\n\n`);
process.stdout.write(
  `${table(
    [
      'viewers',
      'sources',
      'tick ms (median)',
      'CPU % no console',
      'CPU % console open',
      'console cost %',
    ],
    [
      [
        String(opts.viewers),
        String(opts.sources),
        fixed(median(ticks), 2),
        fixed(idle, 2),
        fixed(open, 2),
        fixed(open - idle, 2),
      ],
    ],
  )}\n`,
);
printJson('console', {
  machine: machineInfo(),
  viewers: opts.viewers,
  sources: opts.sources,
  historyBytes: telemetry.history.bytes,
  tickMs: median(ticks),
  answers,
  cpuPct: { idle, consoleOpen: open, consoleCost: open - idle },
});
