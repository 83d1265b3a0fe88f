/**
 * The archive store: segments found by wall-clock time without scanning, index entries at
 * keyframes and sync points, retention dropping whole segments oldest first (kept ones stay),
 * a segment a crash left open recovered with its torn tail cut.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackFileName } from '../../../src/store/format.js';
import type { NewRecordingMeta } from '../../../src/store/meta.js';
import { decodeIndex, encodeIndexEntry, SegmentIndex } from '../../../src/store/segment-index.js';
import { readSegmentLog } from '../../../src/store/segment-reader.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { rtpPacket, patternPayload } from '../../helpers/rtp.js';
import { tempDir } from '../../helpers/tmp.js';

const META: NewRecordingMeta = {
  originUrl: 'rtsp://origin/live',
  path: 'live',
  sdp: 'v=0\r\n',
  sdpIdentity: 'x',
  live: true,
  tracks: [
    { index: 0, clockRate: 90_000, payloadTypes: [96], media: 'video' },
    { index: 1, clockRate: 48_000, payloadTypes: [97], media: 'audio' },
  ],
};
const T0 = Date.UTC(2026, 11, 1, 14, 0, 0);

/** Writes `seconds` of 25 fps video (keyframe every second) and 50 audio packets/s. */
async function fill(store: ArchiveStore, startMs: number, seconds: number, section: number) {
  const seg = await store.startSegment(META, startMs, section);
  const w = seg.writer!;
  for (let f = 0; f < seconds * 25; f++) {
    const wall = startMs + f * 40;
    w.append(
      0,
      1000 + f,
      rtpPacket({ seq: 1000 + f, ts: f * 3600, payload: patternPayload(f, 100) }),
      wall,
      f % 25 === 0,
    );
    w.append(1, 1000 + 2 * f, rtpPacket({ seq: 1000 + 2 * f, ts: f * 1920, pt: 97 }), wall, true);
    w.append(
      1,
      1001 + 2 * f,
      rtpPacket({ seq: 1001 + 2 * f, ts: f * 1920 + 960, pt: 97 }),
      wall + 20,
      true,
    );
  }
  await store.finishSegment(seg);
  return seg;
}

describe('segment index', () => {
  it('entries round-trip; a torn last entry is ignored', () => {
    const a = { wallMs: T0, offset: 0, track: 0, keyframe: true };
    const b = { wallMs: T0 + 500, offset: 4096, track: 1, keyframe: false };
    const bytes = Buffer.concat([encodeIndexEntry(a), encodeIndexEntry(b)]);
    expect(decodeIndex(bytes)).toEqual([a, b]);
    expect(decodeIndex(bytes.subarray(0, 40))).toEqual([a]);
    const bad = Buffer.from(bytes);
    bad[30] = bad[30]! ^ 1;
    expect(decodeIndex(bad)).toEqual([a]);
  });

  it('finds the keyframe at or before a time, and drops entries past a log end', () => {
    const entries = [0, 1000, 2000].map((ms, i) => ({
      wallMs: T0 + ms,
      offset: i * 100,
      track: 0,
      keyframe: true,
    }));
    entries.push({ wallMs: T0 + 1500, offset: 150, track: 0, keyframe: false });
    entries.sort((x, y) => x.wallMs - y.wallMs);
    const idx = new SegmentIndex(entries, 1, [250]);
    expect(idx.atOrBefore(0, T0 + 1999, true)?.wallMs).toBe(T0 + 1000);
    expect(idx.atOrBefore(0, T0 + 1999, false)?.wallMs).toBe(T0 + 1500);
    expect(idx.atOrBefore(0, T0 + 5000, true)?.wallMs).toBe(T0 + 2000);
    expect(new SegmentIndex(entries, 1, [150]).lastWallMs).toBe(T0 + 1000);
    expect(idx.atOrAfter(0, T0 + 1, true)?.wallMs).toBe(T0 + 1000);
    expect(idx.atOrBefore(0, T0 - 1, true)).toBeUndefined();
  });
});

describe('archive store', () => {
  it('finds segments by time (in a gap: the next one), reads from an index entry', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'live');
    await fill(store, T0, 4, store.newSection());
    await fill(store, T0 + 10_000, 4, store.newSection());
    expect(store.segments()).toHaveLength(2);
    expect(store.find(T0 + 2500)).toMatchObject({
      inside: true,
      segment: { state: { startMs: T0 } },
    });
    expect(store.find(T0 + 6000)).toMatchObject({
      inside: false,
      segment: { state: { startMs: T0 + 10_000 } },
    });
    expect(store.find(T0 - 5000)).toMatchObject({
      inside: false,
      segment: { state: { startMs: T0 } },
    });
    expect(store.find(T0 + 20_000)).toBeUndefined();
    const seg = store.find(T0 + 2500)!.segment;
    const index = await store.indexOf(seg);
    const key = index.atOrBefore(0, T0 + 2500, true)!;
    expect(key.wallMs).toBe(T0 + 2000);
    const { packets } = await readSegmentLog(seg.dir, 0, key.offset, undefined, 4096);
    expect(packets[0]!.wallMs).toBe(T0 + 2000);
    expect(packets[0]!.ext).toBe(1050);
    // Audio has a sync point at least every 500 ms.
    const audio = index.atOrBefore(1, key.wallMs, false)!;
    expect(key.wallMs - audio.wallMs).toBeLessThanOrEqual(500);
    // Reopened from disk: the same.
    const again = await ArchiveStore.open(dir, 'live');
    expect(again.segments().map((s) => [s.state.startMs, s.state.endMs, s.state.section])).toEqual(
      store.segments().map((s) => [s.state.startMs, s.state.endMs, s.state.section]),
    );
    expect(again.newSection()).toBe(3);
  });

  it('retention drops whole segments oldest first, never a kept one or the one being written', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'live');
    const a = await fill(store, T0, 2, 1);
    const b = await fill(store, T0 + 2000, 2, 1);
    const c = await fill(store, T0 + 4000, 2, 1);
    const open = await store.startSegment(META, T0 + 6000, 1);
    const removed = await store.expire(
      (s) => s.state.endMs < T0 + 100_000,
      (s) => s === b,
    );
    expect(removed.map((s) => s.name)).toEqual([a.name, c.name]);
    expect(store.segments().map((s) => s.name)).toEqual([b.name, open.name]);
    // The walk stops at the first segment not to drop.
    const none = await store.expire((s) => s !== b);
    expect(none).toEqual([]);
    await store.finishSegment(open);
  });

  it('a segment a crash left open is recovered: torn tail cut, end from its index', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'live');
    const seg = await store.startSegment(META, T0, 1);
    const w = seg.writer!;
    for (let f = 0; f < 50; f++) {
      w.append(0, f + 1, rtpPacket({ seq: f + 1, ts: f * 3600 }), T0 + f * 40, f % 25 === 0);
    }
    await w.flush();
    // Killed: no close; half a record at the end of the log.
    await appendFile(join(seg.dir, trackFileName(0)), Buffer.from([0x53, 0x52, 0x45, 0x43, 0, 40]));
    const reopened = await ArchiveStore.open(dir, 'live');
    const [r] = reopened.segments();
    expect(r!.state.closed).toBe(true);
    expect(r!.recoveredBytes).toBe(6);
    expect(r!.state.endMs).toBeGreaterThanOrEqual(T0 + 1000);
    expect(r!.state.endMs).toBeLessThanOrEqual(T0 + 49 * 40);
    const { packets } = await readSegmentLog(r!.dir, 0, 0, undefined, 1 << 20);
    expect(packets).toHaveLength(50);
  });
});
