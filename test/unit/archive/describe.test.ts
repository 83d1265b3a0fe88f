/**
 * The description of one path's archive, from a real segments directory written by the store's
 * segment writer: spans between gaps, the outage reason kept with the segment before a gap,
 * bytes as on disk, oldest/newest moving with expiry, a hole left by dropped segments, an open
 * segment's end from its index, a crashed segment's reason after recovery.
 */
import { describe, expect, it } from 'vitest';
import { dirBytes } from '../../../src/store/catalog-dir.js';
import {
  CONTIGUOUS_MS,
  describeArchive,
  DROPPED_REASON,
  readArchiveFacts,
  archivedPathNames,
  storeFacts,
} from '../../../src/store/archive-describe.js';
import { ArchiveStore, INTERRUPTED_REASON } from '../../../src/store/segments.js';
import { end, segment, T0 } from './archive-kit.js';
import { tempDir } from '../../helpers/tmp.js';

describe('describeArchive over a real segments directory', () => {
  it('spans between gaps, the outage reason, bytes on disk, oldest and newest', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'live');
    const s1 = store.newSection();
    await segment(store, T0, 3, s1);
    await segment(store, end(T0, 3) + 40, 3, s1, { endReason: 'origin closed the session' });
    const s2 = store.newSection();
    const back = T0 + 20_000;
    await segment(store, back, 3, s2);
    await segment(store, end(back, 3) + 40, 2, s2);

    expect(await archivedPathNames(dir)).toEqual(['live']);
    const d = describeArchive('live', await readArchiveFacts(dir, 'live'));
    expect(d.segments).toBe(4);
    expect(d.oldestMs).toBe(T0);
    expect(d.newestMs).toBe(end(end(back, 3) + 40, 2));
    expect(d.spans).toEqual([
      expect.objectContaining({ fromMs: T0, toMs: end(end(T0, 3) + 40, 3), segments: 2 }),
      expect.objectContaining({ fromMs: back, segments: 2 }),
    ]);
    expect(d.gaps).toEqual([
      { fromMs: end(end(T0, 3) + 40, 3), toMs: back, reason: 'origin closed the session' },
    ]);
    let onDisk = 0;
    for (const s of store.segments()) onDisk += await dirBytes(s.dir);
    expect(d.bytes).toBe(onDisk);
    expect(d.spans.reduce((n, s) => n + s.bytes, 0)).toBe(onDisk);
    expect(d.open).toBe(false);
    // The open store says the same as the directory.
    expect(describeArchive('live', storeFacts(store))).toEqual(d);
  });

  it('expiry moves the oldest moment; a dropped segment between kept ones is a gap', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'live');
    const s = store.newSection();
    let at = T0;
    for (let i = 0; i < 4; i++) {
      await segment(store, at, 2, s);
      at = end(at, 2) + 40;
    }
    const names = store.segments().map((x) => x.name);
    // Retention drops the oldest.
    await store.expire((seg) => seg.name === names[0]);
    let d = describeArchive('live', await readArchiveFacts(dir, 'live'));
    expect(d.segments).toBe(3);
    expect(d.oldestMs).toBe(end(T0, 2) + 40);
    expect(d.gaps).toEqual([]);
    // A kept (clip) segment stays while the next one goes: a hole inside the section.
    await store.expire(
      (seg) => seg.name === names[2],
      (seg) => seg.name === names[1],
    );
    d = describeArchive('live', await readArchiveFacts(dir, 'live'));
    expect(d.spans).toHaveLength(2);
    expect(d.gaps).toHaveLength(1);
    expect(d.gaps[0]!.reason).toBe(DROPPED_REASON);
    expect(d.gaps[0]!.toMs - d.gaps[0]!.fromMs).toBeGreaterThan(CONTIGUOUS_MS);
  });

  it('an open segment ends at its last indexed time; after a crash it says interrupted', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'live');
    const s = store.newSection();
    await segment(store, T0, 2, s);
    const open = await segment(store, end(T0, 2) + 40, 3, s, { open: true });
    let d = describeArchive('live', await readArchiveFacts(dir, 'live'));
    expect(d.open).toBe(true);
    expect(d.spans).toHaveLength(1);
    // Index entries: keyframes and sync points; the last is at most one sync interval early.
    expect(d.newestMs).toBeGreaterThan(end(end(T0, 2) + 40, 3) - 600);
    expect(d.newestMs).toBeLessThanOrEqual(end(end(T0, 2) + 40, 3));
    // Reading changed nothing: the segment is still open on disk.
    expect((await readArchiveFacts(dir, 'live'))[1]!.closed).toBe(false);
    // A restart (the writer never closed) recovers it; the next section follows a gap.
    const again = await ArchiveStore.open(dir, 'live');
    await segment(again, T0 + 30_000, 2, again.newSection());
    d = describeArchive('live', await readArchiveFacts(dir, 'live'));
    expect(d.gaps).toHaveLength(1);
    expect(d.gaps[0]!.reason).toBe(INTERRUPTED_REASON);
    expect(d.open).toBe(false);
    await open.writer?.close().catch(() => undefined);
  });

  it('an empty or missing archive', async () => {
    const dir = await tempDir();
    expect(await archivedPathNames(dir)).toEqual([]);
    const d = describeArchive('none', await readArchiveFacts(dir, 'none'));
    expect(d).toEqual({ path: 'none', segments: 0, bytes: 0, spans: [], gaps: [], open: false });
  });
});
