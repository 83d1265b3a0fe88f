/**
 * Live content is shared: viewers of the same live mount ride one upstream session, and one
 * viewer leaving does not disturb the others.
 */
import { describe, expect, it } from 'vitest';
import { ffmpegDecode } from '../../helpers/players.js';
import { payloadOf, playAll } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
paths:
  live: { origin: ${origin.url('live')} }
`,
});

describe('live mount', () => {
  it('two ffmpeg viewers at once (TCP and UDP) decode clean over one upstream session', async () => {
    const opensBefore = seamd.events('source.open').length;
    const [a, b] = await Promise.all([
      ffmpegDecode(seamd.url('live'), 'tcp', { durationSec: 4 }),
      ffmpegDecode(seamd.url('live'), 'udp', { durationSec: 4 }),
    ]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(seamd.events('source.open').length - opensBefore).toBeLessThanOrEqual(1);
    expect(seamd.events('viewer.join').length).toBeGreaterThanOrEqual(2);
  }, 40000);

  it('one viewer leaving does not disturb the other', async () => {
    const to = { host: '127.0.0.1', port: seamd.port };
    const longRun = playAll(to, seamd.url('live'), 'tcp', { maxMs: 6000 });
    await new Promise((r) => setTimeout(r, 500));
    const shortRun = await playAll(to, seamd.url('live'), 'udp', { maxMs: 2000 });
    const long = await longRun;
    for (let t = 0; t < 2; t++) {
      const packets = long.rtp[t] ?? [];
      // 6 s of 25 fps video / 44.1 kHz AAC: well over a hundred packets per track.
      expect(packets.length).toBeGreaterThan(100);
      const seqs = packets.map((p) => p.readUInt16BE(2));
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(((seqs[i - 1] ?? 0) + 1) & 0xffff);
      // The short viewer saw a slice of the same stream.
      const longPayloads = new Set(packets.map((p) => payloadOf(p).toString('base64')));
      const short = shortRun.rtp[t] ?? [];
      expect(short.length).toBeGreaterThan(10);
      const foreign = short.filter((p) => !longPayloads.has(payloadOf(p).toString('base64')));
      expect(foreign).toEqual([]);
    }
    // Both were fed by one source (shared upstream).
    const joins = seamd.events('viewer.join').slice(-2);
    expect(joins[0]?.source).toBe(joins[1]?.source);
  }, 40000);
});
