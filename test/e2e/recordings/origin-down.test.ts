/**
 * A copy beats an error: once the origin is gone, a recording that is not complete (below
 * `serve.minCompleteness`) is still served, with every packet it holds, and the log says why.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { openRecording } from '../../../src/store/reader.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { payloadOf, playAll } from '../../helpers/raw-client.js';
import { startSeamd, waitFor } from '../../helpers/seamd.js';
import { withOrigin } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

const { origin } = withOrigin();
const root = fileTempDir('seamd-origin-down-');

describe('origin down, partial recording', () => {
  it('is served from disk: every stored packet, ffmpeg decodes, cache.hit says why', async () => {
    const seamd = await startSeamd(
      `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
paths:
  file: { origin: ${origin.url('file')}, seam: { maxLegs: 1 } }
recordings: { dir: ${join(root, 'rec')} }
repair: { schedule: manual }
`,
      { lossFor: (_req, leg) => (leg === 0 ? bernoulli(10, 777) : undefined) },
    );
    try {
      const at = { host: '127.0.0.1', port: seamd.port };
      await playAll(at, seamd.url('file'), 'tcp', { maxMs: 15000, idleMs: 3000 });
      await waitFor(seamd, 'recording.finish');
      const completeness = Number(seamd.events('recording.finish')[0]?.completeness);
      expect(completeness).toBeGreaterThan(80);
      expect(completeness).toBeLessThan(100);

      // While the origin is up, a recording below minCompleteness (100) is not served.
      const upstream = await playAll(at, seamd.url('file'), 'tcp', { maxMs: 15000, idleMs: 3000 });
      expect(upstream.rtp[0]?.length).toBeGreaterThan(0);
      expect(seamd.events('cache.hit')).toHaveLength(0);

      await origin.stop();
      const replay = await playAll(at, seamd.url('file'), 'tcp', { maxMs: 15000, idleMs: 3000 });
      const hit = seamd.events('cache.hit');
      expect(hit).toHaveLength(1);
      expect(hit[0]?.fallback).toBe('origin-unreachable');
      expect(Number(hit[0]?.completeness)).toBeLessThan(100);

      const entry = seamd.handle.catalog?.list().find((e) => e.id === hit[0]?.recording);
      const rec = await openRecording(entry?.dir ?? '');
      for (let t = 0; t < 2; t++) {
        const track = rec.track(t);
        const stored: string[] = [];
        for await (const p of track.readRange(track.firstExt ?? 0, track.lastExt ?? 0)) {
          stored.push(`${p.ext & 0xffff}:${payloadOf(p.packet).toString('base64')}`);
        }
        expect(stored.length).toBeGreaterThan(50);
        const got = (replay.rtp[t] ?? []).map(
          (p) => `${p.readUInt16BE(2)}:${payloadOf(p).toString('base64')}`,
        );
        expect(got).toEqual(stored);
      }

      const ff = await ffmpegDecode(seamd.url('file'), 'tcp');
      expect(ff.code).toBe(0);
      expect(seamd.events('cache.hit')).toHaveLength(2);
    } finally {
      await seamd.stop();
    }
  }, 90000);
});
