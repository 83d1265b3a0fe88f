/**
 * Retention as the issue states it, against the real origin's live mount: `retention: 40s`
 * drops what is older, whole segments, oldest first, and only then (about 45 s of archiving:
 * this file sleeps most of it, in parallel with the others). The oldest segment goes once its
 * end is 40 s old (checked every 2 s); what is kept reaches back no further than 40 s plus one
 * segment; a clock range into the dropped part plays from the archive's new start and says so.
 */
import { describe, expect, it } from 'vitest';
import { formatUtcTime, parseClockRange } from '../../../src/protocol/rtsp/headers/clock-range.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { playAll } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

const RETENTION_MS = 40_000;
const SEGMENT_MS = 4000;
const dir = fileTempDir('seamd-retention-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { seamd } = withOriginAndSeamd({
  config: ({ origin }) => `
recordings: { dir: ${dir} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 40s, segment: 4s } }
`,
});

describe('retention: 40s', () => {
  it('drops the oldest segments once they are 40 s old, and nothing before', async () => {
    await sleep(12_000);
    const early = await ArchiveStore.open(dir, 'live');
    const first = early.segments()[0]!;
    expect(early.segments().length).toBeGreaterThanOrEqual(2);
    expect(seamd.events('archive.expire')).toHaveLength(0);
    const firstStart = first.state.startMs;

    // Its end turns 40 s old at first.endMs + 40 s; the expiry runs every 2 s.
    const due = first.state.endMs + RETENTION_MS;
    while (Date.now() < due - 1000) {
      expect(seamd.events('archive.expire')).toHaveLength(0);
      await sleep(500);
    }
    const deadline = due + 10_000;
    while (seamd.events('archive.expire').length === 0 && Date.now() < deadline) await sleep(200);
    const expired = seamd.events('archive.expire');
    expect(expired.length).toBeGreaterThanOrEqual(1);
    expect(expired[0]).toMatchObject({ path: 'live', reason: 'retention', segment: first.name });
    const droppedAt = Date.parse(String(expired[0]!.time));
    expect(droppedAt - Date.parse(String(expired[0]!.to))).toBeGreaterThanOrEqual(RETENTION_MS);
    // Soon after (the 2 s tick; slack for a loaded machine).
    expect(droppedAt - due).toBeLessThan(2000 + 4000);

    const store = await ArchiveStore.open(dir, 'live');
    const kept = store.segments();
    expect(kept.some((s) => s.name === first.name)).toBe(false);
    expect(kept.length).toBeGreaterThanOrEqual(5);
    // Whole segments: what is kept begins where a later segment began.
    expect(kept[0]!.state.startMs).toBeGreaterThan(firstStart);
    expect(droppedAt - kept[0]!.state.endMs).toBeLessThan(RETENTION_MS + 1000);
    expect(droppedAt - kept[0]!.state.startMs).toBeLessThan(RETENTION_MS + SEGMENT_MS + 3000);

    // The dropped time is before the archive now: play from its start, said in Range.
    const res = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('live'), 'tcp', {
      range: `clock=${formatUtcTime(firstStart + 500)}-`,
      maxMs: 1000,
    });
    expect(res.play.status).toBe(200);
    const started = parseClockRange(res.play.headers.get('Range') ?? '')!.startMs;
    expect(started).toBeGreaterThanOrEqual(Math.floor(kept[0]!.state.startMs));
    expect(seamd.events('timeshift.start').at(-1)).toMatchObject({ where: 'before-start' });
  }, 90_000);
});
