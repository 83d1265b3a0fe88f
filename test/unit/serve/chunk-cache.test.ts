import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK_PACKETS, ChunkCache, ChunkReader } from '../../../src/serve/chunk-cache.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { rtp, sampleMeta, tempDir } from '../store/helpers.js';

async function recording(count: number, drop: (ext: number) => boolean = () => false) {
  const dir = join(await tempDir(), 'rec');
  const w = await RecordingWriter.create(dir, sampleMeta(1), { flushIntervalMs: 0 });
  for (let ext = 100; ext < 100 + count; ext++) {
    if (!drop(ext)) w.append(0, ext, rtp(ext, ext * 3000, { size: 100 }), 0);
  }
  await w.close('complete');
  return (await openRecording(dir)).track(0);
}

async function readAll(reader: ChunkReader): Promise<number[]> {
  const exts: number[] = [];
  for (let chunk = await reader.next(); chunk; chunk = await reader.next()) {
    expect(chunk.length).toBeGreaterThan(0);
    for (const p of chunk) exts.push(p.ext);
  }
  return exts;
}

describe('ChunkCache / ChunkReader', () => {
  it('reads every stored packet from a start ext to the end, gaps left out', async () => {
    const track = await recording(3 * CHUNK_PACKETS, (e) => e % 97 === 0);
    const exts = await readAll(new ChunkReader(new ChunkCache(), track, 700, track.lastExt ?? 0));
    const want: number[] = [];
    for (let e = 700; e < 100 + 3 * CHUNK_PACKETS; e++) if (e % 97 !== 0) want.push(e);
    expect(exts).toEqual(want);
  });

  it('viewers at the same place share one read per chunk', async () => {
    const track = await recording(2 * CHUNK_PACKETS);
    const cache = new ChunkCache();
    const readers = Array.from(
      { length: 10 },
      () => new ChunkReader(cache, track, 100, track.lastExt ?? 0),
    );
    const all = await Promise.all(readers.map(readAll));
    for (const exts of all) expect(exts).toHaveLength(2 * CHUNK_PACKETS);
    // exts 100..1123 span chunks 0, 1 and 2: three reads for ten viewers.
    expect(cache.misses).toBe(3);
    expect(cache.hits).toBe(27);
  });

  it('stays within its byte bound (least recently used chunks go)', async () => {
    const track = await recording(8 * CHUNK_PACKETS);
    const cache = new ChunkCache(100_000);
    await readAll(new ChunkReader(cache, track, 100, track.lastExt ?? 0));
    expect(cache.bytes).toBeLessThanOrEqual(100_000);
    expect(cache.bytes).toBeGreaterThan(0);
    // The last chunk is still there; the first one was evicted and is read again.
    const misses = cache.misses;
    await cache.get(track, Math.floor((track.lastExt ?? 0) / CHUNK_PACKETS));
    expect(cache.misses).toBe(misses);
    await cache.get(track, 0);
    expect(cache.misses).toBe(misses + 1);
  });

  it('opens a track log once for many chunk reads and closes it when idle', async () => {
    const track = await recording(4 * CHUNK_PACKETS);
    const cache = new ChunkCache(64 * 1024 * 1024, 50);
    const exts = await readAll(new ChunkReader(cache, track, 100, track.lastExt ?? 0));
    expect(exts).toHaveLength(4 * CHUNK_PACKETS);
    expect(cache.misses).toBe(5);
    expect(cache.opens).toBe(1);
    expect(cache.openHandles).toBe(1);
    for (let i = 0; i < 50 && cache.openHandles > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(cache.openHandles).toBe(0);
    // Read again after the close: opened again, same packets.
    await cache.get(track, 9);
    expect(cache.opens).toBe(2);
    const again = new ChunkCache(0, 50);
    expect((await again.get(track, 0)).map((p) => p.ext)).toEqual(
      exts.slice(0, CHUNK_PACKETS - 100),
    );
    expect(again.opens).toBe(1);
  });
});
