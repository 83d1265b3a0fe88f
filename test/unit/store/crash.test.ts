import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_LENGTH } from '../../../src/store/format.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { collect, rtp, sampleMeta, tempDir, thrown } from './helpers.js';

/** Writes records with the given payload sizes to track 0; returns the log and record starts. */
async function writeLog(dir: string, sizes: number[]): Promise<{ log: Buffer; starts: number[] }> {
  const w = await RecordingWriter.create(dir, sampleMeta(1), { flushIntervalMs: 0 });
  const starts: number[] = [];
  let at = 0;
  sizes.forEach((size, i) => {
    starts.push(at);
    at += RECORD_HEADER_LENGTH + 12 + size;
    w.append(0, 1000 + i, rtp(1000 + i, i * 3000, { size }), i);
  });
  await w.close();
  return { log: await readFile(join(dir, 'track-0.log')), starts };
}

async function expectRecovers(dir: string, good: number, goodBytes: number): Promise<void> {
  const rec = await openRecording(dir);
  expect(rec.tracks[0]!.count).toBe(good);
  expect(rec.tornTails).toHaveLength(1);
  expect(rec.tornTails[0]).toMatchObject({ track: 0, offset: goodBytes });
  const w = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0 });
  expect(w.recovered).toHaveLength(1);
  expect((await readFile(join(dir, 'track-0.log'))).length).toBe(goodBytes);
  w.append(0, 5000, rtp(5000, 0), 0);
  await w.close();
  const again = await openRecording(dir);
  expect(again.tornTails).toEqual([]);
  expect(again.tracks[0]!.count).toBe(good + 1);
  expect(again.tracks[0]!.lastExt).toBe(5000);
  const pkts = await collect(again.readRange(0, 0, 10_000));
  expect(pkts.map((p) => p.ext)).toEqual([
    ...Array.from({ length: good }, (_, i) => 1000 + i),
    5000,
  ]);
}

describe('crash recovery', () => {
  it('truncates a torn tail cut at every byte offset inside the last record', async () => {
    const dir = await tempDir();
    const { log, starts } = await writeLog(dir, [10, 0, 30, 25]);
    const last = starts[3]!;
    for (let cut = last + 1; cut < log.length; cut++) {
      await writeFile(join(dir, 'track-0.log'), log.subarray(0, cut));
      await expectRecovers(dir, 3, last);
    }
  });

  it('a cut exactly between records is a clean log', async () => {
    const dir = await tempDir();
    const { log, starts } = await writeLog(dir, [10, 20]);
    await writeFile(join(dir, 'track-0.log'), log.subarray(0, starts[1]));
    const rec = await openRecording(dir);
    expect(rec.tornTails).toEqual([]);
    expect(rec.tracks[0]!.count).toBe(1);
  });

  it('treats a damaged last record and zero-filled blocks (power loss) as a torn tail', async () => {
    const dir = await tempDir();
    const { log, starts } = await writeLog(dir, [10, 20, 30]);
    const bad = Buffer.from(log);
    bad[bad.length - 3]! ^= 0x40;
    await writeFile(join(dir, 'track-0.log'), bad);
    expect((await openRecording(dir)).tornTails[0]?.reason).toBe('CRC mismatch');
    await expectRecovers(dir, 2, starts[2]!);

    const dir2 = await tempDir();
    const { log: log2 } = await writeLog(dir2, [10, 20, 30]);
    await writeFile(join(dir2, 'track-0.log'), Buffer.concat([log2, Buffer.alloc(4096)]));
    expect((await openRecording(dir2)).tornTails[0]).toMatchObject({
      reason: 'bad record magic',
      bytes: 4096,
    });
    await expectRecovers(dir2, 3, log2.length);
  });

  it('"garbage" that happens to be the missing last byte makes the record whole again', async () => {
    // fast-check found this: the last payload byte of ext 1001 (size 161) is 215, so cutting it
    // and appending [215] restores the record. That is a good log, not a torn one.
    const dir = await tempDir();
    const { log } = await writeLog(dir, [0, 161]);
    expect(log[log.length - 1]).toBe(215);
    const restored = Buffer.concat([log.subarray(0, log.length - 1), Buffer.from([215])]);
    await writeFile(join(dir, 'track-0.log'), restored);
    const rec = await openRecording(dir);
    expect(rec.tornTails).toEqual([]);
    expect(rec.tracks[0]!.count).toBe(2);
  });

  it('property: any cut inside the last record, with or without garbage, recovers', async () => {
    const dir = await tempDir();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.uint8Array({ maxLength: 40 }),
        async (sizes, where, garbage) => {
          const sub = join(dir, `r${Math.random().toString(36).slice(2)}`);
          const { log, starts } = await writeLog(sub, sizes);
          const last = starts[starts.length - 1]!;
          const cut = last + 1 + Math.floor(where * (log.length - last - 1));
          if (cut >= log.length) return;
          const torn = Buffer.concat([log.subarray(0, cut), Buffer.from(garbage)]);
          // Garbage that re-creates the cut bytes makes the last record whole: not a torn tail.
          if (torn.length >= log.length && torn.subarray(0, log.length).equals(log)) return;
          await writeFile(join(sub, 'track-0.log'), torn);
          await expectRecovers(sub, sizes.length - 1, last);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a flipped byte in the middle is STORE_CORRUPT naming the file, and nothing is cut', async () => {
    const dir = await tempDir();
    const { log, starts } = await writeLog(dir, [10, 20, 30, 40]);
    const file = join(dir, 'track-0.log');
    for (const at of [starts[1]! + 40, starts[1]! + 5, starts[1]!, starts[2]! - 1]) {
      const bad = Buffer.from(log);
      bad[at]! ^= 0x01;
      await writeFile(file, bad);
      const err = await thrown(() => openRecording(dir));
      expect(err.code).toBe('STORE_CORRUPT');
      expect(err.message).toContain(file);
      expect(err.message).toMatch(/at offset \d+ \(record 1\); valid records follow/);
      const err2 = await thrown(() => RecordingWriter.openForAppend(dir));
      expect(err2.code).toBe('STORE_CORRUPT');
      expect((await readFile(file)).equals(bad)).toBe(true);
    }
  });

  it('property: a flipped bit in any record but the last is STORE_CORRUPT', async () => {
    const dir = await tempDir();
    const { log, starts } = await writeLog(dir, [5, 60, 0, 17, 33]);
    const file = join(dir, 'track-0.log');
    const lastStart = starts[starts.length - 1]!;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: lastStart - 1 }),
        fc.integer({ min: 0, max: 7 }),
        async (at, bit) => {
          const bad = Buffer.from(log);
          bad[at]! ^= 1 << bit;
          await writeFile(file, bad);
          expect((await thrown(() => openRecording(dir))).code).toBe('STORE_CORRUPT');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('scans logs larger than the 1 MiB read chunk (boundaries, big torn tails, late damage)', async () => {
    const dir = await tempDir();
    const sizes = Array.from({ length: 12_000 }, (_, i) => 100 + (i % 157));
    const { log, starts } = await writeLog(dir, sizes);
    expect(log.length).toBeGreaterThan(2 * (1 << 20));
    const file = join(dir, 'track-0.log');
    const rec = await openRecording(dir);
    expect(rec.tracks[0]!.count).toBe(12_000);
    const all = await collect(rec.readRange(0, 0, 1e9));
    expect(all.map((p) => p.ext)).toEqual(sizes.map((_, i) => 1000 + i));

    // 1.5 MiB of zeros after the last record: still a torn tail.
    await writeFile(file, Buffer.concat([log, Buffer.alloc(3 << 19)]));
    expect((await openRecording(dir)).tornTails[0]).toMatchObject({ offset: log.length });

    // Damage well past the first chunk, in the middle: corrupt.
    const bad = Buffer.from(log);
    const victim = starts[9000]! + 40;
    bad[victim]! ^= 0xff;
    await writeFile(file, bad);
    const err = await thrown(() => openRecording(dir));
    expect(err.message).toContain(`(record 9000); valid records follow at offset ${starts[9001]}`);
  });
});
