import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter, type WriterTimers } from '../../../src/store/writer.js';
import { collect, rtp, sampleMeta, tempDir, thrown } from './helpers.js';

const V0 = 65530; // video exts cross the 16-bit wrap
const VTS0 = 0xffffff00; // and the timestamps wrap too
const MISSING = new Set([65540, 65541, 65542, 65560]);
const A0 = 2 ** 32 + 10; // audio exts need more than 32 bits

function fakeTimers(): WriterTimers & { tick(): void; active: boolean } {
  let fn: (() => void) | undefined;
  return {
    active: false,
    setInterval(f) {
      fn = f;
      this.active = true;
      return 1;
    },
    clearInterval() {
      this.active = false;
    },
    tick() {
      fn?.();
    },
  };
}

async function writeSample(dir: string): Promise<void> {
  const w = await RecordingWriter.create(dir, sampleMeta(), { flushIntervalMs: 0 });
  for (let i = 0; i < 100; i++) {
    const ext = V0 + i;
    if (MISSING.has(ext)) continue;
    expect(w.append(0, ext, rtp(ext, VTS0 + i * 3000, { marker: true }), 1000 + i)).toBe(true);
  }
  // Audio arrives in reversed pairs; some twice.
  for (let i = 0; i < 50; i += 2) {
    for (const j of [i + 1, i]) w.append(1, A0 + j, rtp(A0 + j, 5000 + j * 160, { pt: 0 }), 2000);
  }
  expect(w.append(1, A0 + 7, rtp(A0 + 7, 5000 + 7 * 160, { pt: 0 }), 3000)).toBe(false);
  expect(w.duplicates).toBe(1);
  await w.close();
}

describe('write → open round trip', () => {
  it('indexes counts, gaps, completeness, duration and npt', async () => {
    const dir = await tempDir();
    await writeSample(dir);
    const rec = await openRecording(dir);
    expect(rec.meta.state).toBe('complete');
    expect(rec.tornTails).toEqual([]);
    const [v, a] = rec.tracks;
    if (!v || !a) throw new Error('tracks');
    expect(v.count).toBe(96);
    expect(v.firstExt).toBe(V0);
    expect(v.lastExt).toBe(V0 + 99);
    expect(v.gaps()).toEqual([
      [65540, 65542],
      [65560, 65560],
    ]);
    expect(v.completeness()).toBeCloseTo(96);
    expect(v.durationSec).toBeCloseTo(3.3);
    expect(v.seekNpt(0)).toBe(V0);
    expect(v.seekNpt(-1)).toBe(V0);
    expect(v.seekNpt(1)).toBe(65559); // 65560 (npt 1.0) is missing: the record before it
    expect(v.seekNpt(1.01)).toBe(65559); // 65561 has npt 1.0333
    expect(v.seekNpt(1.04)).toBe(65561);
    expect(v.seekNpt(1000)).toBe(V0 + 99);
    expect(v.seekNpt(Number.NaN)).toBeUndefined();
    expect(v.nptOf(65561)).toBeCloseTo(31 / 30);

    expect(a.count).toBe(50);
    expect(a.sorted).toBe(false);
    expect(a.gaps()).toEqual([]);
    expect(a.completeness()).toBe(100);
    expect(a.firstExt).toBe(A0);
    expect(a.durationSec).toBeCloseTo(0.98);
    expect(rec.durationSec).toBeCloseTo(3.3);
    const sizes = await Promise.all([0, 1].map((t) => stat(join(dir, `track-${t}.log`))));
    expect(rec.bytes).toBe(sizes[0]!.size + sizes[1]!.size);
  });

  it('reads ranges back byte for byte in ext order', async () => {
    const dir = await tempDir();
    await writeSample(dir);
    const rec = await openRecording(dir);
    const got = await collect(rec.readRange(0, 65538, 65562));
    const want = [];
    for (let ext = 65538; ext <= 65562; ext++) if (!MISSING.has(ext)) want.push(ext);
    expect(got.map((p) => p.ext)).toEqual(want);
    for (const p of got) {
      const i = p.ext - V0;
      expect(p.packet.equals(rtp(p.ext, VTS0 + i * 3000, { marker: true }))).toBe(true);
      expect(p.ts).toBe((VTS0 + i * 3000) % 2 ** 32);
      expect(p.marker).toBe(true);
      expect(p.payloadType).toBe(96);
      expect(p.arrivalMs).toBe(1000 + i);
      expect(p.npt).toBeCloseTo(i / 30);
    }
    const audio = await collect(rec.readRange(1, 0, Number.MAX_SAFE_INTEGER));
    expect(audio.map((p) => p.ext - A0)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(audio.every((p) => p.arrivalMs === 2000)).toBe(true); // the first copy won
    expect(await collect(rec.readRange(0, 0, 10))).toEqual([]);
  });

  it('honours startRtpTime from meta for npt', async () => {
    const dir = await tempDir();
    const meta = sampleMeta(1);
    meta.tracks[0]!.startRtpTime = 90000 - 45000; // first packet at npt 0.5
    const w = await RecordingWriter.create(dir, meta, { flushIntervalMs: 0 });
    for (let i = 0; i < 10; i++) w.append(0, 10 + i, rtp(10 + i, 90000 + i * 9000), 0);
    await w.close('partial');
    const rec = await openRecording(dir);
    expect(rec.meta.state).toBe('partial');
    expect(rec.tracks[0]!.nptOf(10)).toBeCloseTo(0.5);
    expect(rec.tracks[0]!.durationSec).toBeCloseTo(1.4);
    expect(rec.seekNpt(0, 0.1)).toBe(10);
    expect(rec.seekNpt(0, 0.75)).toBe(12);
  });

  it('unitStart: the first packet of the access unit at or before the time', async () => {
    // Three frames of three packets each (one timestamp per frame), 40 ms apart; the first
    // frame's first packet was lost, as a lossy session leaves it.
    const dir = await tempDir();
    const w = await RecordingWriter.create(dir, sampleMeta(1), { flushIntervalMs: 0 });
    for (let i = 1; i < 9; i++) w.append(0, 100 + i, rtp(100 + i, 3600 * Math.floor(i / 3)), 0);
    await w.close('partial');
    const v = (await openRecording(dir)).tracks[0]!;
    expect(v.seekNpt(0, true)).toBe(101); // not 102, the last packet of that time
    expect(v.seekNpt(0.02, true)).toBe(101);
    expect(v.seekNpt(0.04, true)).toBe(103);
    expect(v.seekNpt(0.05, true)).toBe(103);
    expect(v.seekNpt(1, true)).toBe(106);
    expect(v.seekNpt(-1, true)).toBe(101);
    expect(v.seekNpt(0.05)).toBe(105); // without: the last packet of that time
  });

  it('flushes on the injected timer, and a crash keeps what was flushed', async () => {
    const dir = await tempDir();
    const timers = fakeTimers();
    const w = await RecordingWriter.create(dir, sampleMeta(1), { flushIntervalMs: 500, timers });
    expect(timers.active).toBe(true);
    for (let i = 0; i < 5; i++) w.append(0, i, rtp(i, i * 3000), 0);
    expect((await stat(join(dir, 'track-0.log'))).size).toBe(0);
    timers.tick();
    await w.flush(); // waits for the tick's flush too (flushes run in order)
    for (let i = 5; i < 8; i++) w.append(0, i, rtp(i, i * 3000), 0);
    // "SIGKILL" now: the last three are lost, the first five are on disk.
    const rec = await openRecording(dir);
    expect(rec.tracks[0]!.count).toBe(5);
    expect(rec.meta.state).toBe('recording');
    await w.close();
    expect(timers.active).toBe(false);
    expect((await openRecording(dir)).tracks[0]!.count).toBe(8);
  });

  it('continues with openForAppend and skips recent duplicates across the reopen', async () => {
    const dir = await tempDir();
    await writeSample(dir);
    const w = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0 });
    expect(w.recovered).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))).toMatchObject({
      state: 'recording',
    });
    expect(w.append(0, V0 + 99, rtp(V0 + 99, 0), 0)).toBe(false);
    expect(w.append(0, 65560, rtp(65560, VTS0 + 30 * 3000, { marker: true }), 9)).toBe(true);
    await w.close();
    const v = (await openRecording(dir)).tracks[0]!;
    expect(v.count).toBe(97);
    expect(v.duplicates).toBe(0);
    expect(v.gaps()).toEqual([[65540, 65542]]);
  });

  it('rejects bad arguments and misuse with STORE_INVALID', async () => {
    const dir = await tempDir();
    const w = await RecordingWriter.create(dir, sampleMeta(1), { flushIntervalMs: 0 });
    expect(() => w.append(1, 1, rtp(1, 0), 0)).toThrow(/no track 1/);
    expect(() => w.append(0, -1, rtp(1, 0), 0)).toThrow(/out of range/);
    expect(() => w.append(0, 2 ** 48, rtp(0, 0), 0)).toThrow(/out of range/);
    expect(() => w.append(0, 1, Buffer.alloc(8), 0)).toThrow(/8 bytes/);
    expect(() => w.append(0, 1, Buffer.alloc(12), 0)).toThrow(/version 2/);
    expect(() => w.append(0, 2, rtp(1, 0), 0)).toThrow(/does not match RTP sequence 1/);
    await w.close();
    await w.close(); // idempotent
    const err = (() => {
      try {
        w.append(0, 1, rtp(1, 0), 0);
      } catch (e) {
        return e as { code?: string };
      }
      return {};
    })();
    expect(err.code).toBe('STORE_INVALID');
    const again = await thrown(() => RecordingWriter.create(dir, sampleMeta(1)));
    expect(again.code).toBe('STORE_INVALID');
    expect(again.message).toContain('openForAppend');
  });

  it('reports an unwritable directory as STORE_IO', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'x');
    const err = await thrown(() => RecordingWriter.create(join(dir, 'file', 'rec'), sampleMeta()));
    expect(err.code).toBe('STORE_IO');
    expect(err.message).toContain(join(dir, 'file', 'rec'));
  });
});
