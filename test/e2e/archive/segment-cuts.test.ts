/**
 * Time-shift and clips across archive segment cuts, against the real origin's live mount with
 * 3 s segments: a `?at=` playback from the archive's start and a clip over the first 11 s after
 * seamd started each cross two cuts or more. What the viewer gets is a contiguous run of what
 * the archive holds (no packet repeated or dropped at a cut), with sequence numbers continuous
 * and timestamps never going back; the sender reports are all on one line (their RTP time
 * advances as their NTP time does), so ffmpeg, which times packets by them, sees timestamps that
 * only go forward (ffprobe, packet by packet). The first seconds of an archive are the test: its
 * times come from arrival until the origin's first sender report, then from the report, a jump.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArchiveFacts } from '../../../src/store/archive-describe.js';
import { ARCHIVE_DIR } from '../../../src/store/segments.js';
import { readSegmentLog } from '../../../src/store/segment-reader.js';
import { msFromNtp } from '../../../src/protocol/rtp/wallclock.js';
import { run } from '../../helpers/players.js';
import { hasBye, payloadOf, playAll, type PlayResult } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

const dir = fileTempDir('seamd-cuts-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (p: Buffer) => payloadOf(p).toString('base64');
const RATES = [90_000, 44_100];
let startedAt = 0;
const iso = (ms: number) => new Date(ms).toISOString();
const { seamd } = withOriginAndSeamd({
  config: ({ origin }) => {
    startedAt = Date.now();
    return `
recordings: { dir: ${dir} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 1h, segment: 3s } }
clips:
  early: { path: live, from: ${iso(startedAt + 1500)}, to: ${iso(startedAt + 12_500)} }
`;
  },
});

beforeAll(async () => {
  // Past the clip's end, with four segments or more (a slow start under load makes them later).
  await sleep(13_500);
  for (let i = 0; i < 40 && (await readArchiveFacts(dir, 'live')).length < 4; i++) await sleep(500);
}, 60000);

interface Archived {
  segment: number;
  packet: Buffer;
}

/** Every archived packet of `track`, in order, with the segment it is in. */
async function archived(track: number): Promise<Archived[]> {
  const out: Archived[] = [];
  const segs = await readArchiveFacts(dir, 'live');
  for (const [i, s] of segs.entries()) {
    let offset = 0;
    for (;;) {
      const r = await readSegmentLog(join(dir, ARCHIVE_DIR, 'live', s.name), track, offset);
      if (r.packets.length === 0) break;
      for (const p of r.packets) out.push({ segment: i, packet: p.packet });
      offset = r.next;
    }
  }
  return out;
}

/** The viewer's packets of each track are a contiguous run of the archive's, over 2+ cuts. */
async function expectContiguous(res: PlayResult): Promise<void> {
  for (const track of [0, 1]) {
    const got = res.rtp[track]!;
    expect(got.length).toBeGreaterThan(100);
    const all = await archived(track);
    // The first packet played: the archive's earliest run of 20 that matches (the test
    // pattern repeats, the playback starts in the archive's first seconds).
    const run = 20;
    const start = all.findIndex((_, i) => {
      for (let k = 0; k < run; k++)
        if (key(all[i + k]?.packet ?? Buffer.alloc(0)) !== key(got[k]!)) return false;
      return true;
    });
    expect(start).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < got.length; i++) expect(key(got[i]!)).toBe(key(all[start + i]!.packet));
    const crossed = all[start + got.length - 1]!.segment - all[start]!.segment;
    expect(crossed).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.readUInt16BE(2)).toBe((got[i - 1]!.readUInt16BE(2) + 1) & 0xffff);
      expect((got[i]!.readUInt32BE(4) - got[i - 1]!.readUInt32BE(4)) | 0).toBeGreaterThanOrEqual(0);
    }
  }
}

/** Consecutive sender reports of a track: RTP time advanced as much as NTP time (±2 ms). */
function expectReportsOnALine(res: PlayResult): void {
  for (const track of [0, 1]) {
    const srs = res.rtcp[track]!.filter((p) => p[1] === 200).map((p) => ({
      ms: msFromNtp(p.readUInt32BE(8), p.readUInt32BE(12)),
      rtp: p.readUInt32BE(16),
    }));
    expect(srs.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < srs.length; i++) {
      const ntpMs = srs[i]!.ms - srs[i - 1]!.ms;
      const rtpMs = (((srs[i]!.rtp - srs[i - 1]!.rtp) | 0) * 1000) / RATES[track]!;
      expect(Math.abs(rtpMs - ntpMs)).toBeLessThan(2);
    }
  }
}

/** ffprobe's packet times, per stream, only go forward. */
async function expectProbeMonotonic(url: string, seconds: number): Promise<void> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-rtsp_transport',
    'tcp',
    '-read_intervals',
    `%+${seconds}`,
    '-show_entries',
    'packet=stream_index,dts',
    '-of',
    'csv=p=0',
    url,
  ]);
  expect(r.code).toBe(0);
  const last = new Map<string, number>();
  const back: string[] = [];
  let n = 0;
  for (const line of r.stdout.trim().split('\n')) {
    const [stream, dts] = line.split(',');
    if (stream === undefined || dts === undefined || dts === 'N/A') continue;
    n++;
    const prev = last.get(stream);
    if (prev !== undefined && Number(dts) <= prev)
      back.push(`stream ${stream}: ${dts} after ${prev}`);
    last.set(stream, Number(dts));
  }
  expect(n).toBeGreaterThan(300);
  expect(back).toEqual([]);
}

describe('across segment cuts', () => {
  it('the archive has been cut into 3 s segments', async () => {
    const segs = await readArchiveFacts(dir, 'live');
    expect(segs.length).toBeGreaterThanOrEqual(3);
  });

  it('?at= from the first second: a contiguous run of the archive, reports on one line', async () => {
    // From the archive's start to 1 s past its third segment's start: two cuts at least.
    const segs = await readArchiveFacts(dir, 'live');
    const from = segs[0]!.startMs;
    const seconds = ((segs[2]!.startMs + 1000 - from) / 1000).toFixed(3);
    const at = new Date(from).toISOString();
    const res = await playAll(
      { host: '127.0.0.1', port: seamd.port },
      `${seamd.url('live')}?at=${at}`,
      'tcp',
      { range: `npt=0-${seconds}`, maxMs: 15_000 },
    );
    expect(res.play.status).toBe(200);
    for (const t of res.rtcp) expect(t.some(hasBye)).toBe(true);
    await expectContiguous(res);
    expectReportsOnALine(res);
  }, 30000);

  it('ffprobe of ?at= over the cuts: timestamps only go forward', async () => {
    const segs = await readArchiveFacts(dir, 'live');
    const at = new Date(segs[0]!.startMs).toISOString();
    await expectProbeMonotonic(`${seamd.url('live')}?at=${at}`, 9);
  }, 30000);

  it('a clip over the cuts: contiguous, reports on one line, ffprobe forward only', async () => {
    const res = await playAll(
      { host: '127.0.0.1', port: seamd.port },
      seamd.url('clips/early'),
      'tcp',
      { maxMs: 16_000 },
    );
    expect(res.play.status).toBe(200);
    for (const t of res.rtcp) expect(t.some(hasBye)).toBe(true);
    await expectContiguous(res);
    expectReportsOnALine(res);
    await expectProbeMonotonic(seamd.url('clips/early'), 8);
  }, 50000);
});
