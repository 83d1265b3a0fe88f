/**
 * Around-the-clock archiving of the real origin's live mount: with no viewer at all, segments
 * with wall-clock times from the origin's sender reports; an origin outage is a gap (logged,
 * a new section after it; a clock range in the gap plays from after it); retention drops old
 * segments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKind } from '../../../src/protocol/rtp/keyframe.js';
import { formatUtcTime, parseClockRange } from '../../../src/protocol/rtsp/headers/clock-range.js';
import { originOutage, startOrigin, type Origin } from '../../helpers/origin.js';
import { payloadOf, playAll } from '../../helpers/raw-client.js';
import { startSeamd, waitForLine, type Seamd } from '../../helpers/seamd.js';
import { fileTempDir } from '../../helpers/tmp.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { readSegmentLog } from '../../../src/store/segment-reader.js';

let origin: Origin;
let seamd: Seamd;
const dir = fileTempDir('seamd-archive-');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  origin = await startOrigin();
  seamd = await startSeamd(`
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
recordings: { dir: ${dir} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 12s, segment: 3s } }
`);
}, 30000);

afterAll(async () => {
  await seamd?.stop();
  await origin?.stop();
});

describe('archive of a live path', () => {
  it('runs with no viewer: segments of packets stamped with wall-clock time', async () => {
    await sleep(9500);
    expect(seamd.events('archive.start')).toHaveLength(1);
    expect(seamd.events('viewer.join')).toHaveLength(0);
    const segs = seamd.events('archive.segment');
    expect(segs.length).toBeGreaterThanOrEqual(1);
    const store = await ArchiveStore.open(dir, 'live');
    const list = store.segments();
    expect(list.length).toBeGreaterThanOrEqual(2);
    // Segments are cut at keyframes, each ~3 s long, one after the other.
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      expect(b.state.startMs).toBeGreaterThanOrEqual(a.state.endMs - 100);
    }
    const first = list[0]!;
    expect(first.state.endMs - first.state.startMs).toBeGreaterThan(2500);
    expect(first.state.endMs - first.state.startMs).toBeLessThan(4500);
    // Packets: wall-clock times close to now, rising with the RTP timestamps.
    // (the first SR comes a few seconds in: its segment has one step where the mapping starts.)
    const seg = list[1]!;
    const { packets } = await readSegmentLog(seg.dir, 0, 0);
    expect(packets.length).toBeGreaterThan(50);
    const now = Date.now();
    for (const p of packets) {
      expect(Math.abs(now - p.wallMs)).toBeLessThan(15_000);
    }
    const p0 = packets[0]!;
    const pn = packets[packets.length - 1]!;
    const byTs = ((pn.ts - p0.ts) >>> 0) / 90;
    expect(Math.abs(pn.wallMs - p0.wallMs - byTs)).toBeLessThan(5);
    // The first packet of a segment starts a keyframe (its SPS).
    expect((p0.packet[12]! & 0x1f) === 7 || (p0.packet[12]! & 0x1f) === 5).toBe(true);
  }, 30000);

  it('an origin outage is a gap: logged, and the archive goes on in a new section', async () => {
    const outage = await originOutage(origin, 3000);
    origin = outage.origin;
    const { stoppedAt } = outage;
    const deadline = Date.now() + 30_000;
    await waitForLine(seamd, 'archive.gap', (l) => Boolean(l.to), 30_000);
    const gaps = seamd.events('archive.gap');
    const over = gaps.find((l) => l.to);
    expect(gaps.find((l) => !l.to)).toBeDefined();
    expect(over).toBeDefined();
    const from = Date.parse(String(over!.from));
    const to = Date.parse(String(over!.to));
    expect(from).toBeLessThanOrEqual(stoppedAt + 500);
    expect(to - from).toBeGreaterThan(2500);
    // The first segment after the gap (soon: the section before it must not have expired yet).
    let store = await ArchiveStore.open(dir, 'live');
    while (!store.segments().some((x) => x.state.startMs >= to - 100) && Date.now() < deadline) {
      await sleep(200);
      store = await ArchiveStore.open(dir, 'live');
    }
    const sections = new Set(store.segments().map((s) => s.state.section));
    expect(sections.size).toBeGreaterThanOrEqual(2);
    const after = store.find(from + 1000);
    // A time in the gap finds the first segment after it.
    expect(after?.inside).toBe(false);
    expect(after!.segment.state.startMs).toBeGreaterThanOrEqual(to - 100);
    // And a player asking for that time starts after the gap, at a keyframe, and is told so
    // (once the new segment's index has been synced: every 500 ms).
    await sleep(1500);
    const res = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('live'), 'tcp', {
      range: `clock=${formatUtcTime(from + 1000)}-`,
      maxMs: 1500,
    });
    expect(res.play.status).toBe(200);
    const started = parseClockRange(res.play.headers.get('Range') ?? '')!.startMs;
    expect(started).toBeGreaterThanOrEqual(to - 100);
    const video = res.rtp[0]!;
    expect(video.length).toBeGreaterThan(10);
    expect(startKind('H264', payloadOf(video[0]!))).toMatch(/prefix|keyframe/);
  }, 60000);

  it('retention drops whole segments, oldest first', async () => {
    await sleep(6000);
    const expired = seamd.events('archive.expire');
    expect(expired.length).toBeGreaterThanOrEqual(1);
    expect(expired[0]!.reason).toBe('retention');
    const store = await ArchiveStore.open(dir, 'live');
    const oldest = store.segments()[0]!;
    expect(Date.now() - oldest.state.endMs).toBeLessThan(12_000 + 3000);
  }, 30000);
});
