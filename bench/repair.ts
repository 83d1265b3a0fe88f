/**
 * Repair cost against the real origin (gst-rtsp-server, the 20 s H.264 + AAC test clip, keyframe
 * every second): upstream bytes the repair legs received divided by the bytes that were missing,
 * and the time to a whole recording, per loss pattern.
 *
 * One clean TCP session of the clip is recorded first; each case drops packets from it with a
 * seeded loss model (in arrival order, both tracks through one model: what one lossy leg gives)
 * and writes the rest as a recording numbered like the session, exactly what seamd's recorder
 * writes for one leg. The repairer then runs against the origin (default options: Speed 4, two
 * legs, coalesce 2 s) until nothing is missing, and the repaired recording is checked against
 * the clean session (payloads).
 *
 * Baselines printed beside each case, from the clean session: "floor", the least any
 * Range-based repair can fetch when the origin starts every Range at a keyframe (per keyframe
 * interval with a loss: every byte from its keyframe to its last lost packet, both tracks), and
 * "refetch all" (the whole clip again).
 *
 * Run: node --import tsx bench/repair.ts [--speed 4] [--cases bern10,ge10b20,ge5b200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startOrigin, longClip } from '../test/helpers/origin.js';
import { Leg } from '../src/upstream/leg.js';
import { RecordingWriter, openRecording } from '../src/store/index.js';
import { SeqExtender } from '../src/protocol/rtp/seq.js';
import { bernoulli, gilbertElliottForMean, type LossModel } from '../src/seam/loss-model.js';
import { DEFAULT_REPAIR_OPTIONS, repairRecording } from '../src/repair/repairer.js';
import type { NewRecordingMeta } from '../src/store/meta.js';
import { fixed, machineInfo, parseArgs, printJson, si, table } from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  {
    speed: DEFAULT_REPAIR_OPTIONS.speed,
    coalesce: DEFAULT_REPAIR_OPTIONS.coalesceSec,
    cases: 'bern10,ge10b20,ge5b200',
  },
  'repair: bytes fetched / bytes missing and time to a whole recording, real origin',
  {
    speed: 'Speed asked of the origin',
    coalesce: 'repair coalesceSec',
    cases: 'comma-separated cases',
  },
);

const CASES: Record<string, { name: string; model: () => LossModel }> = {
  bern10: { name: 'Bernoulli 10%', model: () => bernoulli(10, 1) },
  ge10b20: {
    name: 'Gilbert-Elliott 10%, bursts of 20',
    model: () => gilbertElliottForMean(10, 20, 1),
  },
  ge5b200: {
    name: 'Gilbert-Elliott 5%, bursts of 200',
    model: () => gilbertElliottForMean(5, 200, 3),
  },
};

const log = pino({ level: process.env.BENCH_LOG ?? 'silent' }, pino.destination(2));

function leg(id: string, url: string): Leg {
  return new Leg({
    id,
    url,
    transport: 'tcp',
    udpTimeoutMs: 2000,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 5000,
    userAgent: 'seamd-bench',
    log,
  });
}

interface Clean {
  /** Arrival order over both tracks. */
  order: Array<{ track: number; packet: Buffer }>;
  meta: NewRecordingMeta;
}

async function cleanSession(url: string): Promise<Clean> {
  const l = leg('clean', url);
  const d = await l.describe();
  await l.setup();
  const order: Clean['order'] = [];
  let last = 0;
  l.on('rtp', (track, packet) => {
    last = Date.now();
    order.push({ track, packet: Buffer.from(packet) });
  });
  const play = await l.play({ range: 'npt=0-' });
  while (last === 0 || Date.now() - last < 1500) await new Promise((r) => setTimeout(r, 100));
  await l.teardown();
  const end = d.info.range?.end;
  return {
    order,
    meta: {
      originUrl: url,
      path: 'long',
      sdp: d.sdpText,
      sdpIdentity: d.info.identity,
      live: false,
      ...(end !== undefined ? { durationSec: end } : {}),
      tracks: d.info.tracks.map((t) => ({
        index: t.index,
        control: t.control,
        media: t.mediaType,
        clockRate: t.clockRate,
        payloadTypes: [t.payloadType],
        startRtpTime: play.rtpInfo.find((r) => r.trackIndex === t.index)?.rtptime,
      })),
    },
  };
}

/** H.264 RTP payload starting an IDR access unit (SPS, or an IDR slice / FU-A start of one). */
function startsKeyframe(packet: Buffer): boolean {
  const nal = (packet[12] ?? 0) & 0x1f;
  if (nal === 7 || nal === 5) return true;
  if (nal === 24) return ((packet[15] ?? 0) & 0x1f) === 7;
  if (nal === 28) return ((packet[13] ?? 0) & 0x80) !== 0 && ((packet[13] ?? 0) & 0x1f) === 5;
  return false;
}

/** Floor bytes: per keyframe interval with a loss, both tracks from its start to the last loss. */
function floorBytes(clean: Clean, lost: ReadonlySet<number>): number {
  // Interval of each packet: the keyframe count seen so far in arrival order (the origin
  // interleaves the tracks by time, so an audio packet falls in the interval it is sent in).
  let gop = 0;
  let prevKey = false;
  const gopOf: number[] = [];
  clean.order.forEach(({ track, packet }) => {
    if (track === 0) {
      const key = startsKeyframe(packet);
      if (key && !prevKey && gopOf.length > 0) gop++;
      prevKey = key;
    }
    gopOf.push(gop);
  });
  const lastLoss = new Map<number, number>();
  for (const i of lost) lastLoss.set(gopOf[i] ?? 0, Math.max(lastLoss.get(gopOf[i] ?? 0) ?? -1, i));
  let bytes = 0;
  clean.order.forEach(({ packet }, i) => {
    const upTo = lastLoss.get(gopOf[i] ?? 0);
    if (upTo !== undefined && i <= upTo) bytes += packet.length;
  });
  return bytes;
}

async function runCase(url: string, clean: Clean, key: string) {
  const c = CASES[key];
  if (!c) throw new Error(`unknown case ${key}`);
  const base = mkdtempSync(join(tmpdir(), 'seamd-bench-repair-'));
  try {
    const dir = join(base, key);
    const w = await RecordingWriter.create(dir, clean.meta, { flushIntervalMs: 0 });
    const model = c.model();
    const ext = [new SeqExtender(), new SeqExtender()];
    const lost = new Set<number>();
    let missingBytes = 0;
    clean.order.forEach(({ track, packet }, i) => {
      const e = ext[track]?.extend(packet.readUInt16BE(2)) ?? 0;
      if (model.drop()) {
        lost.add(i);
        missingBytes += packet.length;
      } else {
        w.append(track, e, packet, Date.now());
      }
    });
    await w.close('partial');
    const report = await repairRecording(
      dir,
      key,
      { ...DEFAULT_REPAIR_OPTIONS, speed: opts.speed, coalesceSec: opts.coalesce },
      { createLeg: leg, log },
    );
    // Check against the clean session, ext by ext: packets absent, and packets that differ.
    const rec = await openRecording(dir);
    const want = [new Map<number, Buffer>(), new Map<number, Buffer>()];
    const ext2 = [new SeqExtender(), new SeqExtender()];
    for (const { track, packet } of clean.order) {
      want[track]?.set(ext2[track]?.extend(packet.readUInt16BE(2)) ?? 0, packet);
    }
    let absent = 0;
    let wrong = 0;
    const notes: string[] = [];
    for (const t of rec.tracks) {
      const got = new Map<number, Buffer>();
      for await (const p of t.readRange(t.firstExt ?? 0, t.lastExt ?? 0)) {
        got.set(p.ext, Buffer.from(p.packet));
      }
      for (const e of got.keys()) {
        if (want[t.index]?.has(e)) continue;
        wrong++; // a packet the origin's own session does not have
        if (notes.length < 8)
          notes.push(
            `extra t${t.index} ext ${e} (clean ${[...(want[t.index]?.keys() ?? [])][0]}..${[...(want[t.index]?.keys() ?? [])].at(-1)})`,
          );
      }
      for (const [e, w] of want[t.index] ?? []) {
        const g = got.get(e);
        if (!g) {
          absent++;
          if (notes.length < 5)
            notes.push(
              `absent t${t.index} ext ${e} (first ${[...(want[t.index]?.keys() ?? [])][0]}, last ${[...(want[t.index]?.keys() ?? [])].at(-1)})`,
            );
        } else if (
          !g.subarray(12).equals(w.subarray(12)) ||
          g.readUInt32BE(4) - w.readUInt32BE(4) > 1
        ) {
          wrong++;
          if (notes.length < 5) notes.push(`wrong t${t.index} ext ${e}`);
        }
      }
    }
    if (notes.length > 0) process.stderr.write(`${key}: ${notes.join(', ')}\n`);
    const total = clean.order.reduce((n, p) => n + p.packet.length, 0);
    return {
      key,
      name: c.name,
      lostPackets: lost.size,
      missingBytes,
      fetchedBytes: report.bytesFetched,
      ratio: report.bytesFetched / missingBytes,
      floorRatio: floorBytes(clean, lost) / missingBytes,
      refetchRatio: total / missingBytes,
      seconds: report.wallMs / 1000,
      passes: report.passes,
      spans: report.spans,
      before: report.before.percent,
      after: report.after.percent,
      status: report.status,
      absentAfter: absent,
      wrongAfter: wrong,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const origin = await startOrigin({ longClip: await longClip() });
  try {
    const url = origin.url('long');
    const clean = await cleanSession(url);
    const results = [];
    for (const key of opts.cases.split(',').map((s) => s.trim())) {
      results.push(await runCase(url, clean, key));
    }
    process.stdout.write(
      `repair, real origin (gst-rtsp-server 1.22, 20 s clip, ${clean.order.length} packets), ` +
        `Speed ${opts.speed}, coalesceSec ${opts.coalesce}, ${JSON.stringify(machineInfo())}\n\n`,
    );
    process.stdout.write(
      table(
        [
          'case',
          'lost',
          'missing',
          'fetched',
          'ratio',
          'floor',
          'refetch all',
          'time',
          'passes',
          'completeness',
          'left',
        ],
        results.map((r) => [
          r.name,
          String(r.lostPackets),
          `${si(r.missingBytes)}B`,
          `${si(r.fetchedBytes)}B`,
          fixed(r.ratio),
          fixed(r.floorRatio),
          fixed(r.refetchRatio),
          `${fixed(r.seconds, 1)}s`,
          String(r.passes),
          `${fixed(r.before, 2)}% -> ${fixed(r.after, 2)}%`,
          String(r.absentAfter),
          String(r.wrongAfter),
        ]),
      ) + '\n',
    );
    printJson('repair', { speed: opts.speed, coalesceSec: opts.coalesce, results });
    if (results.some((r) => r.status !== 'repaired' || r.absentAfter > 0 || r.wrongAfter > 0))
      process.exitCode = 1;
  } finally {
    await origin.stop();
  }
}

void main();
