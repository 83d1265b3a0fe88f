/**
 * Time to first frame: how long ffmpeg takes from start to its first decoded video frame,
 * through seamd against the origin directly, in the same run (runs interleaved, so load and
 * the origin's state hit every case alike).
 *
 * The origin is gst-rtsp-server (test/origin/origin.py). Two parts:
 *
 * 1. live (`--parts live`): the /live2s mount (25 fps H.264 with a keyframe every 2 s, AAC,
 *    one shared pipeline). seamd (in this process) maps it twice: `live` (fast start, the
 *    default) and `live-off` (`fastStart: false`, today's behaviour); both ride one upstream
 *    session, which a raw RTSP client keeps open the whole time (another viewer watching: the
 *    realistic case; the origin's pipeline keeps running for the direct joins too). Each run
 *    starts ffmpeg on (a) the origin directly, (b) seamd `live`, (c) seamd `live-off`.
 * 2. recording (`--parts recording`): the /file mount (the 5 s fixture clip, file-backed). seamd
 *    with recordings on (temp dir) records it once through the origin; each run then starts
 *    ffmpeg on (a) the origin directly, (b) seamd `file` (played from the recording, fast start),
 *    (c) seamd `file-off` (from the recording, `fastStart: false`). `--revalidate` as in the
 *    config (seamd DESCRIBEs the origin before serving a copy; on by default).
 *
 * ffmpeg: `ffmpeg -v debug -rtsp_transport <t> -i URL -map 0:v:0 -frames:v 1 -f rawvideo
 * -pix_fmt gray pipe:1`. Two times to the first byte of the decoded frame on its stdout: from
 * spawning ffmpeg (process start, RTSP set-up, stream probing, decoding), and from ffmpeg's
 * "Opening an input file" line (the same without ffmpeg's own start-up, which on a loaded
 * machine is most of a second and the same for every case). Its log is searched for decoder
 * complaints ("non-existing PPS", "no frame!", ...): they mean it started on something that was
 * not a keyframe. Medians of `--runs` (≥ 7) per case.
 *
 * Run: node --import tsx bench/ttff.ts [--runs 9] [--parts live,recording] [--transport tcp]
 *        [--revalidate] [--help]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfigText } from '../src/daemon/config.js';
import { startDaemon, type Daemon } from '../src/daemon/daemon.js';
import { playAll } from '../test/helpers/raw-client.js';
import { startOrigin, type Origin } from '../test/helpers/origin.js';
import { fixed, machineInfo, median, parseArgs, printJson, sleep, table } from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  { runs: 9, parts: 'live,recording', transport: 'tcp', revalidate: true, gap: 700 },
  'Time to first decoded frame, ffmpeg, through seamd vs the origin directly.',
  {
    runs: 'ffmpeg starts per case (median reported; at least 7)',
    parts: 'live, recording or both',
    transport: 'tcp or udp (ffmpeg -rtsp_transport)',
    revalidate: 'recording part: seamd DESCRIBEs the origin before serving a copy',
    gap: 'ms between runs (join points spread over the GOP)',
  },
);

interface Sample {
  /** Spawn → first decoded frame. */
  ms: number;
  /** ffmpeg opening the URL (its "Opening an input file" line) → first decoded frame. */
  openMs: number;
  errors: string;
}

/** Decoder complaints that mean the stream did not start at a keyframe (or lost packets). */
const DECODE_ERRORS =
  /non-existing PPS|no frame!|decode_slice_header error|concealing|error while decoding|Invalid NAL|missing picture/i;

/** Spawns ffmpeg and times its first decoded video frame. */
function ttff(url: string, transport: string, timeoutMs = 15000): Promise<Sample> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(
      'ffmpeg',
      [
        '-nostdin',
        '-v',
        'debug',
        '-rtsp_transport',
        transport,
        '-i',
        url,
        '-map',
        '0:v:0',
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'gray',
        'pipe:1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    let ms = NaN;
    let openedAt = NaN;
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      if (Number.isNaN(openedAt) && log.includes('Opening an input file')) {
        openedAt = performance.now();
      }
    });
    child.stdout.once('data', () => (ms = performance.now() - started));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', () => {
      clearTimeout(timer);
      const errors = log
        .split('\n')
        .filter((l) => DECODE_ERRORS.test(l))
        .join('\n');
      if (Number.isNaN(ms)) {
        process.stderr.write(`no frame from ${url}: ${log.split('\n').slice(-6).join('\n')}\n`);
      }
      resolve({ ms, openMs: started + ms - openedAt, errors });
    });
  });
}

interface Case {
  name: string;
  url: string;
  samples: Sample[];
}

async function runCases(cases: Case[]): Promise<void> {
  for (let i = 0; i < opts.runs; i++) {
    // Rotate the order so no case always goes first.
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(i + k) % cases.length] as Case;
      c.samples.push(await ttff(c.url, opts.transport));
      // Join points fall anywhere in the GOP: the gap is not a divisor of the GOP length.
      await sleep(opts.gap + Math.round(Math.random() * 300));
    }
  }
}

function report(title: string, cases: Case[]): Record<string, unknown> {
  const direct = cases[0] as Case;
  // A run with no frame (timed out) is counted apart and left out of the figures.
  const ok = (c: Case): Sample[] => c.samples.filter((s) => Number.isFinite(s.ms));
  const directMedian = median(ok(direct).map((s) => s.ms));
  const directOpen = median(ok(direct).map((s) => s.openMs));
  const rows = cases.map((c) => {
    const ms = ok(c).map((s) => s.ms);
    const open = ok(c).map((s) => s.openMs);
    const m = median(ms);
    const o = median(open);
    const errs = c.samples.filter((s) => s.errors !== '').length;
    return [
      c.name,
      fixed(m / 1000, 3),
      `${fixed(Math.min(...ms) / 1000, 2)}-${fixed(Math.max(...ms) / 1000, 2)}`,
      fixed(m / directMedian, 2),
      fixed(o / 1000, 3),
      `${fixed(Math.min(...open) / 1000, 2)}-${fixed(Math.max(...open) / 1000, 2)}`,
      fixed(o / directOpen, 2),
      `${errs}/${c.samples.length}`,
      String(c.samples.length - ms.length),
    ];
  });
  process.stdout.write(
    `\n${title} (${opts.transport}, ${opts.runs} runs each)\n` +
      table(
        [
          'case',
          'spawn→frame s',
          'range',
          '× direct',
          'open→frame s',
          'range',
          '× direct',
          'runs w/ decode errors',
          'no frame',
        ],
        rows,
      ) +
      '\n',
  );
  for (const c of cases) {
    const first = c.samples.find((s) => s.errors !== '');
    if (first)
      process.stdout.write(
        `  ${c.name}, first ffmpeg log with errors:\n    ${first.errors.split('\n').slice(0, 4).join('\n    ')}\n`,
      );
  }
  return Object.fromEntries(
    cases.map((c) => [
      c.name,
      {
        medianMs: Math.round(median(ok(c).map((s) => s.ms))),
        samplesMs: c.samples.map((s) => Math.round(s.ms)),
        openMedianMs: Math.round(median(ok(c).map((s) => s.openMs))),
        openSamplesMs: c.samples.map((s) => Math.round(s.openMs)),
        runsWithErrors: c.samples.filter((s) => s.errors !== '').length,
      },
    ]),
  );
}

async function seamdWith(yaml: string): Promise<Daemon> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return startDaemon(parseConfigText(yaml, 'ttff.yaml'), pino({ level: 'warn' }, sink));
}

async function livePart(origin: Origin): Promise<Record<string, unknown>> {
  const seamd = await seamdWith(`
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
recordings: { enabled: false }
paths:
  live: { origin: ${origin.url('live2s')} }
  live-off: { origin: ${origin.url('live2s')}, fastStart: false }
`);
  const port = seamd.addresses.rtsp.port;
  const url = (p: string): string => `rtsp://127.0.0.1:${port}/${p}`;
  // Another viewer keeps the live source open the whole time.
  const total = opts.runs * 3 * (opts.gap + 2500) + 20_000;
  const keeper = playAll({ host: '127.0.0.1', port }, url('live'), 'tcp', { maxMs: total });
  await sleep(3000);
  const cases: Case[] = [
    { name: 'origin directly', url: origin.url('live2s'), samples: [] },
    { name: 'seamd, fast start', url: url('live'), samples: [] },
    { name: 'seamd, fastStart: false', url: url('live-off'), samples: [] },
  ];
  await runCases(cases);
  const result = report('Live mount /live2s (keyframe every 2 s), source already open', cases);
  await seamd.stop();
  await keeper.catch(() => undefined);
  return result;
}

async function recordingPart(origin: Origin): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'seamd-ttff-'));
  try {
    const seamd = await seamdWith(`
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
recordings: { dir: ${dir}, revalidate: ${opts.revalidate} }
paths:
  file: { origin: ${origin.url('file')} }
  file-off: { origin: ${origin.url('file')}, fastStart: false }
`);
    const port = seamd.addresses.rtsp.port;
    const url = (p: string): string => `rtsp://127.0.0.1:${port}/${p}`;
    // Record the clip once through the origin, then wait for the recording to be closed.
    await playAll({ host: '127.0.0.1', port }, url('file'), 'tcp', { maxMs: 15000 });
    await sleep(1500);
    const cases: Case[] = [
      { name: 'origin directly', url: origin.url('file'), samples: [] },
      { name: 'seamd from recording, fast start', url: url('file'), samples: [] },
      { name: 'seamd from recording, fastStart: false', url: url('file-off'), samples: [] },
    ];
    await runCases(cases);
    const result = report('File-backed /file, served from its recording', cases);
    await seamd.stop();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (opts.runs < 7) process.stderr.write('note: fewer than 7 runs per case\n');
  const parts = opts.parts.split(',');
  const origin = await startOrigin();
  const out: Record<string, unknown> = { machine: machineInfo(), transport: opts.transport };
  try {
    if (parts.includes('live')) out.live = await livePart(origin);
    if (parts.includes('recording')) out.recording = await recordingPart(origin);
  } finally {
    await origin.stop();
  }
  printJson('ttff', out);
}

void main();
