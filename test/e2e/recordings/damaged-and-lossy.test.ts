/**
 * Recordings that are not perfect: one made through a lossy leg is served from disk with exactly
 * the packets it holds (no more loss); damaged files give a clear error for that recording, the
 * daemon lives on and the viewer is served by the origin instead.
 */
import { mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { openRecording } from '../../../src/store/reader.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { playAll } from '../../helpers/raw-client.js';
import { startSeamd, waitFor } from '../../helpers/seamd.js';
import { withOrigin } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

const { origin } = withOrigin();
const root = fileTempDir('seamd-damaged-');

const config = (dir: string, extra = '') => `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
paths:
  file: { origin: ${origin.url('file')}, seam: { maxLegs: 1 } }
recordings: { dir: ${dir} }
# Served as recorded: no repair behind the test's back.
repair: { schedule: manual }
${extra}`;

describe('a recording made through a lossy leg', () => {
  it('is served from disk with exactly the packets it holds', async () => {
    const dir = join(root, 'lossy');
    const seamd = await startSeamd(config(dir, 'serve: { minCompleteness: 80 }'), {
      lossFor: (_req, leg) => (leg === 0 ? bernoulli(10, 4242) : undefined),
    });
    try {
      const at = { host: '127.0.0.1', port: seamd.port };
      await playAll(at, seamd.url('file'), 'tcp', { maxMs: 15000, idleMs: 3000 });
      await waitFor(seamd, 'recording.finish');
      const fin = seamd.events('recording.finish')[0];
      expect(fin?.state).toBe('partial');
      expect(Number(fin?.completeness)).toBeGreaterThan(85);
      expect(Number(fin?.completeness)).toBeLessThan(95);
      const entry = seamd.handle.catalog?.list()[0];
      const rec = await openRecording(entry?.dir ?? '');

      const replay = await playAll(at, seamd.url('file'), 'udp', { maxMs: 15000, idleMs: 3000 });
      expect(seamd.events('cache.hit')).toHaveLength(1);
      for (let t = 0; t < 2; t++) {
        const track = rec.track(t);
        const stored: number[] = [];
        for await (const p of track.readRange(track.firstExt ?? 0, track.lastExt ?? 0)) {
          stored.push(p.ext & 0xffff);
        }
        expect(track.gaps().length).toBeGreaterThan(0);
        const got = (replay.rtp[t] ?? []).map((p) => p.readUInt16BE(2));
        expect(got).toEqual(stored);
      }
    } finally {
      await seamd.stop();
    }
  }, 60000);
});

describe('damaged recordings', () => {
  it('a garbage meta.json and a corrupted log: clear errors, the origin serves instead', async () => {
    const dir = join(root, 'damaged');
    // A good recording first, made through seamd.
    let seamd = await startSeamd(config(dir));
    await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('file'), 'tcp', {
      maxMs: 15000,
    });
    await waitFor(seamd, 'recording.finish');
    expect(seamd.events('recording.finish')[0]?.state).toBe('complete');
    await seamd.stop();
    const [id] = readdirSync(dir);
    // Corrupt bytes in the middle of the video log; add a recording whose meta is garbage.
    const log = openSync(join(dir, id ?? '', 'track-0.log'), 'r+');
    writeSync(log, Buffer.alloc(64, 0xee), 0, 64, 20000);
    mkdirSync(join(dir, 'garbage'));
    writeFileSync(join(dir, 'garbage', 'meta.json'), '{ nope');

    seamd = await startSeamd(config(dir));
    try {
      expect(seamd.events('recordings.open')[0]?.errors).toBe(1);
      const ff = await ffmpegDecode(seamd.url('file'), 'tcp');
      expect(ff.stderr).toBe('');
      expect(ff.code).toBe(0);
      const errors = seamd.events('recording.error');
      expect(errors.map((e) => e.code)).toContain('STORE_CORRUPT');
      expect(errors.some((e) => String(e.reason).includes('track-0.log'))).toBe(true);
      expect(errors.some((e) => String(e.reason).includes('meta.json'))).toBe(true);
      expect(seamd.events('cache.hit')).toHaveLength(0);
      // The viewer went to the origin, and the daemon still answers.
      expect(seamd.events('source.open').length).toBeGreaterThan(0);
      const again = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('file'), 'tcp', {
        maxMs: 15000,
      });
      expect(again.rtp[0]?.length).toBeGreaterThan(100);
    } finally {
      await seamd.stop();
    }
  }, 60000);
});
