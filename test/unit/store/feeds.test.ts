import { describe, expect, it } from 'vitest';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { completenessOf } from '../../../src/store/completeness.js';
import { RecordingFeeds } from '../../../src/store/feeds.js';
import type { NewRecordingMeta } from '../../../src/store/meta.js';
import { openRecording } from '../../../src/store/reader.js';
import { sourceKey } from '../../../src/upstream/url.js';
import { memoryLogger } from '../../helpers/log.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { tempDir } from '../../helpers/tmp.js';

const URL = 'rtsp://origin.test/clip';
const meta = (): NewRecordingMeta => ({
  originUrl: URL,
  path: 'clip',
  sdp: 'v=0\r\n',
  sdpIdentity: 'id-1',
  live: false,
  durationSec: 4,
  tracks: [{ index: 0, clockRate: 90000, payloadTypes: [96], startRtpTime: 1000 }],
});
/** Packet of ext e: 25 a second from npt 0. */
const pkt = (e: number) =>
  rtpPacket({
    seq: e & 0xffff,
    ts: 1000 + (e - 0x10000) * 3600,
    ssrc: 7,
    pt: 96,
    payload: [e & 0xff, 1, 2, 3],
  });
const E0 = 0x10000;

async function rig() {
  const mem = memoryLogger('debug');
  const catalog = new RecordingCatalog({
    dir: await tempDir('seamd-feeds-'),
    log: mem.log,
    quotaBytes: 0,
    keyOf: sourceKey,
  });
  await catalog.open();
  return { catalog, feeds: new RecordingFeeds({ catalog, flushIntervalMs: 0 }) };
}

const request = { key: sourceKey(URL), identity: 'id-1', live: false, meta };

describe('RecordingFeeds', () => {
  it('sessions of one content share one feed (one writer); the last to leave closes it', async () => {
    const { catalog, feeds } = await rig();
    const [a, b] = await Promise.all([feeds.acquire(request), feeds.acquire(request)]);
    if (!a || !b || 'skip' in a || 'skip' in b) throw new Error('skipped');
    expect(a.feed).toBe(b.feed);
    expect([a.creator, b.creator]).toEqual([true, false]);
    expect(a.feed.refs).toBe(2);
    // Fills in any order, duplicates refused.
    for (const e of [5, 1, 3, 0]) expect(a.feed.fill(0, E0 + e, pkt(E0 + e), 0)).toBe(true);
    expect(a.feed.fill(0, E0 + 5, pkt(E0 + 5), 0)).toBe(false);
    expect(b.feed.fill(0, E0 + 3, pkt(E0 + 3), 0)).toBe(false);
    expect(b.feed.fill(0, E0 + 2, pkt(E0 + 2), 0)).toBe(true);
    expect(await feeds.release(a.feed)).toBeUndefined();
    expect(catalog.list()[0]?.writing).toBe(true);
    const closed = await feeds.release(b.feed);
    expect(closed).toMatchObject({ state: 'partial', packets: 5 });
    const entry = catalog.list()[0];
    expect(entry?.writing).toBe(false);
    const rec = await openRecording(entry?.dir ?? '');
    expect(rec.track(0).gaps()).toEqual([[E0 + 4, E0 + 4]]);
    expect(completenessOf(rec).percent).toBe(closed?.percent);
  });

  it('a later session reopens the recording on disk and knows what it holds', async () => {
    const { feeds } = await rig();
    const a = await feeds.acquire(request);
    if ('skip' in a) throw new Error('skipped');
    for (const e of [0, 1, 2]) a.feed.fill(0, E0 + e, pkt(E0 + e), 0);
    await feeds.release(a.feed);
    const b = await feeds.acquire(request);
    if ('skip' in b) throw new Error('skipped');
    expect(b.creator).toBe(false);
    expect(b.feed).not.toBe(a.feed);
    expect(b.feed.has(0, E0 + 1)).toBe(true);
    expect(b.feed.fill(0, E0 + 1, pkt(E0 + 1), 0)).toBe(false);
    expect(b.feed.fill(0, E0 + 3, pkt(E0 + 3), 0)).toBe(true);
    await feeds.release(b.feed);
  });

  it('a recording being fed is served as it is when good enough', async () => {
    const { catalog, feeds } = await rig();
    const a = await feeds.acquire(request);
    if ('skip' in a) throw new Error('skipped');
    for (let e = 0; e < 100; e++) if (e !== 50) a.feed.fill(0, E0 + e, pkt(E0 + e), 0);
    const hit = await catalog.findServable(sourceKey(URL), 'id-1', 98);
    expect(hit?.id).toBe(a.feed.id);
    // Flushed before it was opened: what the sessions wrote so far is there.
    expect(hit?.opened?.rec.track(0).count).toBe(99);
    expect(await catalog.findServable(sourceKey(URL), 'id-1', 99.5)).toBeUndefined();
    await feeds.release(a.feed);
  });

  it('a recording being fed is served to a viewer starting where it is complete', async () => {
    const { catalog, feeds } = await rig();
    const a = await feeds.acquire(request);
    if ('skip' in a) throw new Error('skipped');
    // The second half so far (a session that started at npt 2).
    for (let e = 50; e < 100; e++) a.feed.fill(0, E0 + e, pkt(E0 + e), 0);
    expect(await catalog.findServable(sourceKey(URL), 'id-1', 100, 0)).toBeUndefined();
    expect((await catalog.findServable(sourceKey(URL), 'id-1', 100, 2.5))?.id).toBe(a.feed.id);
    await feeds.release(a.feed);
  });
});
