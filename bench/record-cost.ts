/**
 * CPU per packet of the recording path alone, outside the relay: `writer` appends N 1212-byte
 * RTP packets to a RecordingWriter, `feed` fills them through a RecordingFeed (what the live
 * recorder calls per packet), flushing (writev + fdatasync) every `--flush` packets (1000 =
 * 500 ms of a 2000 packets/s camera). CPU is process.cpuUsage (all threads, so the thread
 * pool's write and fdatasync count); "flush" is the part spent awaiting the flushes.
 *
 * Run: node --import tsx bench/record-cost.ts [--packets 100000] [--flush 1000] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CatalogEntry } from '../src/store/catalog-dir.js';
import { RecordingFeed } from '../src/store/feed.js';
import type { NewRecordingMeta } from '../src/store/meta.js';
import { RecordingWriter } from '../src/store/writer.js';
import { fixed, parseArgs, table } from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  { packets: 100000, flush: 1000, rounds: 3 },
  'record-cost: CPU per packet of RecordingWriter.append and RecordingFeed.fill',
  {
    packets: 'packets per round',
    flush: 'packets between flushes (0: only at the end)',
    rounds: 'rounds per mode',
  },
);

const META: NewRecordingMeta = {
  originUrl: 'rtsp://origin.example/live',
  path: 'live',
  sdp: 'v=0\r\n',
  sdpIdentity: 'sha256:bench',
  live: true,
  tracks: [{ index: 0, control: 'stream=0', media: 'video', clockRate: 90000, payloadTypes: [96] }],
};

async function round(mode: 'writer' | 'feed'): Promise<{ total: number; flush: number }> {
  const root = await mkdtemp(join(tmpdir(), 'record-cost-'));
  const dir = join(root, 'r');
  const w = await RecordingWriter.create(dir, META, { flushIntervalMs: 0 });
  const feed = new RecordingFeed({ id: 'bench', dir } as CatalogEntry, w, true);
  // More packets than a flush takes: the feed's writer keeps the packets themselves until the
  // flush that writes them, so none may be changed before (as the relay never changes one sent).
  const packets = Array.from({ length: Math.max(64, 2 * opts.flush) }, (_, i) => {
    const p = Buffer.alloc(1212, i);
    p[0] = 0x80;
    p[1] = 96;
    return p;
  });
  let flushUs = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < opts.packets; i++) {
    const p = packets[i % packets.length] as Buffer;
    p.writeUInt16BE(i & 0xffff, 2);
    p.writeUInt32BE((i * 1125) >>> 0, 4);
    if (mode === 'feed') feed.fill(0, i, p, Date.now());
    else w.append(0, i, p, Date.now());
    if (opts.flush > 0 && i % opts.flush === opts.flush - 1) {
      const f0 = process.cpuUsage();
      await w.flush();
      const f = process.cpuUsage(f0);
      flushUs += f.user + f.system;
    }
  }
  const c = process.cpuUsage(c0);
  await w.close();
  await rm(root, { recursive: true, force: true });
  return { total: (c.user + c.system) / opts.packets, flush: flushUs / opts.packets };
}

const rows: string[][] = [];
for (const mode of ['writer', 'feed'] as const) {
  for (let r = 0; r < opts.rounds; r++) {
    const { total, flush } = await round(mode);
    rows.push([mode, String(r + 1), fixed(total), fixed(total - flush), fixed(flush)]);
  }
}
process.stdout.write(
  `${table(['path', 'round', 'CPU us/pkt', 'append/fill us/pkt', 'flush us/pkt'], rows)}\n`,
);
