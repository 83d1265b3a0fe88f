/**
 * What feeding a recording costs per packet: the source path (leg → Source fan-out → one viewer)
 * without a recorder, against the same with the session feeding the recording (the first
 * session: written as it arrives; a second session of the same content: held and mapped by
 * payload in rounds), in the same run. CPU is process.cpuUsage() of this process from the first
 * packet until the session is done with the recording (mapping, flush and close included),
 * divided by the packets sent.
 *
 * Media: `--seconds` of content at `--pps` video packets per second (1200-byte payloads, unique)
 * plus 44 audio packets per second, fed in one-second batches with a mapping round after each
 * (the recorder's rounds run once per second of media, as in real time). The first session loses
 * `--loss` % of its packets (seeded) so that the second one has something to fill.
 *
 * Memory: in runs of their own (not timed, `--memSeconds` of content), the relay session and
 * the first session feeding a recording are measured the same way: heap + external bytes after
 * a full GC, once the packets were sent and the writer flushed them, minus the same before the
 * first packet. What the first session's run holds beyond the relay's, divided by the packets
 * the recording holds, is the memory the feed keeps per packet while the recording is open
 * (the index, and fixed costs such as the writer's duplicate window, spread over the packets).
 *
 * Run: node --import tsx bench/feed.ts [--seconds 20] [--pps 400] [--rounds 3] [--loss 10]
 *      [--memSeconds 180]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Recorder } from '../src/source/recorder.js';
import { Source } from '../src/source/source.js';
import { RecordingCatalog } from '../src/store/catalog.js';
import { RecordingFeeds } from '../src/store/feeds.js';
import { sourceKey } from '../src/upstream/url.js';
import { FAKE_URL, FakeLeg, fakeSdp, legFactory, seamConfig } from '../test/helpers/fake-leg.js';
import { rtpPacket } from '../test/helpers/rtp.js';
import {
  fixed,
  machineInfo,
  median,
  parseArgs,
  printJson,
  sleep,
  spreadPct,
  table,
} from './lib/common.js';
import { liveBytes } from '../test/helpers/memory.js';

const opts = parseArgs(
  process.argv.slice(2),
  { seconds: 20, pps: 400, rounds: 3, loss: 10, memSeconds: 180 },
  'node --import tsx bench/feed.ts [options]',
  {
    seconds: 'seconds of content per session',
    pps: 'video packets per second of content',
    rounds: 'repetitions (the median is reported)',
    loss: 'percent of packets the first session loses',
    memSeconds: 'seconds of content of the memory runs (fixed costs spread thin)',
  },
);

const log = pino({ level: 'silent' });
const AUDIO_PPS = 44;

/** Packet i of a track of the content, as a leg with these bases numbers it. */
function packet(track: number, i: number, seqBase: number, tsBase: number): Buffer {
  const payload = Buffer.alloc(track === 0 ? 1200 : 300);
  payload.writeUInt32BE(track, 0);
  payload.writeUInt32BE(i, 4);
  for (let k = 8; k < 64; k++) payload[k] = (i * 7 + k * 13 + track) & 0xff;
  const step = track === 0 ? Math.round(90000 / opts.pps) * 2 : 1024;
  const ts = tsBase + Math.floor(track === 0 ? i / 2 : i) * step;
  return rtpPacket({
    seq: (seqBase + i) & 0xffff,
    ts: ts >>> 0,
    ssrc: 0x4000 + track,
    pt: 96 + track,
    payload,
  });
}

interface Run {
  cpuUs: number;
  packets: number;
  filled: number;
  /** Bytes still held once everything was sent and flushed (memory runs only). */
  heldBytes: number;
}

async function session(
  feeds: RecordingFeeds | undefined,
  n: number,
  lossPct: number,
  measureMemory = false,
  seconds = opts.seconds,
): Promise<Run> {
  const sdpText = fakeSdp({ end: seconds });
  const seqBase = 1000 + n * 7919;
  const tsBase = 50_000 + n * 1_000_003;
  const leg = new FakeLeg(`bench-leg-${n}`, FAKE_URL, { sdpText, seqBase, tsBase });
  const src = new Source({
    id: `src-${n}`,
    key: sourceKey(FAKE_URL),
    origin: FAKE_URL,
    mirrors: [],
    pathName: 'bench',
    leg: leg.asLeg,
    sdpText,
    info: leg.info,
    seam: seamConfig(),
    createLeg: legFactory().createLeg,
    log,
  });
  let got = 0;
  src.subscribe({
    id: 'viewer',
    onRtp: () => void got++,
    onRtcp: () => undefined,
    onSourceClosed: () => undefined,
  });
  const rec = feeds
    ? Recorder.attach(src, { feeds, log, recordLive: false, roundMs: 5 })
    : undefined;
  await src.play('npt=0-');
  await sleep(20); // the recording is opened
  let seed = 12345 + n;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 100;
  const built: Array<Array<[number, Buffer]>> = [];
  let a = 0;
  for (let s = 0; s < seconds; s++) {
    const batch: Array<[number, Buffer]> = [];
    for (let k = 0; k < opts.pps; k++) {
      const i = s * opts.pps + k;
      if (rnd() >= lossPct) batch.push([0, packet(0, i, seqBase, tsBase)]);
      if (k % Math.round(opts.pps / AUDIO_PPS) === 0) {
        if (rnd() >= lossPct) batch.push([1, packet(1, a, seqBase + 20000, tsBase)]);
        a++;
      }
    }
    built.push(batch);
  }
  const before = measureMemory ? liveBytes() : 0;
  const start = process.cpuUsage();
  let sent = 0;
  for (const batch of built) {
    for (const [t, p] of batch) leg.emit('rtp', t, p, 0);
    sent += batch.length;
    await sleep(8); // a mapping round per second of media
  }
  let heldBytes = 0;
  if (measureMemory) {
    built.length = 0; // what the bench built is not what the process holds
    await sleep(700); // the writer's flush timer (500 ms)
    heldBytes = liveBytes() - before;
  }
  src.close();
  await rec?.done;
  const cpu = process.cpuUsage(start);
  if (got !== sent) throw new Error(`viewer got ${got} of ${sent}`);
  return { cpuUs: cpu.user + cpu.system, packets: sent, filled: rec?.packets ?? 0, heldBytes };
}

/** Bytes the feed holds per recorded packet (beyond what the relay alone holds). */
async function memoryPerPacket(): Promise<{ perPacket: number; packets: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'seamd-bench-feed-mem-'));
  try {
    const catalog = new RecordingCatalog({ dir, log, quotaBytes: 0, keyOf: sourceKey });
    await catalog.open();
    const feeds = new RecordingFeeds({ catalog });
    const base = await session(undefined, 0, 0, true, opts.memSeconds);
    const first = await session(feeds, 1, 0, true, opts.memSeconds);
    return { perPacket: (first.heldBytes - base.heldBytes) / first.filled, packets: first.filled };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const memory = await memoryPerPacket();
  const rows: Record<string, number[]> = { relay: [], first: [], second: [] };
  const filled: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'seamd-bench-feed-'));
    try {
      const catalog = new RecordingCatalog({ dir, log, quotaBytes: 0, keyOf: sourceKey });
      await catalog.open();
      const feeds = new RecordingFeeds({ catalog });
      const base = await session(undefined, 0, 0);
      const first = await session(feeds, 1, opts.loss);
      const second = await session(feeds, 2, 0);
      rows.relay?.push(base.cpuUs / base.packets);
      rows.first?.push(first.cpuUs / first.packets);
      rows.second?.push(second.cpuUs / second.packets);
      filled.push(second.filled);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const relay = median(rows.relay ?? []);
  const out = Object.entries(rows).map(([name, v]) => {
    const m = median(v);
    return [
      name,
      fixed(m, 2),
      name === 'relay' ? '-' : fixed(m - relay, 2),
      `${fixed(spreadPct(v), 0)}%`,
    ];
  });
  process.stdout.write(
    `${opts.seconds} s of content, ${opts.pps} video + ${AUDIO_PPS} audio packets/s; ` +
      `first session ${opts.loss}% lossy; second filled ${median(filled)} packets\n\n`,
  );
  process.stdout.write(table(['session', 'CPU µs/packet', 'extra µs/packet', 'spread'], out));
  process.stdout.write(
    `\nmemory the feed holds while the recording is open: ${fixed(memory.perPacket, 1)} bytes ` +
      `per packet (${memory.packets} packets, ${opts.memSeconds} s of content, beyond the relay alone)\n`,
  );
  printJson('feed', {
    machine: machineInfo(),
    opts,
    relayUsPerPacket: relay,
    firstUsPerPacket: median(rows.first ?? []),
    secondUsPerPacket: median(rows.second ?? []),
    secondFilled: median(filled),
    feedBytesPerPacket: memory.perPacket,
    feedPacketsMeasured: memory.packets,
  });
}

void main();
