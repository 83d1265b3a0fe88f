import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRecording } from '../../../src/store/reader.js';
import { StoreError } from '../../../src/store/errors.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { sampleMeta, tempDir, thrown } from './helpers.js';

async function recordingWithMeta(meta: string): Promise<string> {
  const dir = await tempDir();
  const w = await RecordingWriter.create(dir, sampleMeta(), { flushIntervalMs: 0 });
  await w.close();
  await writeFile(join(dir, 'meta.json'), meta);
  return dir;
}

async function validMeta(): Promise<Record<string, unknown>> {
  const dir = await tempDir();
  const w = await RecordingWriter.create(dir, sampleMeta(), { flushIntervalMs: 0 });
  await w.close();
  return JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
}

describe('meta.json', () => {
  it('is written with version, times and state', async () => {
    const meta = await validMeta();
    expect(meta).toMatchObject({ version: 1, state: 'complete', path: 'movie' });
    expect(Date.parse(meta.createdAt as string)).not.toBeNaN();
  });

  it.each([
    ['garbage', 'not json at all {', /meta\.json: not valid JSON/],
    ['empty', '', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['no version', '{"path":"x"}', /no format "version"/],
  ])('%s is STORE_CORRUPT naming the file', async (_name, text, re) => {
    const dir = await recordingWithMeta(text);
    const err = await thrown(() => openRecording(dir));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toMatch(re);
    expect((err as StoreError).file).toBe(join(dir, 'meta.json'));
  });

  it('a newer format version is STORE_VERSION', async () => {
    const meta = { ...(await validMeta()), version: 2 };
    const dir = await recordingWithMeta(JSON.stringify(meta));
    const err = await thrown(() => openRecording(dir));
    expect(err.code).toBe('STORE_VERSION');
    expect(err.message).toContain('format version 2 is not supported (this seamd reads 1)');
    expect((await thrown(() => RecordingWriter.openForAppend(dir))).code).toBe('STORE_VERSION');
  });

  it('names the bad fields', async () => {
    const meta = await validMeta();
    const tracks = meta.tracks as Array<Record<string, unknown>>;
    tracks[1]!.clockRate = 'fast';
    meta.state = 'weird';
    const dir = await recordingWithMeta(JSON.stringify(meta));
    const err = await thrown(() => openRecording(dir));
    expect(err.code).toBe('STORE_CORRUPT');
    expect(err.message).toContain('tracks.1.clockRate');
    expect(err.message).toContain('state');
  });

  it('track indexes must be 0..n-1', async () => {
    const meta = await validMeta();
    (meta.tracks as Array<Record<string, unknown>>)[1]!.index = 5;
    const dir = await recordingWithMeta(JSON.stringify(meta));
    expect((await thrown(() => openRecording(dir))).message).toContain('0, 1, 2');
  });

  it('a missing meta.json is STORE_IO', async () => {
    const dir = await recordingWithMeta('{}');
    await rm(join(dir, 'meta.json'));
    const err = await thrown(() => openRecording(dir));
    expect(err.code).toBe('STORE_IO');
    expect(err.message).toContain('ENOENT');
  });

  it('a missing track log is an empty track', async () => {
    const dir = await recordingWithMeta(JSON.stringify(await validMeta()));
    await rm(join(dir, 'track-1.log'));
    const rec = await openRecording(dir);
    expect(rec.tracks[1]!.count).toBe(0);
    expect(rec.tracks[1]!.firstExt).toBeUndefined();
    expect(rec.tracks[1]!.completeness()).toBe(0);
    expect(rec.tracks[1]!.seekNpt(1)).toBeUndefined();
    expect(() => rec.track(7)).toThrow(/no track 7/);
  });
});
