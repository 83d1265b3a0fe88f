import { utimesSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceKey } from '../../../src/upstream/url.js';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { completenessOf } from '../../../src/store/completeness.js';
import { readMeta, writeMeta, type NewRecordingMeta } from '../../../src/store/meta.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { memoryLogger } from '../../helpers/log.js';
import { rtp, sampleMeta, tempDir } from './helpers.js';

/** 25 video packets a second (ts step 3600 at 90 kHz) for `seconds`, minus `drop`. */
async function record(
  dir: string,
  meta: Partial<NewRecordingMeta> & { durationSec?: number },
  seconds: number,
  opts: { drop?: (ext: number) => boolean; close?: 'complete' | 'partial' | false } = {},
): Promise<void> {
  const writer = await RecordingWriter.create(
    dir,
    { ...sampleMeta(1), startRtpTime: undefined, ...meta } as NewRecordingMeta,
    { flushIntervalMs: 0 },
  );
  for (let i = 0; i < seconds * 25; i++) {
    if (opts.drop?.(1000 + i)) continue;
    writer.append(0, 1000 + i, rtp(1000 + i, i * 3600, { size: 200 }), 0);
  }
  await writer.flush();
  await writer.close(opts.close === false ? 'partial' : (opts.close ?? 'complete'));
  if (opts.close === false) {
    // As a crash leaves it: meta.json still says 'recording' (handles closed, no GC warning).
    await writeMeta(dir, { ...(await readMeta(dir)), state: 'recording' });
  }
}

/** One video track whose npt 0 is RTP time 0 (the first packet `record` writes). */
function trackFromZero(): NewRecordingMeta['tracks'] {
  const t0 = sampleMeta(1).tracks[0];
  if (!t0) throw new Error('no track');
  return [{ ...t0, startRtpTime: 0 }];
}

const catalogFor = (dir: string, quotaBytes = 0) => {
  const sink = memoryLogger('debug');
  return {
    ...sink,
    catalog: new RecordingCatalog({ dir, log: sink.log, quotaBytes, keyOf: sourceKey }),
  };
};

describe('completeness', () => {
  it('counts gaps exactly and a missing tail or head from the announced duration', async () => {
    const root = await tempDir();
    await record(join(root, 'whole'), { durationSec: 4 }, 4);
    await record(join(root, 'gaps'), { durationSec: 4 }, 4, { drop: (e) => e % 10 === 3 });
    await record(join(root, 'short'), { durationSec: 8 }, 4, { close: 'partial' });
    await record(join(root, 'live'), { live: true, durationSec: 8 }, 4);
    const c = async (n: string) => completenessOf(await openRecording(join(root, n)));
    expect(await c('whole')).toMatchObject({
      percent: 100,
      whole: true,
      missing: 0,
      received: 100,
    });
    expect(await c('gaps')).toMatchObject({ percent: 90, whole: false, missing: 10 });
    const short = await c('short');
    expect(short.whole).toBe(false);
    expect(short.tracks[0]?.tailPackets).toBeGreaterThan(95);
    expect(short.tracks[0]?.tailPackets).toBeLessThan(105);
    expect(short.percent).toBeGreaterThan(48);
    expect(short.percent).toBeLessThan(52);
    expect((await c('live')).percent).toBe(100);
  });

  it('a head never recorded counts too (npt 0 before the first packet)', async () => {
    const root = await tempDir();
    const meta = sampleMeta(1);
    const t0 = meta.tracks[0];
    if (!t0) throw new Error('no track');
    // npt 0 is 2 s (180000 ticks) before the first stored packet.
    await record(
      join(root, 'r'),
      { durationSec: 6, tracks: [{ ...t0, startRtpTime: 2 ** 32 - 180000 }] },
      4,
    );
    const c = completenessOf(await openRecording(join(root, 'r')));
    // 2 s at the stored rate (100 packets over 3.96 s): about 50.
    expect(c.tracks[0]?.headPackets).toBeGreaterThanOrEqual(49);
    expect(c.tracks[0]?.headPackets).toBeLessThanOrEqual(52);
    expect(c.whole).toBe(false);
  });
});

describe('RecordingCatalog', () => {
  it('scans the directory; an unreadable recording is listed with its error', async () => {
    const root = await tempDir();
    await record(join(root, 'good'), { durationSec: 4 }, 4);
    mkdirSync(join(root, 'bad'));
    writeFileSync(join(root, 'bad', 'meta.json'), '{');
    const { catalog, lines } = catalogFor(root);
    await catalog.open();
    expect(catalog.list().map((e) => [e.id, e.error === undefined])).toEqual(
      expect.arrayContaining([
        ['good', true],
        ['bad', false],
      ]),
    );
    expect(lines.find((l) => l.event === 'recording.error')?.code).toBe('STORE_CORRUPT');
    expect(lines.find((l) => l.event === 'recordings.open')).toMatchObject({
      recordings: 2,
      errors: 1,
    });
  });

  it('recovers a recording a crash left in state "recording": torn tail cut, state partial', async () => {
    const root = await tempDir();
    const dir = join(root, 'crashed');
    await record(dir, { durationSec: 4 }, 2, { close: false });
    // A torn tail: half a record at the end.
    writeFileSync(join(dir, 'track-0.log'), Buffer.alloc(17, 0x53), { flag: 'a' });
    const { catalog, lines } = catalogFor(root);
    await catalog.open();
    const rec = await openRecording(dir);
    expect(rec.meta.state).toBe('partial');
    expect(rec.tornTails).toEqual([]);
    expect(rec.track(0).count).toBe(50);
    expect(lines.find((l) => l.event === 'recording.recover')).toMatchObject({
      recording: 'crashed',
      tornBytes: 17,
    });
  });

  it('findServable: most complete first, at least minPercent, same identity, never live', async () => {
    const root = await tempDir();
    await record(join(root, 'a'), { durationSec: 4 }, 4, { drop: (e) => e % 5 === 0 });
    await record(join(root, 'b'), { durationSec: 4 }, 4, { drop: (e) => e % 50 === 0 });
    await record(join(root, 'live'), { durationSec: 4, live: true }, 4);
    const { catalog } = catalogFor(root);
    await catalog.open();
    const key = sourceKey('rtsp://origin.example/movie');
    expect((await catalog.findServable(key, undefined, 90))?.id).toBe('b');
    expect((await catalog.findServable(key, 'sha256:abcd', 0))?.id).toBe('b');
    expect(await catalog.findServable(key, 'sha256:other', 0)).toBeUndefined();
    expect(await catalog.findServable(key, undefined, 99)).toBeUndefined();
    expect(
      await catalog.findServable(sourceKey('rtsp://elsewhere/x'), undefined, 0),
    ).toBeUndefined();
  });

  it('findServable from an npt: the part from the start point on must hold minPercent', async () => {
    const root = await tempDir();
    // 4 s at 25 packets a second, npt 0 at ts 0: the first 2 s never recorded.
    await record(join(root, 'tail'), { durationSec: 4, tracks: trackFromZero() }, 4, {
      drop: (e) => e < 1050,
    });
    const { catalog } = catalogFor(root);
    await catalog.open();
    const key = sourceKey('rtsp://origin.example/movie');
    const rec = await openRecording(join(root, 'tail'));
    // The missing head is estimated from the packet rate: about half from 0, a third from 1 s.
    const from0 = completenessOf(rec).percent;
    const from1 = completenessOf(rec, 1);
    expect(from0).toBeGreaterThan(45);
    expect(from0).toBeLessThan(51);
    expect(from1.received).toBe(50);
    expect(from1.percent).toBeGreaterThan(60);
    expect(from1.percent).toBeLessThan(70);
    expect(completenessOf(rec, 0).percent).toBe(from0);
    expect(completenessOf(rec, 3).percent).toBe(100);
    expect(await catalog.findServable(key, undefined, 100)).toBeUndefined();
    expect(await catalog.findServable(key, undefined, 100, 0)).toBeUndefined();
    expect(await catalog.findServable(key, undefined, 100, 1.5)).toBeUndefined();
    expect((await catalog.findServable(key, undefined, 100, 2))?.id).toBe('tail');
    expect((await catalog.findServable(key, undefined, 100, 3))?.id).toBe('tail');
  });

  it('findServable from an npt: a hole after the start point counts, one before it does not', async () => {
    const root = await tempDir();
    // Complete except the packet at npt 3.2.
    await record(join(root, 'hole'), { durationSec: 4, tracks: trackFromZero() }, 4, {
      drop: (e) => e === 1080,
    });
    const { catalog } = catalogFor(root);
    await catalog.open();
    const key = sourceKey('rtsp://origin.example/movie');
    expect(await catalog.findServable(key, undefined, 100, 0)).toBeUndefined();
    expect(await catalog.findServable(key, undefined, 100, 3)).toBeUndefined();
    // From 3 s: 25 packets (3.0 to 3.96) of which one is missing.
    expect((await catalog.findServable(key, undefined, 96, 3))?.id).toBe('hole');
    expect(await catalog.findServable(key, undefined, 96.1, 3)).toBeUndefined();
    expect((await catalog.findServable(key, undefined, 100, 3.5))?.id).toBe('hole');
  });

  it('quota: least recently used idle recordings go first; played ones stay', async () => {
    const root = await tempDir();
    for (const [i, id] of ['old', 'mid', 'new'].entries()) {
      await record(join(root, id), { durationSec: 4, originUrl: `rtsp://o/${id}` }, 4);
      const t = new Date(Date.UTC(2026, 0, 1 + i));
      utimesSync(join(root, id, 'meta.json'), t, t);
    }
    const probe = catalogFor(root);
    await probe.catalog.open();
    const each = probe.catalog.get('old')?.bytes ?? 0;
    expect(each).toBeGreaterThan(20000);
    // Room for two: 'old' is playing, so 'mid' (the next least recently used) goes.
    const { catalog, lines } = catalogFor(root, Math.floor(each * 2.5));
    await catalog.open();
    await catalog.startPlaying('old');
    await catalog.enforceQuota();
    expect(
      catalog
        .list()
        .map((e) => e.id)
        .sort(),
    ).toEqual(['new', 'old']);
    expect(existsSync(join(root, 'mid'))).toBe(false);
    expect(lines.find((l) => l.event === 'recording.evict')).toMatchObject({
      recording: 'mid',
      reason: 'quota',
    });
    expect(existsSync(join(root, 'old', '.lock'))).toBe(true);
    await catalog.stopPlaying('old');
    expect(existsSync(join(root, 'old', '.lock'))).toBe(false);
  });

  it('a new recording is created locked; when finished, a less complete copy is dropped', async () => {
    const root = await tempDir();
    await record(join(root, 'partial-copy'), { durationSec: 4 }, 2, { close: 'partial' });
    const { catalog, lines } = catalogFor(root);
    await catalog.open();
    const key = sourceKey('rtsp://origin.example/movie');
    // Only a partial copy exists: record again.
    expect(catalog.wantsRecording(key, 'sha256:abcd')).toBe(true);
    const { entry, writer } = await catalog.create({ ...sampleMeta(1), durationSec: 4 });
    expect(catalog.wantsRecording(key, 'sha256:abcd')).toBe(false);
    expect(entry.id).toMatch(/^movie-[0-9a-f]{12}$/);
    expect(existsSync(join(entry.dir, '.lock'))).toBe(true);
    expect(catalog.hasContent(sourceKey('rtsp://origin.example/movie'), 'sha256:abcd')).toBe(true);
    for (let i = 0; i < 100; i++) writer.append(0, i, rtp(i, i * 3600), 0);
    await writer.close('complete');
    await catalog.finished(entry.id);
    expect(existsSync(join(entry.dir, '.lock'))).toBe(false);
    expect(catalog.list().map((e) => e.id)).toEqual([entry.id]);
    expect(catalog.wantsRecording(key, 'sha256:abcd')).toBe(false);
    expect(catalog.wantsRecording(key, 'sha256:other')).toBe(true);
    expect(lines.find((l) => l.event === 'recording.evict')).toMatchObject({
      recording: 'partial-copy',
      reason: 'superseded',
    });
  });
});
