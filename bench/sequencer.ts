/**
 * The merge engine's hot path (src/seam/seamer.ts): 3 aligned legs each deliver the same
 * stream with independent loss (default 5%), interleaved packet by packet.
 *
 * - Throughput of Seamer.push: packets pushed per CPU-second and packets output (first
 *   arrivals) per CPU-second, against a floor measured in the same run: the same loop over the
 *   same arrivals doing only the input preparation (see below) and reading each packet's seq.
 * - Delay on the first-arrival path: wall time of each push call that outputs a packet
 *   (process.hrtime.bigint around the call; median and p99 over many calls), next to the same
 *   figure for duplicates and the timer's own cost (two hrtime calls with nothing between).
 *
 * Input preparation, identical in floor and case: each leg reuses a pool of `pool` distinct
 * packets and writes the packet's seq, timestamp and SSRC (its own bases) before pushing, since
 * the seamer rewrites the first copy of each packet in place.
 *
 * `--compare <dir>`: a second checkout (e.g. an older commit, extracted with
 * `git archive <commit> package.json tsconfig.json src | tar -x -C <dir>`) whose
 * `src/seam/seamer.ts` runs the same passes, alternating with this tree's rep by rep (the order
 * flipped every rep), so that both share the machine's noise. Each gets its own copy of the
 * driver loops (bench/lib/seamer-pass.ts).
 *
 * Run: node --import tsx bench/sequencer.ts [--packets 100000] [--loss 5] [--reps 5]
 *      [--compare /tmp/old] [--help]
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  rtpSeq,
  serializeRtp,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
} from '../src/protocol/rtp/rtp.js';
import { Seamer } from '../src/seam/seamer.js';
import type { PassInput, SeamerLike } from './lib/seamer-pass.js';
import {
  fixed,
  machineInfo,
  median,
  parseArgs,
  printJson,
  si,
  spreadPct,
  table,
} from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  {
    packets: 100000,
    legs: 3,
    loss: 5,
    payload: 1200,
    pool: 2048,
    reps: 5,
    seed: 1,
    compare: '',
  },
  'sequencer: Seamer.push throughput and first-arrival delay vs a floor loop (same run)',
  {
    packets: 'distinct packets in the stream (each leg delivers each with 1 - loss)',
    legs: 'legs delivering the stream',
    loss: 'independent loss per leg, percent',
    payload: 'payload bytes per packet',
    pool: 'distinct payloads per leg (cycled)',
    reps: 'repetitions (median reported)',
    seed: 'PRNG seed',
    compare: 'another src tree (its seam/seamer.ts) to run alternately with this one',
  },
);

/** Results go here so that no loop can be optimized away. */
let sink = 0;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LegModel {
  name: string;
  seqBase: number;
  tsBase: number;
  ssrc: number;
  pool: Buffer[];
}

const rnd = mulberry32(opts.seed);
const payloads = Array.from({ length: opts.pool }, () => {
  const b = Buffer.alloc(opts.payload);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
});
const legs: LegModel[] = Array.from({ length: opts.legs }, (_, k) => {
  const seqBase = Math.floor(rnd() * 65536);
  const tsBase = Math.floor(rnd() * 2 ** 32);
  const ssrc = Math.floor(rnd() * 2 ** 32) >>> 0;
  return {
    name: `leg${k}`,
    seqBase,
    tsBase,
    ssrc,
    pool: payloads.map((payload) =>
      serializeRtp({
        padding: false,
        extension: undefined,
        marker: false,
        payloadType: 96,
        sequence: 0,
        timestamp: 0,
        ssrc,
        csrcs: [],
        payload,
      }),
    ),
  };
});

/** Arrivals: for each packet, the legs that got it, in a random order. (leg, index) pairs. */
const arrLeg: number[] = [];
const arrIdx: number[] = [];
for (let i = 0; i < opts.packets; i++) {
  const order = legs.map((_, k) => k).sort(() => rnd() - 0.5);
  for (const k of order) {
    if (rnd() >= opts.loss / 100) {
      arrLeg.push(k);
      arrIdx.push(i);
    }
  }
}
const arrivals = arrLeg.length;

/** The input preparation shared by floor and case: leg k's packet for index i. */
function prepare(k: number, i: number): Buffer {
  const l = legs[k] as LegModel;
  const p = l.pool[i % opts.pool] as Buffer;
  setRtpSeq(p, l.seqBase + i);
  setRtpTimestamp(p, l.tsBase + i * 3000);
  setRtpSsrc(p, l.ssrc);
  return p;
}

type SeamerClass = new (opts: { tracks: number; clockRates: number[] }) => SeamerLike;
type Driver = typeof import('./lib/seamer-pass.js');

interface Impl {
  name: string;
  input: PassInput;
  driver: Driver;
}

/** The driver loops, a module instance of their own per implementation (see seamer-pass.ts). */
async function loadImpl(name: string, Cls: SeamerClass, k: number): Promise<Impl> {
  const url = new URL(`./lib/seamer-pass.ts?impl=${k}`, import.meta.url).href;
  const driver = (await import(url)) as Driver;
  const legNames = legs.map((l) => l.name);
  const make = (): SeamerLike => {
    const s = new Cls({ tracks: 1, clockRates: [90000] });
    for (const n of legNames) s.addLeg(n);
    return s;
  };
  return { name, driver, input: { make, legNames, arrLeg, arrIdx, prepare } };
}

function passSeamer(impl: Impl): number {
  const out = impl.driver.passSeamer(impl.input);
  sink += out;
  return out;
}

function passFloor(): number {
  let acc = 0;
  for (let a = 0; a < arrivals; a++)
    acc += rtpSeq(prepare(arrLeg[a] as number, arrIdx[a] as number));
  sink += acc;
  return 0;
}

/** CPU seconds of one call. */
function cpuTime(fn: () => number): { sec: number; out: number } {
  const c0 = process.cpuUsage();
  const out = fn();
  const c = process.cpuUsage(c0);
  return { sec: (c.user + c.system) / 1e6, out };
}

function percentile(sortedNs: Float64Array, p: number): number {
  if (sortedNs.length === 0) return NaN;
  const i = Math.min(sortedNs.length - 1, Math.floor((p / 100) * sortedNs.length));
  return Number(sortedNs[i]);
}

interface Dist {
  median: number;
  p99: number;
  n: number;
}

/** Per-call wall time of push, split by what the call did. */
function latency(impl: Impl): { firstUs: Dist; dupUs: Dist } {
  const t = impl.driver.pushTimes(impl.input);
  return { firstUs: stats(t.first), dupUs: stats(t.dup) };
}

function stats(xs: Float64Array): Dist {
  const v = xs.slice().sort();
  return { median: percentile(v, 50) / 1000, p99: percentile(v, 99) / 1000, n: v.length };
}

/** The timer's own cost: two hrtime calls with nothing between. */
function timerCost(): Dist {
  const timer = new Float64Array(50000);
  for (let n = 0; n < timer.length; n++) {
    const t0 = process.hrtime.bigint();
    timer[n] = Number(process.hrtime.bigint() - t0);
  }
  return stats(timer);
}

/** Medians over passes of each pass's median and p99. */
function medianDist(ds: Dist[]): Dist {
  return {
    median: median(ds.map((d) => d.median)),
    p99: median(ds.map((d) => d.p99)),
    n: ds[0]?.n ?? 0,
  };
}

async function loadCompare(dir: string): Promise<Impl> {
  // Without the package.json ("type": "module") beside src/, tsx compiles the tree as CommonJS,
  // whose cross-module calls are slower: the comparison would be unfair.
  const pkg = JSON.parse(
    await readFile(resolve(dir, 'package.json'), 'utf8').catch(() => '{}'),
  ) as { type?: string };
  if (pkg.type !== 'module') {
    process.stderr.write(
      `--compare ${dir}: expected a package.json with "type": "module" and src/ there ` +
        `(git archive <commit> package.json tsconfig.json src | tar -x -C ${dir})\n`,
    );
    process.exit(2);
  }
  const url = pathToFileURL(resolve(dir, 'src', 'seam', 'seamer.ts')).href;
  const mod = (await import(url)) as { Seamer: SeamerClass };
  return loadImpl(`compare: ${dir}`, mod.Seamer, 1);
}

interface ImplResult {
  name: string;
  pushesPerSec: number;
  outputsPerSec: number;
  nsPerPush: number;
  xFloor: number;
  spreadPct: number;
  /** Per rep, this implementation's CPU time over the first one's (same rep): median, min, max. */
  vsFirst: { median: number; min: number; max: number };
  outputs: number;
  firstArrival: Dist;
  duplicate: Dist;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const impls: Impl[] = [await loadImpl('this tree', Seamer, 0)];
  if (opts.compare !== '') impls.push(await loadCompare(opts.compare));
  process.stdout.write(
    `sequencer: node ${machine.node}, ${machine.cpus} CPU (${machine.cpu}), load ` +
      `${machine.load.join(' ')}\n  ${opts.legs} legs x ${si(opts.packets)} packets of ` +
      `${opts.payload} B payload, ${opts.loss}% independent loss each → ${si(arrivals)} pushes ` +
      `per pass; ${opts.reps} reps${impls.length > 1 ? ', implementations alternating' : ''}\n`,
  );
  // Warm-up: reach optimized code in every loop.
  for (const impl of impls) passSeamer(impl);
  passFloor();
  const sec = impls.map((): number[] => []);
  const outs = impls.map(() => 0);
  const floorSec: number[] = [];
  for (let r = 0; r < opts.reps; r++) {
    // Odd reps run the implementations in reverse order: neither always goes first.
    const order = impls.map((_, k) => k);
    if (r % 2 === 1) order.reverse();
    for (const k of order) {
      const a = cpuTime(() => passSeamer(impls[k] as Impl));
      sec[k]?.push(a.sec);
      outs[k] = a.out;
    }
    floorSec.push(cpuTime(passFloor).sec);
  }
  const t0 = performance.now();
  const lats = impls.map((): Array<{ firstUs: Dist; dupUs: Dist }> => []);
  for (let r = 0; r < Math.max(1, Math.ceil(opts.reps / 2)); r++) {
    const order = impls.map((_, k) => k);
    if (r % 2 === 1) order.reverse();
    for (const k of order) lats[k]?.push(latency(impls[k] as Impl));
  }
  const timer = timerCost();
  const latWallMs = performance.now() - t0;

  const floorPerSec = arrivals / median(floorSec);
  const nsFloor = 1e9 / floorPerSec;
  const results: ImplResult[] = impls.map((impl, k) => {
    const s = sec[k] ?? [];
    const l = lats[k] ?? [];
    const pushesPerSec = arrivals / median(s);
    const ratios = s.map((x, r) => x / (sec[0]?.[r] ?? NaN));
    return {
      name: impl.name,
      pushesPerSec,
      outputsPerSec: (outs[k] ?? 0) / median(s),
      nsPerPush: 1e9 / pushesPerSec,
      xFloor: floorPerSec / pushesPerSec,
      spreadPct: spreadPct(s),
      vsFirst: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
      outputs: outs[k] ?? 0,
      firstArrival: medianDist(l.map((x) => x.firstUs)),
      duplicate: medianDist(l.map((x) => x.dupUs)),
    };
  });
  const label = (r: ImplResult): string =>
    impls.length > 1 ? `Seamer.push, ${r.name}` : 'Seamer.push, 3 aligned legs';
  process.stdout.write('\nThroughput (per CPU-second of this process)\n');
  process.stdout.write(
    `${table(
      ['case', 'pushes/s', 'outputs/s', 'ns/push', 'x floor', 'spread', 'time vs 1st row'],
      [
        ...results.map((r, k) => [
          label(r),
          si(r.pushesPerSec),
          si(r.outputsPerSec),
          fixed(r.nsPerPush, 0),
          fixed(r.xFloor, 1),
          `${fixed(r.spreadPct, 0)}%`,
          k === 0
            ? '-'
            : `${fixed(r.vsFirst.median, 2)} (${fixed(r.vsFirst.min, 2)}-${fixed(r.vsFirst.max, 2)})`,
        ]),
        [
          'floor: prepare + read seq',
          si(floorPerSec),
          '-',
          fixed(nsFloor, 0),
          '1.0',
          `${fixed(spreadPct(floorSec), 0)}%`,
          '-',
        ],
      ],
    )}\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `  ${impls.length > 1 ? `${r.name}: ` : ''}output ${si(r.outputs)} of ${si(opts.packets)} ` +
        `packets (union of the legs); ${fixed(arrivals / r.outputs, 2)} pushes per output\n`,
    );
  }
  process.stdout.write(
    '\nDelay added per push call (wall clock, process.hrtime.bigint around the call; ' +
      'median over passes)\n',
  );
  const tag = (r: ImplResult): string => (impls.length > 1 ? ` (${r.name})` : '');
  process.stdout.write(
    `${table(
      ['push that…', 'median µs', 'p99 µs', 'samples'],
      [
        ...results.flatMap((r) => [
          [
            `outputs a packet (first arrival)${tag(r)}`,
            fixed(r.firstArrival.median, 2),
            fixed(r.firstArrival.p99, 2),
            si(r.firstArrival.n),
          ],
          [
            `is a duplicate${tag(r)}`,
            fixed(r.duplicate.median, 2),
            fixed(r.duplicate.p99, 2),
            si(r.duplicate.n),
          ],
        ]),
        ['timer alone (two hrtime calls)', fixed(timer.median, 2), fixed(timer.p99, 2), '50k'],
      ],
    )}\n`,
  );
  process.stdout.write(
    '  first arrival: payload hash (kept for aligning later legs and for checking the other\n' +
      '  legs), in-place header rewrite, history update, and the check of copies that other legs\n' +
      '  delivered before it and that waited; duplicate: every push that outputs nothing, i.e. a\n' +
      "  copy checked against its twin (hash + timestamp) or a leg's packet that waits for its\n" +
      '  twin (hashed on arrival); timings include the timer cost\n',
  );
  const [own] = results as [ImplResult, ...ImplResult[]];
  printJson('sequencer', {
    machine,
    options: opts,
    arrivals,
    outputs: own.outputs,
    throughput: {
      pushesPerSec: own.pushesPerSec,
      outputsPerSec: own.outputsPerSec,
      nsPerPush: own.nsPerPush,
      floorPushesPerSec: floorPerSec,
      floorNsPerPush: nsFloor,
      xFloor: own.xFloor,
      spreadPct: own.spreadPct,
    },
    delayUs: {
      firstArrival: own.firstArrival,
      duplicate: own.duplicate,
      timer: { median: timer.median, p99: timer.p99 },
    },
    compare: results.slice(1),
    latencyPassMs: latWallMs,
    sink: sink % 1000,
  });
}

void main();
