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
 * Run: node --import tsx bench/sequencer.ts [--packets 100000] [--loss 5] [--reps 5] [--help]
 */
import { performance } from 'node:perf_hooks';
import {
  rtpSeq,
  serializeRtp,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
} from '../src/protocol/rtp/rtp.js';
import { Seamer, type SeamEvent } from '../src/seam/seamer.js';
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
  { packets: 100000, legs: 3, loss: 5, payload: 1200, pool: 2048, reps: 5, seed: 1 },
  'sequencer: Seamer.push throughput and first-arrival delay vs a floor loop (same run)',
  {
    packets: 'distinct packets in the stream (each leg delivers each with 1 - loss)',
    legs: 'legs delivering the stream',
    loss: 'independent loss per leg, percent',
    payload: 'payload bytes per packet',
    pool: 'distinct payloads per leg (cycled)',
    reps: 'repetitions (median reported)',
    seed: 'PRNG seed',
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

function newSeamer(): Seamer {
  const s = new Seamer({ tracks: 1, clockRates: [90000] });
  for (const l of legs) s.addLeg(l.name);
  return s;
}

/** One pass over all arrivals; returns packets output. The clock advances 1 ms per packet. */
function passSeamer(): number {
  const s = newSeamer();
  const names = legs.map((l) => l.name);
  let out = 0;
  for (let a = 0; a < arrivals; a++) {
    const k = arrLeg[a] as number;
    const i = arrIdx[a] as number;
    const evs = s.push(names[k] as string, 0, prepare(k, i), i);
    for (let e = 0; e < evs.length; e++) if ((evs[e] as SeamEvent).kind === 'packet') out++;
  }
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

/** Per-call wall time of push, split by what the call did. */
function latency(): {
  firstUs: { median: number; p99: number; n: number };
  dupUs: { median: number; p99: number; n: number };
  timerUs: { median: number; p99: number };
} {
  const s = newSeamer();
  const names = legs.map((l) => l.name);
  const first = new Float64Array(arrivals);
  const dup = new Float64Array(arrivals);
  let nf = 0;
  let nd = 0;
  for (let a = 0; a < arrivals; a++) {
    const k = arrLeg[a] as number;
    const i = arrIdx[a] as number;
    const p = prepare(k, i);
    const t0 = process.hrtime.bigint();
    const evs = s.push(names[k] as string, 0, p, i);
    const t1 = process.hrtime.bigint();
    const ns = Number(t1 - t0);
    if (evs.length > 0 && evs[0]?.kind === 'packet') first[nf++] = ns;
    else dup[nd++] = ns;
  }
  const timer = new Float64Array(50000);
  for (let n = 0; n < timer.length; n++) {
    const t0 = process.hrtime.bigint();
    timer[n] = Number(process.hrtime.bigint() - t0);
  }
  const stats = (xs: Float64Array): { median: number; p99: number; n: number } => {
    const v = xs.slice().sort();
    return { median: percentile(v, 50) / 1000, p99: percentile(v, 99) / 1000, n: v.length };
  };
  const t = stats(timer);
  return {
    firstUs: stats(first.subarray(0, nf)),
    dupUs: stats(dup.subarray(0, nd)),
    timerUs: { median: t.median, p99: t.p99 },
  };
}

function main(): void {
  const machine = machineInfo();
  process.stdout.write(
    `sequencer: node ${machine.node}, ${machine.cpus} CPU (${machine.cpu}), load ` +
      `${machine.load.join(' ')}\n  ${opts.legs} legs x ${si(opts.packets)} packets of ` +
      `${opts.payload} B payload, ${opts.loss}% independent loss each → ${si(arrivals)} pushes ` +
      `per pass; ${opts.reps} reps\n`,
  );
  // Warm-up: reach optimized code in both loops.
  passSeamer();
  passFloor();
  const seamerSec: number[] = [];
  const floorSec: number[] = [];
  let outputs = 0;
  for (let r = 0; r < opts.reps; r++) {
    const a = cpuTime(passSeamer);
    seamerSec.push(a.sec);
    outputs = a.out;
    floorSec.push(cpuTime(passFloor).sec);
  }
  const t0 = performance.now();
  const lat = latency();
  const latWallMs = performance.now() - t0;

  const pushPerSec = arrivals / median(seamerSec);
  const outPerSec = outputs / median(seamerSec);
  const floorPerSec = arrivals / median(floorSec);
  const nsPerPush = 1e9 / pushPerSec;
  const nsFloor = 1e9 / floorPerSec;
  process.stdout.write('\nThroughput (per CPU-second of this process)\n');
  process.stdout.write(
    `${table(
      ['case', 'pushes/s', 'outputs/s', 'ns/push', 'x floor', 'spread'],
      [
        [
          'Seamer.push, 3 aligned legs',
          si(pushPerSec),
          si(outPerSec),
          fixed(nsPerPush, 0),
          fixed(floorPerSec / pushPerSec, 1),
          `${fixed(spreadPct(seamerSec), 0)}%`,
        ],
        [
          'floor: prepare + read seq',
          si(floorPerSec),
          '-',
          fixed(nsFloor, 0),
          '1.0',
          `${fixed(spreadPct(floorSec), 0)}%`,
        ],
      ],
    )}\n`,
  );
  process.stdout.write(
    `  output ${si(outputs)} of ${si(opts.packets)} packets (union of the legs); ` +
      `${fixed(arrivals / outputs, 2)} pushes per output\n`,
  );
  process.stdout.write(
    '\nDelay added per push call (wall clock, process.hrtime.bigint around the call)\n',
  );
  process.stdout.write(
    `${table(
      ['push that…', 'median µs', 'p99 µs', 'samples'],
      [
        [
          'outputs a packet (first arrival)',
          fixed(lat.firstUs.median, 2),
          fixed(lat.firstUs.p99, 2),
          si(lat.firstUs.n),
        ],
        ['is a duplicate', fixed(lat.dupUs.median, 2), fixed(lat.dupUs.p99, 2), si(lat.dupUs.n)],
        [
          'timer alone (two hrtime calls)',
          fixed(lat.timerUs.median, 2),
          fixed(lat.timerUs.p99, 2),
          '50k',
        ],
      ],
    )}\n`,
  );
  process.stdout.write(
    '  the first-arrival row includes the payload hash (kept for aligning later legs), the\n' +
      '  in-place header rewrite and the history update; timings include the timer cost\n',
  );
  printJson('sequencer', {
    machine,
    options: opts,
    arrivals,
    outputs,
    throughput: {
      pushesPerSec: pushPerSec,
      outputsPerSec: outPerSec,
      nsPerPush,
      floorPushesPerSec: floorPerSec,
      floorNsPerPush: nsFloor,
      xFloor: floorPerSec / pushPerSec,
      spreadPct: spreadPct(seamerSec),
    },
    delayUs: { firstArrival: lat.firstUs, duplicate: lat.dupUs, timer: lat.timerUs },
    latencyPassMs: latWallMs,
    sink: sink % 1000,
  });
}

main();
