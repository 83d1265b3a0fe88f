/**
 * Runs every benchmark in sequence, each in its own child process (a fresh heap and JIT, and no
 * sockets or timers left over from the previous one), passes their tables through, and ends
 * with a short summary and one combined `BENCH_JSON` line.
 *
 * Run: node --import tsx bench/run-all.ts [--quick] [--only relay-pps,packet-parse,sequencer,playout]
 *        [--relay-args "--viewers 1,10 --rounds 3"] [--parse-args "--reps 5"]
 *        [--playout-args "--viewers 1,10 --runs 3"]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fixed, JSON_PREFIX, parseArgs, printJson, si, table } from './lib/common.js';

const BENCHES = ['relay-pps', 'packet-parse', 'sequencer', 'playout', 'repair'] as const;
type BenchName = (typeof BENCHES)[number];

const opts = parseArgs(
  process.argv.slice(2),
  {
    only: BENCHES.join(','),
    quick: false,
    'relay-args': '',
    'parse-args': '',
    'playout-args': '',
  },
  'run-all: every benchmark in sequence (child processes), then a summary',
  {
    only: 'comma-separated benchmarks to run',
    quick: 'one round / repetition each (faster, noisier)',
    'relay-args': 'extra options for relay-pps.ts',
    'parse-args': 'extra options for packet-parse.ts',
    'playout-args': 'extra options for playout.ts',
  },
);

interface SequencerJson {
  throughput: { pushesPerSec: number; xFloor: number };
  delayUs: { firstArrival: { median: number; p99: number } };
}

const QUICK: Record<BenchName, string[]> = {
  'relay-pps': ['--rounds', '1'],
  'packet-parse': ['--reps', '1'],
  sequencer: ['--reps', '1'],
  playout: ['--rounds', '1', '--runs', '3', '--seconds', '2'],
  repair: ['--cases', 'bern10'],
};

const EXTRA: Partial<Record<BenchName, 'relay-args' | 'parse-args' | 'playout-args'>> = {
  'relay-pps': 'relay-args',
  'packet-parse': 'parse-args',
  playout: 'playout-args',
};

function argsFor(name: BenchName): string[] {
  const quick = opts.quick ? QUICK[name] : [];
  const key = EXTRA[name];
  const extra = key ? opts[key] : '';
  return [...quick, ...extra.split(/\s+/).filter((a) => a !== '')];
}

/** Runs one benchmark; resolves with its parsed BENCH_JSON line (undefined if none). */
function run(name: BenchName): Promise<{ code: number; json: unknown }> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  // playout.ts forces a GC before its memory readings.
  const node = name === 'playout' ? ['--expose-gc'] : [];
  const child = spawn(process.execPath, [...node, '--import', 'tsx', file, ...argsFor(name)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let json: unknown;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith(JSON_PREFIX)) {
      try {
        json = JSON.parse(line.slice(JSON_PREFIX.length));
      } catch {
        process.stdout.write(`${line}\n`);
      }
    } else {
      process.stdout.write(`${line}\n`);
    }
  });
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? 1, json }));
  });
}

interface RelayJson {
  /** Keyed `mode/rate/viewers` (rate "2.00k" or "max"). */
  ratios?: Record<string, { outPerCpuS: number; usPerOutPacket: number }>;
  results?: Array<{
    mode: string;
    rate: number;
    viewers: number;
    outPerCpuS: number;
    lossPct: number;
  }>;
}

interface PlayoutJson {
  throughput?: {
    results?: Array<{
      mode: string;
      viewers: number;
      outPerCpuS: number;
      onTime: number;
      heapPerViewer: number;
      externalPerViewer: number;
      rssPerViewer: number;
    }>;
    ratios?: Record<string, { outPerCpuS: number }>;
  };
  join?: { results?: Array<{ case: string; playToFirstMs: number; describeToFirstMs: number }> };
}

interface RepairJson {
  results?: Array<{ name: string; ratio: number; floorRatio: number; seconds: number }>;
}

interface ParseJson {
  results?: Array<{ name: string; opsPerSec: number; mbPerSec?: number; vsFloor?: number }>;
}

function summary(all: Partial<Record<BenchName, unknown>>): string[][] {
  const rows: string[][] = [];
  const relay = all['relay-pps'] as RelayJson | undefined;
  for (const [key, r] of Object.entries(relay?.ratios ?? {})) {
    const [mode, rate, viewers] = key.split('/');
    const s = relay?.results?.find(
      (x) =>
        x.mode === mode &&
        String(x.viewers) === viewers &&
        (x.rate === 0 ? 'max' : si(x.rate)) === rate,
    );
    rows.push([
      `relay ${mode} ${rate} pkt/s, ${viewers} viewer(s): out/CPU-s (loss)`,
      `${si(s?.outPerCpuS ?? NaN)} (${fixed(s?.lossPct ?? NaN, 1)}%)`,
      `${fixed(r.outPerCpuS)} x bare`,
    ]);
  }
  const seq = all.sequencer as SequencerJson | undefined;
  if (seq) {
    rows.push([
      'Seamer.push, 3 legs',
      `${si(seq.throughput.pushesPerSec)}/s`,
      `${fixed(seq.throughput.xFloor)} x floor`,
    ]);
    rows.push([
      'merge delay, first arrival',
      `median ${fixed(seq.delayUs.firstArrival.median)} µs, p99 ${fixed(seq.delayUs.firstArrival.p99)} µs`,
      '-',
    ]);
  }
  const playout = all.playout as PlayoutJson | undefined;
  for (const [viewers, r] of Object.entries(playout?.throughput?.ratios ?? {})) {
    const s = playout?.throughput?.results?.find(
      (x) => x.mode === 'seamd' && String(x.viewers) === viewers,
    );
    rows.push([
      `playout ${viewers} viewer(s): out/CPU-s (on time)`,
      `${si(s?.outPerCpuS ?? NaN)} (${fixed((s?.onTime ?? NaN) * 100, 0)}%)`,
      `${fixed(r.outPerCpuS)} x bare`,
    ]);
  }
  const most = playout?.throughput?.results
    ?.filter((x) => x.mode === 'seamd')
    .sort((a, b) => b.viewers - a.viewers)[0];
  if (most) {
    const k = (b: number): string => `${fixed(b / 1024, 0)} KiB`;
    rows.push([
      `playout memory per viewer (${most.viewers} viewers)`,
      `heap ${k(most.heapPerViewer)}, ext ${k(most.externalPerViewer)}, RSS ${k(most.rssPerViewer)}`,
      '-',
    ]);
  }
  const joins = playout?.join?.results ?? [];
  const via = joins.find((j) => j.case === 'origin via seamd');
  for (const j of joins) {
    if (!j.case.startsWith('cache')) continue;
    rows.push([
      `PLAY→1st packet, ${j.case} (DESCRIBE→1st)`,
      `${fixed(j.playToFirstMs, 1)} ms (${fixed(j.describeToFirstMs, 1)} ms)`,
      via
        ? `origin via seamd: ${fixed(via.playToFirstMs, 1)} ms (${fixed(via.describeToFirstMs, 1)} ms)`
        : '-',
    ]);
  }
  const repair = all.repair as RepairJson | undefined;
  for (const r of repair?.results ?? []) {
    rows.push([
      `repair, ${r.name}: fetched / missing bytes`,
      `${fixed(r.ratio)} (${fixed(r.seconds, 1)} s)`,
      `floor ${fixed(r.floorRatio)}`,
    ]);
  }
  const parse = all['packet-parse'] as ParseJson | undefined;
  for (const r of parse?.results ?? []) {
    if (r.name.startsWith('floor') || r.name.startsWith('ref')) continue;
    const value =
      r.mbPerSec !== undefined ? `${fixed(r.mbPerSec, 0)} MB/s` : `${si(r.opsPerSec)}/s`;
    rows.push([r.name, value, r.vsFloor === undefined ? '-' : `${fixed(r.vsFloor)} x floor`]);
  }
  return rows;
}

async function main(): Promise<void> {
  const chosen = opts.only
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is BenchName => (BENCHES as readonly string[]).includes(s));
  const all: Partial<Record<BenchName, unknown>> = {};
  let failed = 0;
  const started = Date.now();
  for (const name of chosen) {
    process.stdout.write(`\n===== ${name} ${argsFor(name).join(' ')}\n`);
    const t0 = Date.now();
    const { code, json } = await run(name);
    process.stdout.write(`===== ${name}: exit ${code}, ${fixed((Date.now() - t0) / 1000, 1)}s\n`);
    if (code !== 0) failed++;
    if (json !== undefined) all[name] = json;
  }
  process.stdout.write(`\n===== summary (${fixed((Date.now() - started) / 1000, 0)}s)\n`);
  process.stdout.write(`${table(['figure', 'value', 'vs baseline'], summary(all))}\n`);
  printJson('all', { results: all, failed });
  if (failed > 0) process.exitCode = 1;
}

void main();
