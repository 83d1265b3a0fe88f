/**
 * Endurance: seamd (the real CLI, its own process) in front of the real origin (gst-rtsp-server,
 * test/origin/origin.py: the live mount and the file-backed clip, recordings on so the clip is
 * then served from disk) while viewers churn for `--minutes`: UDP and TCP, live and file,
 * some leaving with TEARDOWN, some vanishing (sockets destroyed), PAUSE/PLAY, seeks (PLAY with a
 * Range), a trickle of garbage (random bytes, broken requests, half requests left hanging, stray
 * datagrams at seamd's RTP/RTCP ports), DESCRIBE-only visits, and now and then a real player
 * (ffmpeg, 5 s).
 *
 * seamd runs with --expose-gc and bench/lib/gc-on-signal.ts: each sample starts with a full GC
 * (SIGUSR2), so heap figures are what is still referenced. Every `--sample` seconds (30 by
 * default, 10 for runs under 10 minutes): RSS and fds (/proc/<pid>), sockets (fds that are
 * sockets), heap used and active resources (handles, timers: `process` in /api/status), open
 * sources and viewers (/api/status).
 *
 * Phases: priming (every path once, 6 s per minute of the run, 20-120 s: modules load, the clip
 * gets recorded), drained (every session gone: vanished UDP viewers time out after `--timeout`),
 * the churn, drained again. Verdicts:
 * - growth during the churn, judged over its second half (the first half is the warm-up): a
 *   metric grew when its least-squares line rises more than max(3 × the scatter around it, a
 *   floor) over that half. Floors: RSS and external 12 MiB, heap 6 MiB, fds and sockets 6,
 *   handles 12. RSS counts only when the drain kept the growth (drained after the churn more
 *   than the floor above drained after priming): the allocator returns freed memory late and
 *   unevenly, so a 3-minute run's RSS line rose 16 MiB while its last sample was lower than its
 *   first and the drain fell 23 MiB below primed. Heap and external (after a full GC) count as
 *   they are: what grows with a live source's age is a leak even if the source's end frees it.
 * - drained after the churn against drained after priming: no source, no viewer, fds and
 *   handles at most 2 above, heap at most 4 MiB above.
 * Exit 1 on any of these or when more than 5 % of viewers failed; 2 when the run broke.
 *
 * Run: node --import tsx bench/soak.ts [--minutes 60] [--workers 6] [--sample 30]
 *        [--snapshots --keep] [--help]
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startOrigin } from '../test/helpers/origin.js';
import { ffmpegDecode } from '../test/helpers/players.js';
import { freeEvenUdpPort, freeTcpPort } from '../test/helpers/ports.js';
import { fixed, machineInfo, parseArgs, printJson, sleep, table } from './lib/common.js';
import { SoakClient, type Transport } from './lib/soak-client.js';
import { census, growth } from './lib/heap-diff.js';
import { judge, type Verdict } from './lib/trend.js';

const opts = parseArgs(
  process.argv.slice(2),
  { minutes: 60, workers: 6, sample: 0, players: 600, timeout: 15, keep: false, snapshots: false },
  'soak: viewers churn through seamd for a while; its memory, fds, handles and sources must ' +
    'stay flat',
  {
    minutes: 'how long the churn runs',
    workers: 'viewers (and garbage senders) at a time',
    sample: 'seconds between samples (0 = 30, or 10 for runs under 10 minutes)',
    players: 'seconds between real players (ffmpeg, 5 s each; at least one per run)',
    timeout: "seamd's limits.sessionTimeoutSec (vanished UDP viewers linger this long)",
    keep: "keep seamd's temp dir (config, recordings, heap snapshots)",
    snapshots: 'heap snapshots of seamd primed and drained; prints what grew between them',
  },
);
const sampleSec = opts.sample > 0 ? opts.sample : opts.minutes < 10 ? 10 : 30;
const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// seamd as its own process

interface Daemon {
  pid: number;
  rtsp: number;
  rtp: number;
  http: number;
  warnings: Map<string, number>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

async function startSeamdProcess(dir: string, origin: string): Promise<Daemon> {
  const [rtsp, http, rtp] = await Promise.all([freeTcpPort(), freeTcpPort(), freeEvenUdpPort()]);
  const config = join(dir, 'seamd.yaml');
  writeFileSync(
    config,
    [
      `listen: { rtsp: "127.0.0.1:${rtsp}", rtp: "127.0.0.1:${rtp}", http: "127.0.0.1:${http}" }`,
      `paths: { live: "${origin}/live", file: "${origin}/file" }`,
      `recordings: { dir: "${join(dir, 'rec')}", quota: 64MiB }`,
      `limits: { sessionTimeoutSec: ${opts.timeout}, idleTimeoutSec: 20, requestTimeoutSec: 5 }`,
      'log: { level: info, pretty: false }',
      '',
    ].join('\n'),
  );
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      '--import',
      './bench/lib/gc-on-signal.ts',
      'src/cli/main.ts',
      'run',
      '-c',
      config,
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.snapshots ? { ...process.env, SEAMD_SOAK_SNAPSHOTS: dir } : process.env,
    },
  );
  const warnings = new Map<string, number>();
  let buf = '';
  let ready: () => void = () => undefined;
  const up = new Promise<void>((r) => (ready = r));
  let seen = 0;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let rec: { level?: number; event?: string };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue;
      }
      if (rec.event === 'rtsp.listen' || rec.event === 'http.listen') if (++seen === 2) ready();
      if ((rec.level ?? 0) >= 40) {
        const k = rec.event ?? '?';
        warnings.set(k, (warnings.get(k) ?? 0) + 1);
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const timeout = sleep(30000).then(() => 'timeout' as const);
  const first = await Promise.race([up.then(() => 'up' as const), exited, timeout]);
  if (first !== 'up') {
    child.kill('SIGKILL');
    throw new Error(`seamd did not start (${String(first)}): ${stderr}`);
  }
  return {
    pid: child.pid ?? 0,
    rtsp,
    rtp,
    http,
    warnings,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(t);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// sampling

interface Sample {
  t: number;
  rssMiB: number;
  heapMiB: number;
  /** Memory outside the JS heap the JS side holds (Buffers, ArrayBuffers): `external`. */
  externalMiB: number;
  fds: number;
  sockets: number;
  resources: number;
  timers: number;
  sources: number;
  viewers: number;
}

interface StatusDoc {
  sources: Array<{ viewers: unknown[] }>;
  process?: { heapUsedBytes: number; externalBytes: number; resources: Record<string, number> };
}

/** A full GC in seamd first (SIGUSR2, bench/lib/gc-on-signal.ts), then the figures. */
async function sample(d: Daemon, t0: number): Promise<Sample> {
  process.kill(d.pid, 'SIGUSR2');
  await sleep(300);
  const res = await fetch(`http://127.0.0.1:${d.http}/api/status`);
  const doc = (await res.json()) as StatusDoc;
  const resources = doc.process?.resources ?? {};
  let fds = 0;
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${d.pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${d.pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      /* closed meanwhile */
    }
  }
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.pid}/status`, 'utf8'))?.[1]);
  return {
    t: (Date.now() - t0) / 1000,
    rssMiB: (rssKb * 1024) / MiB,
    heapMiB: (doc.process?.heapUsedBytes ?? NaN) / MiB,
    externalMiB: (doc.process?.externalBytes ?? NaN) / MiB,
    fds,
    sockets,
    resources: Object.values(resources).reduce((a, b) => a + b, 0),
    timers: (resources.Timeout ?? 0) + (resources.Immediate ?? 0),
    sources: doc.sources.length,
    viewers: doc.sources.reduce((a, s) => a + s.viewers.length, 0),
  };
}

// ---------------------------------------------------------------------------------------------
// the churn

const rand = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const stats = new Map<string, { ok: number; failed: number; packets: number }>();
const failures = new Map<string, number>();

function tally(kind: string, ok: boolean, packets = 0, why?: string): void {
  const s = stats.get(kind) ?? { ok: 0, failed: 0, packets: 0 };
  if (ok) s.ok++;
  else s.failed++;
  s.packets += packets;
  stats.set(kind, s);
  if (why) failures.set(`${kind}: ${why}`, (failures.get(`${kind}: ${why}`) ?? 0) + 1);
}

/** One viewer: live or file, UDP or TCP; pauses, seeks, then TEARDOWN or vanishes. */
async function viewer(d: Daemon, path: 'live' | 'file'): Promise<void> {
  const transport: Transport = Math.random() < 0.5 ? 'udp' : 'tcp';
  const vanish = Math.random() < 0.3;
  const kind = `${path}/${transport}/${vanish ? 'vanish' : 'teardown'}`;
  let c: SoakClient | undefined;
  try {
    c = await SoakClient.connect(d.rtsp);
    await c.setup(`rtsp://127.0.0.1:${d.rtsp}/${path}`, transport);
    const p = await c.play();
    if (p.status !== 200) throw new Error(`PLAY answered ${p.status}`);
    await sleep(rand(1000, path === 'live' ? 8000 : 3000));
    if (Math.random() < 0.4) {
      const r = await c.pause();
      if (r.status !== 200) throw new Error(`PAUSE answered ${r.status}`);
      await sleep(rand(200, 1500));
      const r2 = await c.play();
      if (r2.status !== 200) throw new Error(`PLAY after PAUSE answered ${r2.status}`);
      await sleep(rand(500, 2000));
    }
    if (path === 'file' && Math.random() < 0.6) {
      const r = await c.play(`npt=${fixed(rand(0, 4), 1)}-`);
      if (r.status !== 200) throw new Error(`seek answered ${r.status}`);
      await sleep(rand(500, 2500));
    }
    if (c.packets === 0) throw new Error('no packets');
    if (vanish) c.destroy();
    else await c.teardown();
    tally(kind, true, c.packets);
  } catch (err) {
    c?.destroy();
    tally(kind, false, c?.packets ?? 0, (err as Error).message.replace(/\d+/g, 'N'));
  }
}

const GARBAGE: ReadonlyArray<() => Buffer | string> = [
  () => randomBytes(Math.floor(rand(1, 3000))),
  () => 'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
  () => 'OPTIONS * RTSP/1.0\r\nCSeq: x\r\nContent-Length: -4\r\n\r\n',
  () => `DESCRIBE rtsp://127.0.0.1/${'a'.repeat(5000)} RTSP/1.0\r\nCSeq: 1\r\n\r\n`,
  () => 'SETUP rtsp://127.0.0.1/live/x RTSP/1.0\r\nCSeq: 2\r\nTransport: nonsense\r\n\r\n',
  () => 'PLAY rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 3\r\nSession: nobody\r\n\r\n',
  () => Buffer.concat([Buffer.from([0x24, 0, 0xff, 0xff]), randomBytes(100)]),
  () => 'DESCRIBE rtsp://127.0.0.1/live RTSP/1.0\r\nCSeq: 4\r\n', // half a request, left hanging
];

/** Garbage on a fresh connection (then closed or left to time out), or stray datagrams. */
async function garbage(d: Daemon): Promise<void> {
  if (Math.random() < 0.3) {
    const s = createSocket('udp4');
    for (let i = 0; i < 5; i++) {
      s.send(randomBytes(Math.floor(rand(1, 1400))), d.rtp + (i % 2), '127.0.0.1');
    }
    await sleep(50);
    s.close();
    tally('garbage/udp', true);
    return;
  }
  let c: SoakClient | undefined;
  try {
    c = await SoakClient.connect(d.rtsp);
    c.write(pick(GARBAGE)());
    await sleep(rand(50, 1500));
    c.destroy();
    tally('garbage/tcp', true);
  } catch (err) {
    c?.destroy();
    tally('garbage/tcp', false, 0, (err as Error).message);
  }
}

async function player(d: Daemon): Promise<void> {
  const path = pick(['live', 'file'] as const);
  const transport = pick(['tcp', 'udp'] as const);
  const r = await ffmpegDecode(`rtsp://127.0.0.1:${d.rtsp}/${path}`, transport, { durationSec: 5 });
  tally(
    `ffmpeg/${path}/${transport}`,
    r.code === 0,
    0,
    r.code === 0 ? undefined : r.stderr.slice(0, 80),
  );
}

async function worker(d: Daemon, until: number): Promise<void> {
  while (Date.now() < until) {
    const x = Math.random();
    if (x < 0.45) await viewer(d, 'live');
    else if (x < 0.8) await viewer(d, 'file');
    else if (x < 0.9) await garbage(d);
    else {
      // DESCRIBE only, then gone.
      const c = await SoakClient.connect(d.rtsp).catch(() => undefined);
      const r = await c
        ?.request('DESCRIBE', `rtsp://127.0.0.1:${d.rtsp}/${pick(['live', 'file'])}`)
        .catch(() => undefined);
      c?.destroy();
      tally('describe', r?.status === 200);
    }
    await sleep(rand(100, 1000));
  }
}

// ---------------------------------------------------------------------------------------------

const fmtRow = (s: Sample): string[] => [
  fixed(s.t / 60, 1),
  fixed(s.rssMiB, 1),
  fixed(s.heapMiB, 1),
  fixed(s.externalMiB, 1),
  String(s.fds),
  String(s.sockets),
  String(s.resources),
  String(s.timers),
  String(s.sources),
  String(s.viewers),
];
const HEAD = [
  'min',
  'RSS MiB',
  'heap MiB',
  'ext MiB',
  'fds',
  'sockets',
  'handles',
  'timers',
  'sources',
  'viewers',
];

/**
 * Waits until no source and no viewer is left (vanished UDP viewers time out) and, given the
 * drained figures to compare with, until fds and handles are back within 2 of those (a repair
 * of an incomplete recording may still be fetching); at most `--timeout` + 60 s. Then samples.
 */
async function drain(
  d: Daemon,
  t0: number,
  label: string,
  dir: string,
  ref?: Sample,
): Promise<Sample> {
  const until = Date.now() + (opts.timeout + 60) * 1000;
  const busy = (s: Sample): boolean =>
    s.sources > 0 ||
    s.viewers > 0 ||
    (ref !== undefined && (s.fds > ref.fds + 2 || s.resources > ref.resources + 2));
  let s = await sample(d, t0);
  while (Date.now() < until && busy(s)) {
    await sleep(2000);
    s = await sample(d, t0);
  }
  await sleep(3000);
  if (opts.snapshots) writeFileSync(join(dir, 'request'), label);
  return sample(d, t0);
}

async function churn(d: Daemon, ms: number): Promise<void> {
  const until = Date.now() + ms;
  const players = (async () => {
    const every = Math.min(opts.players * 1000, ms / 2);
    for (let next = Date.now() + every / 2; next < until; next += every) {
      await sleep(next - Date.now());
      await player(d);
    }
  })();
  await Promise.all([...Array.from({ length: opts.workers }, () => worker(d, until)), players]);
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'seamd-soak-'));
  const origin = await startOrigin();
  const d = await startSeamdProcess(dir, `rtsp://127.0.0.1:${origin.port}`);
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);
  const primeSec = Math.round(Math.min(120, Math.max(20, opts.minutes * 6)));
  out(
    `soak: ${opts.minutes} min after ${primeSec} s of priming, ${opts.workers} workers, ` +
      `sample every ${sampleSec} s (after a full GC); seamd pid ${d.pid}; ` +
      `machine ${JSON.stringify(machineInfo())}`,
  );
  const t0 = Date.now();
  await sleep(2000);
  const cold = await sample(d, t0);
  // Priming: every code path once (modules, the recording of the clip, pools), then drained.
  await churn(d, primeSec * 1000);
  const primed = await drain(d, t0, 'primed', dir);
  const primedStats = viewerTotals();
  out(table(HEAD, [fmtRow(cold), fmtRow(primed)]));

  const samples: Sample[] = [];
  const sampler = setInterval(() => {
    sample(d, t0)
      .then((s) => {
        samples.push(s);
        out(fmtRow(s).join('\t'));
      })
      .catch((e: unknown) => out(`sample failed: ${String(e)}`));
  }, sampleSec * 1000);
  await churn(d, opts.minutes * 60_000);
  clearInterval(sampler);
  const after = await drain(d, t0, 'after', dir, primed);
  const totals = viewerTotals();
  const served = totals.ok + totals.failed - primedStats.ok - primedStats.failed;

  out(`\nsamples during the churn:\n${table(HEAD, samples.map(fmtRow))}`);
  out(
    `\ncold, primed and drained, after the churn:\n` +
      table(
        ['', ...HEAD],
        [
          ['cold', ...fmtRow(cold)],
          ['primed', ...fmtRow(primed)],
          ['after', ...fmtRow(after)],
        ],
      ),
  );
  const t1 = samples[0]?.t ?? 0;
  const half = samples.filter((s) => s.t >= t1 + ((samples.at(-1)?.t ?? 0) - t1) / 2);
  // The last field: growth counts only when the drain kept it. Only for RSS: the allocator
  // hands freed memory back late and unevenly. Heap and external are taken after a full GC, so
  // what they show is held: memory that grows with a source's age is a leak even when the
  // source's end frees it.
  const metrics: Array<[string, (s: Sample) => number, number, boolean]> = [
    ['RSS MiB', (s) => s.rssMiB, 12, true],
    ['heap MiB', (s) => s.heapMiB, 6, false],
    ['external MiB', (s) => s.externalMiB, 12, false],
    ['fds', (s) => s.fds, 6, false],
    ['sockets', (s) => s.sockets, 6, false],
    ['handles', (s) => s.resources, 12, false],
  ];
  const retained = new Map(
    metrics.map(([name, f, floor, drainConfirms]) => [
      name,
      !drainConfirms || f(after) - f(primed) > floor,
    ]),
  );
  const verdicts: Array<[string, Verdict, Verdict]> = metrics.map(([name, f, floor]) => [
    name,
    judge(
      samples.map((s) => s.t),
      samples.map(f),
      floor,
    ),
    judge(
      half.map((s) => s.t),
      half.map(f),
      floor,
    ),
  ]);
  out(
    `\n${table(
      ['metric', 'slope/h (all)', 'slope/h (2nd half)', 'rise (2nd half)', 'allowed', 'verdict'],
      verdicts.map(([n, all, h]) => [
        n,
        fixed(all.fit.slopePerHour, 2),
        fixed(h.fit.slopePerHour, 2),
        fixed(h.fit.rise, 2),
        fixed(h.allowed, 2),
        !h.grew ? 'flat' : retained.get(n) ? 'GREW' : 'rose, released by the drain',
      ]),
    )}`,
  );
  const heapPerViewer = served > 0 ? ((after.heapMiB - primed.heapMiB) * MiB) / served : 0;
  out(
    `\nidle heap after the churn vs primed: ${fixed(after.heapMiB - primed.heapMiB, 2)} MiB ` +
      `over ${served} viewers (${fixed(heapPerViewer, 0)} bytes each)`,
  );
  out(
    `\nchurn:\n${table(
      ['kind', 'ok', 'failed', 'packets'],
      [...stats].sort().map(([k, s]) => [k, String(s.ok), String(s.failed), String(s.packets)]),
    )}`,
  );
  if (opts.snapshots) {
    await sleep(5000); // the snapshot is written after the sample's collection
    const g = growth(
      census(join(dir, 'primed.heapsnapshot')),
      census(join(dir, 'after.heapsnapshot')),
    );
    out(
      `\nheap objects that grew from primed to after (by type:name):\n${table(
        ['kind', 'primed', 'after', 'Δ self bytes'],
        g.map((r) => [r.kind, String(r.before), String(r.after), String(r.bytes)]),
      )}`,
    );
  }
  if (failures.size) out(`failures: ${JSON.stringify(Object.fromEntries(failures))}`);
  out(`seamd warnings/errors by event: ${JSON.stringify(Object.fromEntries(d.warnings))}`);

  const problems: string[] = [];
  for (const [n, , h] of verdicts) {
    if (h.grew && retained.get(n)) problems.push(`${n} grew in the second half`);
  }
  if (after.sources > 0 || after.viewers > 0) {
    problems.push(`${after.sources} sources / ${after.viewers} viewers left after the drain`);
  }
  if (after.fds > primed.fds + 2) problems.push(`fds ${primed.fds} primed, ${after.fds} after`);
  if (after.resources > primed.resources + 2) {
    problems.push(`active handles ${primed.resources} primed, ${after.resources} after`);
  }
  if (after.heapMiB - primed.heapMiB > 4) {
    problems.push(`idle heap ${fixed(after.heapMiB - primed.heapMiB, 1)} MiB above primed`);
  }
  if (totals.failed > 0.05 * (totals.ok + totals.failed)) {
    problems.push(`${totals.failed} of ${totals.ok + totals.failed} viewers failed`);
  }
  printJson('soak', {
    minutes: opts.minutes,
    cold,
    primed,
    after,
    first: samples[0],
    last: samples.at(-1),
    slopes: Object.fromEntries(
      verdicts.map(([n, all, h]) => [
        n,
        {
          all: all.fit.slopePerHour,
          secondHalf: h.fit.slopePerHour,
          grew: h.grew && (retained.get(n) ?? true),
          rose: h.grew,
        },
      ]),
    ),
    heapPerViewer,
    viewers: { served, ...totals },
    problems,
    machine: machineInfo(),
  });
  out(problems.length ? `FAIL: ${problems.join('; ')}` : 'ok: flat');

  await d.stop();
  await origin.stop();
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  else out(`kept ${dir}`);
  return problems.length ? 1 : 0;
}

function viewerTotals(): { ok: number; failed: number } {
  let ok = 0;
  let failed = 0;
  for (const [k, s] of stats) {
    if (!/^(live|file)\//.test(k)) continue;
    ok += s.ok;
    failed += s.failed;
  }
  return { ok, failed };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${String(err)}\n`);
    process.exit(2);
  },
);
