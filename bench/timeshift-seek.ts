/**
 * Time to first packet for a clock-range PLAY into a day-long archive, against the same PLAY into
 * an archive of one segment (same daemon, same run, interleaved).
 *
 * The day: 24 h of a 2 Mbit/s H.264 channel (25 frames/s, 8 RTP packets of 1250 bytes a frame,
 * an IDR after SPS and PPS every 50 frames) in 10-minute segments, 144 of them, in the archive's
 * own layout. Segment directories, meta.json and segment.json come from the store's
 * `SegmentWriter`; `index.bin` holds exactly the entries the writer makes (every keyframe and at
 * least one per 500 ms: the first segment is written packet by packet through `SegmentWriter`
 * and its index.bin compared byte for byte with the generated one). The other segments' logs
 * are sparse files of their real length (21.6 GB in all, apparent size) with real records only
 * where a PLAY of this bench starts (a window of packets from each probed keyframe on), so
 * the day is built in seconds and takes a few hundred MB of disk.
 *
 * seamd runs in this process with two archived paths to a fake origin (bench/lib/origin-child.ts:
 * it answers DESCRIBE for the live paths, sends nothing): `day` and `one` (one segment). Each
 * run is a fresh RTSP connection: DESCRIBE, SETUP (TCP interleaved), then PLAY with `Range:
 * clock=T-`; the time is PLAY sent → first RTP packet received. Points: `start` (the first hour),
 * `middle` (around 12 h), `end` (the last hour); each run asks for a different segment (its index
 * is not in the cache yet). Files the daemon opens under the archive between PLAY and the first
 * packet are counted (fs.promises.open, wrapped): a lookup that scanned would open many.
 *
 * Run: node --import tsx bench/timeshift-seek.ts [--runs 9] [--help]
 */
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfigText } from '../src/daemon/config.js';
import { startDaemon, type Daemon } from '../src/daemon/daemon.js';
import { startsKeyframe } from '../src/protocol/rtp/keyframe.js';
import { formatUtcTime } from '../src/protocol/rtsp/headers/clock-range.js';
import { parseSdp } from '../src/protocol/sdp/sdp.js';
import { encodeRecord, RECORD_HEADER_LENGTH, trackFileName } from '../src/store/format.js';
import { recordingMetaFromSdp } from '../src/store/meta.js';
import {
  encodeIndexEntry,
  INDEX_FILE,
  SYNC_INTERVAL_MS,
  type IndexEntry,
} from '../src/store/segment-index.js';
import { SegmentWriter, writeSegmentState } from '../src/store/segment-writer.js';
import { ArchiveStore, ARCHIVE_DIR } from '../src/store/segments.js';
import { readSegmentLog } from '../src/store/segment-reader.js';
import { planTimeshift } from '../src/serve/timeshift-plan.js';
import { RawRtspClient } from '../test/helpers/raw-client.js';
import { liveH264Sdp } from './lib/bench-rtsp.js';
import { Child, type OriginCommand, type OriginEvent } from './lib/ipc.js';
import { fixed, machineInfo, median, parseArgs, printJson, si, table } from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  { runs: 9, hours: 24, window: 2000 },
  'Clock-range PLAY into a day-long archive: PLAY → first RTP packet, vs a one-segment archive.',
  {
    runs: 'PLAYs per point and archive (median reported; at least 7)',
    hours: 'length of the big archive',
    window: 'real records written from each probed keyframe on (packets)',
  },
);

const FPS = 25;
const PER_FRAME = 8;
const PACKET = 1250; // 8 × 25 × 1250 B = 2 Mbit/s
const PPS_RATE = FPS * PER_FRAME;
const GOP = 50;
const SEGMENT_MS = 600_000;
const RECORD = RECORD_HEADER_LENGTH + PACKET;
const SPS = Buffer.from('6742c01fda0140169b0110000003001000000303c8f1831a80', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const SDP = liveH264Sdp('seamd bench');

/** Packet `i` of a segment whose first packet has extended sequence number `ext0`. */
function packetAt(i: number, ext0: number): Buffer {
  const frame = Math.floor(i / PER_FRAME);
  const k = i % PER_FRAME;
  const idr = frame % GOP === 0;
  const p = Buffer.alloc(PACKET);
  p[0] = 0x80;
  p[1] = (k === PER_FRAME - 1 ? 0x80 : 0) | 96;
  p.writeUInt16BE((ext0 + i) & 0xffff, 2);
  p.writeUInt32BE((((ext0 / PER_FRAME) | 0) * 3600 + frame * 3600) >>> 0, 4);
  p.writeUInt32BE(0x5eed0001, 8);
  if (idr && k < 2) {
    (k === 0 ? SPS : PPS).copy(p, 12);
  } else {
    const lead = idr ? 2 : 0;
    p[12] = 0x7c;
    p[13] = (k === lead ? 0x80 : 0) | (k === PER_FRAME - 1 ? 0x40 : 0) | (idr ? 5 : 1);
  }
  return p;
}

const wallOf = (startMs: number, i: number): number =>
  startMs + Math.floor(i / PER_FRAME) * (1000 / FPS);

/** The index entries SegmentWriter.append makes for a segment of `n` packets. */
function indexEntries(startMs: number, n: number): IndexEntry[] {
  const out: IndexEntry[] = [];
  let lastSync = 0;
  for (let i = 0; i < n; i++) {
    const frame = Math.floor(i / PER_FRAME);
    // What the archiver passes: startsKeyframe of the packet (SPS and the IDR's first fragment).
    const key = frame % GOP === 0 && i % PER_FRAME < 3 && startsKeyframe(packetAt(i, 0), 'H264');
    const wallMs = wallOf(startMs, i);
    if (key || wallMs - lastSync >= SYNC_INTERVAL_MS) {
      lastSync = wallMs;
      out.push({ wallMs, offset: i * RECORD, track: 0, keyframe: key });
    }
  }
  return out;
}

const meta = recordingMetaFromSdp({
  originUrl: 'rtsp://127.0.0.1/bench',
  path: 'day',
  sdp: SDP,
  info: parseSdp(SDP, 'rtsp://127.0.0.1/bench/'),
  startRtpTime: () => undefined,
});

const segName = (ms: number): string => String(ms).padStart(15, '0');
const PER_SEGMENT = (SEGMENT_MS / 1000) * PPS_RATE;

/** Writes one segment fully through SegmentWriter (the reference for the generated index). */
async function writeRealSegment(dir: string, startMs: number): Promise<void> {
  const w = await SegmentWriter.create(dir, meta, startMs, 1, { flushIntervalMs: 0 });
  for (let i = 0; i < PER_SEGMENT; i++) {
    const p = packetAt(i, 0);
    w.append(0, i, p, wallOf(startMs, i), startsKeyframe(p, 'H264'));
    if (i % 4000 === 3999) await w.flush();
  }
  await w.close();
}

/** A segment with the writer's layout, the generated index and a sparse log. */
async function writeSparseSegment(
  dir: string,
  startMs: number,
  ext0: number,
  windows: readonly number[],
): Promise<void> {
  const w = await SegmentWriter.create(dir, meta, startMs, 1, { flushIntervalMs: 0 });
  await w.close();
  const entries = indexEntries(startMs, PER_SEGMENT);
  await writeFile(join(dir, INDEX_FILE), Buffer.concat(entries.map(encodeIndexEntry)));
  const log = join(dir, trackFileName(0));
  await truncate(log, PER_SEGMENT * RECORD);
  const fh = await open(log, 'r+');
  try {
    for (const first of windows) {
      const n = Math.min(opts.window, PER_SEGMENT - first);
      const recs: Buffer[] = [];
      for (let i = first; i < first + n; i++) {
        recs.push(encodeRecord(ext0 + i, packetAt(i, ext0), wallOf(startMs, i)));
      }
      await fh.write(Buffer.concat(recs), 0, n * RECORD, first * RECORD);
    }
  } finally {
    await fh.close();
  }
  await writeSegmentState(dir, {
    startMs,
    endMs: wallOf(startMs, PER_SEGMENT - 1),
    section: 1,
    closed: true,
  });
}

interface Point {
  name: string;
  asked: number[];
}

async function buildArchives(root: string, dayStart: number, oneStart: number) {
  const segments = Math.round((opts.hours * 3_600_000) / SEGMENT_MS);
  const dayDir = join(root, ARCHIVE_DIR, 'day');
  const oneDir = join(root, ARCHIVE_DIR, 'one');
  // Asked times: each run a different segment, 3.3 s past the segment's 7th minute.
  const pick = (first: number): number[] =>
    Array.from({ length: opts.runs }, (_, r) => dayStart + (first + r) * SEGMENT_MS + 423_300);
  const mid = Math.max(1, Math.floor(segments / 2) - Math.floor(opts.runs / 2));
  const points: Point[] = [
    { name: 'start', asked: pick(1) },
    { name: 'middle', asked: pick(mid) },
    { name: 'end', asked: pick(segments - opts.runs - 1) },
  ];
  const windowsOf = new Map<number, number[]>();
  for (const p of points) {
    for (const t of p.asked) {
      const s = Math.floor((t - dayStart) / SEGMENT_MS);
      const within = t - (dayStart + s * SEGMENT_MS);
      const frame = Math.floor(within / (1000 / FPS));
      const key = frame - (frame % GOP);
      windowsOf.set(s, [...(windowsOf.get(s) ?? []), key * PER_FRAME]);
    }
  }
  const t0 = performance.now();
  // Segment 0 through the writer, packet by packet; its index is the reference.
  const ref = join(dayDir, segName(dayStart));
  await writeRealSegment(ref, dayStart);
  const refIndex = await fsPromises.readFile(join(ref, INDEX_FILE));
  const generated = Buffer.concat(indexEntries(dayStart, PER_SEGMENT).map(encodeIndexEntry));
  if (!refIndex.equals(generated)) {
    throw new Error(
      `generated index differs from SegmentWriter's (${generated.length} vs ${refIndex.length} bytes)`,
    );
  }
  const realMs = performance.now() - t0;
  for (let s = 1; s < segments; s++) {
    const start = dayStart + s * SEGMENT_MS;
    await writeSparseSegment(
      join(dayDir, segName(start)),
      start,
      s * PER_SEGMENT,
      windowsOf.get(s) ?? [],
    );
  }
  // The small archive: one segment, every run at its 7th minute.
  await writeSparseSegment(join(oneDir, segName(oneStart)), oneStart, 0, [
    Math.floor(420_000 / (1000 / FPS) / GOP) * GOP * PER_FRAME,
  ]);
  return {
    segments,
    points,
    oneAsked: oneStart + 423_300,
    indexBytes: generated.length,
    realMs,
    buildMs: performance.now() - t0,
  };
}

/**
 * The lookup alone, in this process without the daemon or RTSP: a fresh store (its index cache
 * empty), `planTimeshift` (binary search over the segments, one segment's index read and
 * searched), then the first read of the log at the found offset. Per asked time: wall ms of
 * each step and CPU ms of both.
 */
async function lookups(
  root: string,
  path: string,
  asked: readonly number[],
): Promise<{ openMs: number; planMs: number[]; readMs: number[]; cpuMs: number[] }> {
  const t0 = performance.now();
  const store = await ArchiveStore.open(root, path);
  const openMs = performance.now() - t0;
  const info = parseSdp(SDP, 'rtsp://127.0.0.1/bench/');
  const out = { openMs, planMs: [] as number[], readMs: [] as number[], cpuMs: [] as number[] };
  for (const t of asked) {
    const c0 = process.cpuUsage();
    const a = performance.now();
    const plan = await planTimeshift(store, info, `clock=${formatUtcTime(t)}-`, t, Date.now());
    const b = performance.now();
    const at = plan.tracks[0]!;
    const { packets } = await readSegmentLog(at.segment.dir, 0, at.offset);
    const c = performance.now();
    const cpu = process.cpuUsage(c0);
    if (packets.length === 0) throw new Error(`nothing read at ${formatUtcTime(t)}`);
    out.planMs.push(b - a);
    out.readMs.push(c - b);
    out.cpuMs.push((cpu.user + cpu.system) / 1000);
  }
  return out;
}

/** fs.promises open and readFile, counted for paths under `prefix`. */
function countOpens(prefix: string): { files: string[]; reset(): void } {
  const state = { files: [] as string[], reset: () => (state.files = []) };
  const seen = (path: unknown): void => {
    const p = String(path);
    if (p.startsWith(prefix)) state.files.push(p.slice(prefix.length));
  };
  const fsp = fsPromises as { open: typeof fsPromises.open; readFile: typeof fsPromises.readFile };
  const open0 = fsp.open;
  const readFile0 = fsp.readFile;
  fsp.open = (...args: Parameters<typeof open0>) => {
    seen(args[0]);
    return open0(...args);
  };
  fsp.readFile = ((...args: Parameters<typeof readFile0>) => {
    seen(args[0]);
    return readFile0(...args);
  }) as typeof readFile0;
  syncBuiltinESMExports();
  return state;
}

async function playOnce(port: number, path: string, askedMs: number): Promise<number> {
  const c = await RawRtspClient.connect('127.0.0.1', port);
  try {
    const url = `rtsp://127.0.0.1:${port}/${path}`;
    const d = await c.request('DESCRIBE', url);
    if (d.status !== 200) throw new Error(`DESCRIBE ${path}: ${d.status}`);
    const base = d.headers.get('Content-Base') ?? `${url}/`;
    await c.request('SETUP', `${base}trackID=0`, {
      Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
    });
    let first = 0;
    const push = c.frames.push.bind(c.frames);
    c.frames.push = (...items) => {
      if (first === 0 && items.some((f) => f.channel === 0)) first = performance.now();
      return push(...items);
    };
    const sent = performance.now();
    const play = await c.request('PLAY', base, { Range: `clock=${formatUtcTime(askedMs)}-` });
    if (play.status !== 200) {
      const why = [...play.headers.entries()].map(([k, v]) => `${k}: ${v}`).join(', ');
      throw new Error(`PLAY ${path}: ${play.status} (${why})`);
    }
    for (let i = 0; i < 400 && first === 0; i++) await new Promise((r) => setTimeout(r, 5));
    if (first === 0) throw new Error(`PLAY ${path}: no packet within 2 s`);
    return first - sent;
  } finally {
    c.close();
  }
}

async function main(): Promise<void> {
  if (opts.runs < 7) throw new Error('--runs must be at least 7');
  const machine = machineInfo();
  const root = await mkdtemp(join(tmpdir(), 'seamd-timeshift-seek-'));
  const now = Date.now();
  const dayStart = now - opts.hours * 3_600_000 - 120_000;
  const oneStart = now - 3 * 3_600_000;
  const origin = await Child.start<OriginCommand, OriginEvent>(
    fileURLToPath(new URL('./lib/origin-child.ts', import.meta.url)),
  );
  let daemon: Daemon | undefined;
  try {
    process.stdout.write(`building a ${opts.hours} h archive in ${root} ...\n`);
    const built = await buildArchives(root, dayStart, oneStart);
    const direct = {
      day: await lookups(
        root,
        'day',
        built.points.flatMap((p) => p.asked),
      ),
      one: await lookups(
        root,
        'one',
        Array.from({ length: opts.runs }, () => built.oneAsked),
      ),
    };
    const rtspPort = origin.ready?.rtspPort ?? 0;
    const t0 = performance.now();
    daemon = await startDaemon(
      parseConfigText(
        [
          'listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }',
          `recordings: { dir: ${JSON.stringify(root)} }`,
          'paths:',
          `  day: { origin: rtsp://127.0.0.1:${rtspPort}/day, upstream: { transport: udp }, archive: { retention: 7d } }`,
          `  one: { origin: rtsp://127.0.0.1:${rtspPort}/one, upstream: { transport: udp }, archive: { retention: 7d } }`,
        ].join('\n'),
        'bench',
      ),
      pino({ level: 'warn' }, pino.destination(2)),
    );
    const startMs = performance.now() - t0;
    const port = daemon.addresses.rtsp.port;
    const opens = countOpens(join(root, ARCHIVE_DIR));
    const times: Record<string, number[]> = {};
    const files: Record<string, number[]> = {};
    const indexes: Record<string, number[]> = {};
    const segs: Record<string, number[]> = {};
    const note = (key: string, ms: number): void => {
      (times[key] ??= []).push(ms);
      const index = opens.files.filter((f) => f.endsWith(INDEX_FILE)).length;
      (indexes[key] ??= []).push(index);
      (files[key] ??= []).push(opens.files.length - index);
      (segs[key] ??= []).push(new Set(opens.files.map((f) => f.split('/')[2])).size);
    };
    // The archives open in the background at start (every segment's meta.json and
    // segment.json are read then, none of the logs or indexes): PLAY until both answer; that
    // is also the warm-up (connection code, JIT).
    const until = async (path: string, asked: number): Promise<number> => {
      for (;;) {
        try {
          await playOnce(port, path, asked);
          return performance.now() - t0;
        } catch (err) {
          if (!/ 457 /.test(String(err)) || performance.now() - t0 > 60_000) throw err;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const dayReadyMs = await until('day', built.points[0]!.asked[0]! - SEGMENT_MS);
    await until('one', built.oneAsked);
    for (let r = 0; r < opts.runs; r++) {
      for (const p of built.points) {
        opens.reset();
        note(`day ${p.name}`, await playOnce(port, 'day', p.asked[r]!));
        opens.reset();
        note('one segment', await playOnce(port, 'one', built.oneAsked));
      }
    }
    const rows = Object.keys(times).map((k) => [
      k,
      fixed(median(times[k]!), 1),
      `${fixed(Math.min(...times[k]!), 1)}–${fixed(Math.max(...times[k]!), 1)}`,
      String(Math.max(...indexes[k]!)),
      String(Math.max(...files[k]!)),
      String(Math.max(...segs[k]!)),
    ]);
    process.stdout.write(
      `\n${built.segments} segments of 10 min (${si(built.segments * PER_SEGMENT * RECORD)}B of logs, ` +
        `apparent), index ${si(built.indexBytes)}B per segment; built in ${fixed(built.buildMs / 1000, 1)} s ` +
        `(segment 0 through SegmentWriter: ${fixed(built.realMs / 1000, 1)} s, index identical). ` +
        `Daemon start ${fixed(startMs, 0)} ms, day archive open and played ${fixed(dayReadyMs, 0)} ms after it began. Load ${machine.load.join(' ')}.\n\n`,
    );
    process.stdout.write(
      table(
        ['PLAY clock=T- into', 'median ms', 'min–max', 'index.bin read', 'log opens', 'segments'],
        rows,
      ) + '\n',
    );
    process.stdout.write(
      `\nthe lookup alone (planTimeshift on a fresh store, then the first log read; ms, medians):\n` +
        table(
          ['archive', 'store open', 'plan', 'first read', 'CPU'],
          (['day', 'one'] as const).map((k) => [
            k === 'day' ? `day (${built.segments} segments)` : 'one segment',
            fixed(direct[k].openMs, 1),
            fixed(median(direct[k].planMs), 2),
            fixed(median(direct[k].readMs), 2),
            fixed(median(direct[k].cpuMs), 2),
          ]),
        ) +
        '\n',
    );
    const dayMed = median(built.points.flatMap((p) => times[`day ${p.name}`]!));
    const oneMed = median(times['one segment']!);
    process.stdout.write(
      `\nday-long / one-segment archive: ${fixed(dayMed, 1)} / ${fixed(oneMed, 1)} ms = ${fixed(dayMed / oneMed, 2)}× (target < 50 ms)\n`,
    );
    printJson('timeshift-seek', {
      machine,
      segments: built.segments,
      buildMs: built.buildMs,
      daemonStartMs: startMs,
      dayReadyMs,
      medians: Object.fromEntries(Object.keys(times).map((k) => [k, median(times[k]!)])),
      times,
      indexReads: indexes,
      logOpens: files,
      segmentsTouched: segs,
      ratio: dayMed / oneMed,
      direct,
    });
  } finally {
    await daemon?.stop();
    await origin.stop();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
