import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compact } from '../../../src/store/compact.js';
import { openRecording } from '../../../src/store/reader.js';
import { scanLog } from '../../../src/store/scan.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { collect, rtp, sampleMeta, tempDir } from './helpers.js';

/** Track 0: exts 0..19 shuffled, with old duplicates (window 1 lets them through). */
async function messy(dir: string): Promise<void> {
  const w = await RecordingWriter.create(dir, sampleMeta(), {
    flushIntervalMs: 0,
    dedupWindow: 1,
  });
  const order = [5, 0, 1, 3, 2, 4, 9, 8, 7, 6, 1, 10, 19, 11, 12, 13, 14, 15, 16, 17, 18, 3, 5];
  for (const [k, ext] of order.entries()) w.append(0, ext, rtp(ext, ext * 3000), k);
  for (let ext = 0; ext < 5; ext++) w.append(1, ext, rtp(ext, ext * 160, { pt: 0 }), 0);
  await w.close();
}

describe('compact', () => {
  it('sorts by ext, drops duplicates (first copy wins) and keeps the content', async () => {
    const dir = await tempDir();
    await messy(dir);
    const before = await openRecording(dir);
    expect(before.tracks[0]!.duplicates).toBe(3);
    expect(before.tracks[0]!.sorted).toBe(false);
    const want = await collect(before.readRange(0, 0, 100));

    const results = await compact(dir);
    expect(results[0]).toMatchObject({ rewritten: true, records: 20, duplicatesRemoved: 3 });
    expect(results[0]!.bytesAfter).toBeLessThan(results[0]!.bytesBefore);
    expect(results[1]).toMatchObject({ rewritten: false, records: 5 });

    const scan = await scanLog(join(dir, 'track-0.log'), 0);
    expect(scan.ext).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const after = await openRecording(dir);
    expect(after.tracks[0]!.sorted).toBe(true);
    expect(after.tracks[0]!.duplicates).toBe(0);
    const got = await collect(after.readRange(0, 0, 100));
    expect(got).toEqual(want);
    expect(got.find((p) => p.ext === 1)?.arrivalMs).toBe(2); // first copy (k = 2), not k = 10
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await compact(dir)).toMatchObject([{ rewritten: false }, { rewritten: false }]);
  });

  it('drops a torn tail', async () => {
    const dir = await tempDir();
    await messy(dir);
    const file = join(dir, 'track-1.log');
    await writeFile(file, Buffer.concat([await readFile(file), Buffer.from([0x53, 0x52, 1])]));
    const [, r1] = await compact(dir);
    expect(r1).toMatchObject({ rewritten: true, records: 5 });
    expect((await openRecording(dir)).tornTails).toEqual([]);
  });

  it('a crash mid-compaction leaves the old log whole; the temp file is ignored, then cleaned', async () => {
    const dir = await tempDir();
    await messy(dir);
    const old = await readFile(join(dir, 'track-0.log'));
    // Simulated crash: a half-written compacted log and a half-written meta.json.tmp remain.
    await writeFile(join(dir, 'track-0.log.tmp'), old.subarray(0, 50));
    await writeFile(join(dir, 'meta.json.tmp'), '{"vers');
    const rec = await openRecording(dir);
    expect([...rec.tempFiles].sort()).toEqual(['meta.json.tmp', 'track-0.log.tmp']);
    expect(rec.tracks[0]!.count).toBe(20);
    expect(rec.tornTails).toEqual([]);
    expect(await readFile(join(dir, 'track-0.log'))).toEqual(old);

    const w = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0 });
    expect([...w.removedTempFiles].sort()).toEqual(['meta.json.tmp', 'track-0.log.tmp']);
    await w.close();
    expect((await readdir(dir)).sort()).toEqual(['meta.json', 'track-0.log', 'track-1.log']);

    await writeFile(join(dir, 'track-1.log.tmp'), 'junk');
    await compact(dir);
    expect((await readdir(dir)).sort()).toEqual(['meta.json', 'track-0.log', 'track-1.log']);
    expect((await openRecording(dir)).tracks[0]!.count).toBe(20);
  });
});
