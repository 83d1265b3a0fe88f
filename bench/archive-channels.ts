/**
 * What archiving live channels costs: N channels archived around the clock at once (no viewer),
 * against the bare cost of receiving the same packets, same run.
 *
 * ```
 * channels child (fake origin, N live paths) ──UDP──▶ this process: seamd archiving | bare sockets
 * ```
 *
 * - The child (bench/lib/channels-child.ts) sends every channel at a camera's pace: 25 frames/s
 *   of 8 RTP packets of 1250 bytes (2 Mbit/s of RTP), an IDR every 2 s, an RTCP sender report
 *   per second.
 * - **archive**: seamd runs in this process (`startDaemon`) with N paths, each `archive: {}`
 *   (one upstream session each, UDP, segments in a temp recordings directory). Each path is held
 *   to one leg (`seam.maxLegs: 1`), as in relay-pps.ts: on a loaded machine the kernel drops
 *   packets at the leg's socket and the loss policy would open more legs; this measures archiving.
 * - **receive**: N bare `node:dgram` sockets in this process counting what the child sends them:
 *   the least any receiver in Node pays for the same packets.
 * - For each N the two modes run back to back (order alternating by round); after a warm-up,
 *   this process's CPU time (`process.cpuUsage`, user + system) over `--seconds` is divided by
 *   N and by the seconds: CPU ms per second per channel (1000 = one core). Disk: the archive
 *   directory's growth over the same seconds, as bytes per hour per channel, against the RTP
 *   bytes the child sent.
 *
 * Run: node --import tsx bench/archive-channels.ts [--channels 1,4,16] [--seconds 10] [--rounds 1]
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfigText } from '../src/daemon/config.js';
import { startDaemon } from '../src/daemon/daemon.js';
import { ARCHIVE_DIR } from '../src/store/segments.js';
import type { ChannelsCommand, ChannelsEvent } from './lib/channels-child.js';
import { Child } from './lib/ipc.js';
import {
  fixed,
  machineInfo,
  median,
  parseArgs,
  printJson,
  si,
  sleep,
  table,
} from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  { channels: '1,4,16', seconds: 10, warmup: 3, rounds: 1 },
  'Archiving N live channels: CPU per channel and disk per hour, against bare receiving.',
  {
    channels: 'numbers of channels archived at once',
    seconds: 'measured seconds per mode',
    warmup: 'seconds before measuring',
    rounds: 'rounds per N (modes alternate their order)',
  },
);

interface Sample {
  mode: 'archive' | 'receive';
  n: number;
  cpuMsPerSecPerChannel: number;
  /** Packets the receiving side got / the child sent in the window. */
  got: number;
  sent: number;
  sentBytes: number;
  diskBytes: number;
  seconds: number;
}

let snapId = 0;
async function childSnap(
  child: Child<ChannelsCommand, ChannelsEvent>,
): Promise<{ sent: number; bytes: number }> {
  const id = ++snapId;
  const e = await child.ask({ cmd: 'snap', id }, 'snap', 10000, (s) => s.id === id);
  return { sent: e.sent, bytes: e.bytes };
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.isFile())
      n += await stat(join(e.parentPath, e.name)).then(
        (s) => s.size,
        () => 0,
      );
  }
  return n;
}

async function window(
  child: Child<ChannelsCommand, ChannelsEvent>,
  got: () => number,
  disk: () => Promise<number>,
): Promise<Omit<Sample, 'mode' | 'n' | 'cpuMsPerSecPerChannel'> & { cpuMs: number }> {
  await sleep(opts.warmup * 1000);
  const s0 = await childSnap(child);
  const d0 = await disk();
  const g0 = got();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(opts.seconds * 1000);
  const c1 = process.cpuUsage(c0);
  const seconds = (performance.now() - t0) / 1000;
  const g1 = got();
  const s1 = await childSnap(child);
  const d1 = await disk();
  return {
    cpuMs: (c1.user + c1.system) / 1000,
    seconds,
    got: g1 - g0,
    sent: s1.sent - s0.sent,
    sentBytes: s1.bytes - s0.bytes,
    diskBytes: d1 - d0,
  };
}

async function runReceive(child: Child<ChannelsCommand, ChannelsEvent>, n: number) {
  const sockets: Socket[] = [];
  let got = 0;
  for (let i = 0; i < n; i++) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    s.on('message', () => got++);
    sockets.push(s);
  }
  child.send({ cmd: 'blast', ports: sockets.map((s) => s.address().port) });
  try {
    const w = await window(
      child,
      () => got,
      () => Promise.resolve(0),
    );
    return w;
  } finally {
    await child.ask({ cmd: 'stop' }, 'stopped');
    for (const s of sockets) s.close();
  }
}

async function runArchive(child: Child<ChannelsCommand, ChannelsEvent>, n: number) {
  const root = await mkdtemp(join(tmpdir(), 'seamd-archive-channels-'));
  const port = child.ready?.rtspPort ?? 0;
  const lines = [
    'listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }',
    `recordings: { dir: ${JSON.stringify(root)} }`,
    'paths:',
  ];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  ch${i}: { origin: rtsp://127.0.0.1:${port}/ch${i}, upstream: { transport: udp }, seam: { minLegs: 1, maxLegs: 1 }, archive: {} }`,
    );
  }
  const played = child.waitFor('play', 30000, (e) => e.channels >= n);
  const daemon = await startDaemon(
    parseConfigText(lines.join('\n'), 'bench'),
    pino({ level: process.env.BENCH_LOG ?? 'warn' }, pino.destination(2)),
  );
  try {
    await played;
    const archived = (): number => {
      let p = 0;
      for (let i = 0; i < n; i++) p += daemon.archives?.archiver(`ch${i}`)?.packets ?? 0;
      return p;
    };
    return await window(child, archived, () => dirBytes(join(root, ARCHIVE_DIR)));
  } finally {
    await daemon.stop();
    await child.ask({ cmd: 'stop' }, 'stopped');
    await rm(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ns = opts.channels
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const machine = machineInfo();
  const samples: Sample[] = [];
  for (const n of ns) {
    for (let r = 0; r < opts.rounds; r++) {
      const order: Array<Sample['mode']> =
        (r + ns.indexOf(n)) % 2 === 0 ? ['receive', 'archive'] : ['archive', 'receive'];
      for (const mode of order) {
        // A fresh child per run: nothing left over from the run before.
        const child = await Child.start<ChannelsCommand, ChannelsEvent>(
          fileURLToPath(new URL('./lib/channels-child.ts', import.meta.url)),
        );
        try {
          const w = mode === 'receive' ? await runReceive(child, n) : await runArchive(child, n);
          samples.push({
            mode,
            n,
            cpuMsPerSecPerChannel: w.cpuMs / w.seconds / n,
            got: w.got,
            sent: w.sent,
            sentBytes: w.sentBytes,
            diskBytes: w.diskBytes,
            seconds: w.seconds,
          });
          process.stderr.write(
            `N=${n} ${mode}: ${fixed(w.cpuMs / w.seconds / n, 2)} CPU ms/s per channel\n`,
          );
        } finally {
          await child.stop();
        }
      }
    }
  }
  const rows: string[][] = [];
  const summary: Record<string, unknown>[] = [];
  for (const n of ns) {
    const of = (mode: Sample['mode']) => samples.filter((s) => s.n === n && s.mode === mode);
    const arc = of('archive');
    const rec = of('receive');
    const cpuA = median(arc.map((s) => s.cpuMsPerSecPerChannel));
    const cpuR = median(rec.map((s) => s.cpuMsPerSecPerChannel));
    const perHour = (s: Sample, bytes: number): number => (bytes / s.seconds / n) * 3600;
    const diskH = median(arc.map((s) => perHour(s, s.diskBytes)));
    const rtpH = median(arc.map((s) => perHour(s, s.sentBytes)));
    const loss = median(arc.map((s) => 1 - s.got / Math.max(1, s.sent)));
    rows.push([
      String(n),
      fixed(cpuA, 2),
      fixed(cpuR, 2),
      `${fixed(cpuA / cpuR, 1)}×`,
      fixed(cpuA - cpuR, 2),
      `${si(diskH)}B`,
      `${si(rtpH)}B`,
      fixed(diskH / rtpH, 3),
      `${fixed(loss * 100, 2)} %`,
    ]);
    summary.push({ n, cpuArchive: cpuA, cpuReceive: cpuR, diskPerHour: diskH, rtpPerHour: rtpH });
  }
  process.stdout.write(
    `\nchannels of 2 Mbit/s RTP (25 fps × 8 × 1250 B), ${opts.seconds} s measured after ${opts.warmup} s, ` +
      `${opts.rounds} round(s); load ${machine.load.join(' ')} on ${machine.cpus} CPUs\n` +
      `CPU: ms of this process's CPU per second per channel (1000 = a whole core)\n\n`,
  );
  process.stdout.write(
    table(
      [
        'N',
        'archive CPU',
        'receive CPU',
        'ratio',
        'archive extra',
        'disk/h/channel',
        'RTP/h/channel',
        'disk/RTP',
        'not archived',
      ],
      rows,
    ) + '\n',
  );
  printJson('archive-channels', { machine, opts, summary, samples });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
