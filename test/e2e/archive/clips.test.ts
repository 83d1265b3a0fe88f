/**
 * Clips and scheduled programmes against the real origin's live mount: a clip made with
 * `seamd clips add` over archived seconds plays (ffmpeg decodes it; its packets are a contiguous
 * run of the archive's, ending at `to`, then a BYE), npt seeks within it, its segments survive
 * retention while older ones are dropped, and a programme plays at /<path>/<schedule>/<start>.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { formatUtcTime } from '../../../src/protocol/rtsp/headers/clock-range.js';
import { readArchiveFacts } from '../../../src/store/archive-describe.js';
import { ARCHIVE_DIR } from '../../../src/store/segments.js';
import { readSegmentLog } from '../../../src/store/segment-reader.js';
import { startOrigin, type Origin } from '../../helpers/origin.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { hasBye, payloadOf, playAll } from '../../helpers/raw-client.js';
import { startSeamd, type Seamd } from '../../helpers/seamd.js';
import { fileTempDir } from '../../helpers/tmp.js';

let origin: Origin;
let seamd: Seamd;
const dir = fileTempDir('seamd-clips-');
const configFile = join(dir, 'seamd.yaml');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (p: Buffer) => payloadOf(p).toString('base64');
let clipFrom = 0;
let clipTo = 0;

beforeAll(async () => {
  origin = await startOrigin();
  const yaml = `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, http: null }
recordings: { dir: ${join(dir, 'rec')} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 12s, segment: 3s } }
schedule:
  tens: { path: live, cron: "*/10 * * * * *", duration: 4s }
`;
  writeFileSync(configFile, yaml);
  seamd = await startSeamd(yaml);
  await sleep(6000);
}, 40000);

afterAll(async () => {
  await seamd?.stop();
  await origin?.stop();
});

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  let code = 0;
  await main(['node', 'seamd', ...args, '-c', configFile], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    exit: (c) => void (code = c),
  });
  return { code, out };
}

/** Every archived packet of `track`, in order, over all segments. */
async function archived(track: number): Promise<Array<{ wallMs: number; packet: Buffer }>> {
  const out: Array<{ wallMs: number; packet: Buffer }> = [];
  for (const s of await readArchiveFacts(join(dir, 'rec'), 'live')) {
    const segDir = join(dir, 'rec', ARCHIVE_DIR, 'live', s.name);
    let offset = 0;
    for (;;) {
      const r = await readSegmentLog(segDir, track, offset).catch(() => undefined);
      if (!r || r.packets.length === 0) break;
      out.push(...r.packets);
      offset = r.next;
    }
  }
  return out;
}

const to = () => ({ host: '127.0.0.1', port: seamd.port });

describe('clips', () => {
  it('seamd clips add over archived seconds: plays as on-demand content, ending at to', async () => {
    // Inside one closed segment (a time-shift across a segment cut is another matter).
    let segs = await readArchiveFacts(join(dir, 'rec'), 'live');
    for (let i = 0; i < 50 && segs.length < 3; i++) {
      await sleep(500);
      segs = await readArchiveFacts(join(dir, 'rec'), 'live');
    }
    expect(segs.length).toBeGreaterThanOrEqual(3);
    const seg = segs.at(-2)!;
    clipFrom = Math.ceil(seg.startMs) + 300;
    clipTo = clipFrom + 2000;
    expect(clipTo).toBeLessThan(seg.endMs);
    const added = await cli(
      'clips',
      'add',
      'c1',
      '--path',
      'live',
      '--from',
      new Date(clipFrom).toISOString(),
      '--to',
      new Date(clipTo).toISOString(),
    );
    expect(added.code).toBe(0);
    expect(added.out).toContain('clip c1 added');
    for (let i = 0; i < 40 && seamd.events('clip.add').length === 0; i++) await sleep(100);
    expect(seamd.events('clip.add')[0]).toMatchObject({ clip: 'c1', path: 'live', source: 'file' });

    const res = await playAll(to(), seamd.url('clips/c1'), 'tcp', { maxMs: 8000, idleMs: 3000 });
    expect(res.describe.body.toString()).toMatch(/a=range:npt=0-2\.000/);
    expect(res.play.status).toBe(200);
    expect(res.play.headers.get('Range')).toBe('npt=0.000-2.000');
    // It ended with a BYE on every track.
    for (const t of res.rtcp) expect(t.some(hasBye)).toBe(true);
    const got = res.rtp[0]!;
    expect(got.length).toBeGreaterThan(30);
    // A contiguous run of the archive's packets, from the keyframe at or before `from` to `to`.
    const all = await archived(0);
    // (the test pattern repeats: the nearest match at or before `from`)
    const start = all.findLastIndex((p) => key(p.packet) === key(got[0]!) && p.wallMs <= clipFrom);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(clipFrom - all[start]!.wallMs).toBeLessThan(1300);
    for (let k = 0; k < got.length; k++) expect(key(got[k]!)).toBe(key(all[start + k]!.packet));
    const last = all[start + got.length - 1]!;
    expect(last.wallMs).toBeLessThanOrEqual(clipTo);
    // The next archived packet is past `to` (the clip stopped there, not earlier).
    expect(all[start + got.length]!.wallMs).toBeGreaterThan(clipTo - 80);
  }, 50000);

  it('npt=x- seeks within the clip; ffmpeg decodes it clean', async () => {
    const res = await playAll(to(), seamd.url('clips/c1'), 'tcp', {
      range: 'npt=1.5-',
      maxMs: 6000,
      idleMs: 3000,
    });
    expect(res.play.status).toBe(200);
    // From the keyframe at or before 1.5 s into the clip (one per second).
    expect(res.play.headers.get('Range')).toMatch(/^npt=(0|1)\.\d{3}-2\.000$/);
    const ev = seamd.events('timeshift.start').at(-1)!;
    expect(Date.parse(String(ev.asked))).toBe(clipFrom + 1500);
    expect(Date.parse(String(ev.start))).toBeGreaterThan(clipFrom + 1500 - 1300);
    expect(res.rtp[0]!.length).toBeGreaterThan(5);
    const dec = await ffmpegDecode(seamd.url('clips/c1'), 'tcp');
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    const past = await playAll(to(), seamd.url('clips/c1'), 'tcp', {
      range: 'npt=5-',
      maxMs: 2000,
    }).catch((e: unknown) => e as Error);
    expect(past instanceof Error ? past.message : String(past.play.status)).toMatch(/457/);
  }, 40000);

  it('a programme plays at /<path>/<schedule>/<start>', async () => {
    const span = seamd.handle.archives!.opened('live')!;
    while (Date.now() - span.startMs! < 15_000) await sleep(250);
    const spans = seamd.handle.clips!.namedSpans(Date.now(), 'live');
    const programmes = spans.filter((s) => s.kind === 'programme');
    expect(programmes.length).toBeGreaterThanOrEqual(1);
    const p = programmes.at(-1)!;
    expect(p.toMs - p.fromMs).toBe(4000);
    expect(p.fromMs % 10_000).toBe(0);
    expect(p.url).toBe(seamd.url(`live/tens/${formatUtcTime(p.fromMs)}`));
    const clip = spans.find((s) => s.kind === 'clip')!;
    expect(clip).toMatchObject({ name: 'c1', path: 'live', fromMs: clipFrom, toMs: clipTo });
    expect(clip.pinnedBytes).toBeGreaterThan(0);
    const res = await playAll(to(), p.url, 'tcp', { maxMs: 8000, idleMs: 3000 });
    expect(res.describe.body.toString()).toMatch(/a=range:npt=0-4\.000/);
    expect(res.rtp[0]!.length).toBeGreaterThan(50);
    for (const t of res.rtcp) expect(t.some(hasBye)).toBe(true);
    // Not a start of the cron: 404.
    const off = await playAll(
      to(),
      seamd.url(`live/tens/${formatUtcTime(p.fromMs + 1000)}`),
      'tcp',
    ).catch((e: unknown) => e as Error);
    expect(off instanceof Error ? off.message : 'played').toMatch(/404/);
  }, 30000);

  it("the clip's segments survive retention while older and newer ones are dropped", async () => {
    // Retention 12 s: wait until the clip's end is well past it.
    // (a segment after the clip ends ~3 s after it, expiry runs as segments close)
    const after = () =>
      seamd.events('archive.expire').some((e) => Date.parse(String(e.from)) > clipTo);
    while (Date.now() < clipTo + 12_000 + 4000 || (!after() && Date.now() < clipTo + 30_000)) {
      await sleep(500);
    }
    const expired = seamd.events('archive.expire');
    expect(expired.length).toBeGreaterThanOrEqual(1);
    const segs = await readArchiveFacts(join(dir, 'rec'), 'live');
    const pinned = segs.filter((s) => s.startMs <= clipTo && s.endMs >= clipFrom);
    expect(pinned.length).toBeGreaterThanOrEqual(1);
    expect(Math.min(...pinned.map((s) => s.endMs))).toBeLessThan(Date.now() - 12_000);
    // Segments between the clip and the retention limit were dropped.
    const dropped = expired.map((e) => Date.parse(String(e.from)));
    expect(dropped.some((ms) => ms > clipTo)).toBe(true);
    const listed = await cli('clips', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/pinned: \d+ segments?, [\d.]+ (kB|MB), past retention/);
    // The clip still plays.
    const res = await playAll(to(), seamd.url('clips/c1'), 'tcp', { maxMs: 6000, idleMs: 3000 });
    expect(res.rtp[0]!.length).toBeGreaterThan(30);
    // Removed: the daemon sees it, and the segments go at the next expiry.
    expect((await cli('clips', 'rm', 'c1')).code).toBe(0);
    for (let i = 0; i < 40 && seamd.events('clip.rm').length === 0; i++) await sleep(100);
    expect(seamd.events('clip.rm')[0]).toMatchObject({ clip: 'c1' });
  }, 60000);
});
