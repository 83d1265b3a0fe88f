/**
 * A SIGKILL of the real daemon process in the middle of a recording: after a restart the
 * recording is recovered (torn tail cut, state partial), holds everything up to at most a second
 * before the kill, and is served from disk (origin stopped) with exactly what it holds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Running } from '../../helpers/cli.js';
import { longClip, startOrigin, type Origin } from '../../helpers/origin.js';
import { freeEvenUdpPort, freeTcpPort } from '../../helpers/ports.js';
import { payloadOf, playAll, RawRtspClient } from '../../helpers/raw-client.js';
import { openRecording } from '../../../src/store/reader.js';
import { completenessOf } from '../../../src/store/completeness.js';

let origin: Origin | undefined;
let dir: string;
const running: Running[] = [];

beforeAll(async () => {
  origin = await startOrigin({ longClip: await longClip() });
  dir = mkdtempSync(join(tmpdir(), 'seamd-crash-'));
});

afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL');
  await origin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(cfg: string): Promise<Running> {
  const r = runCli(['run', '--config', cfg, '--no-pretty']);
  running.push(r);
  await r.waitFor('rtsp.listen');
  return r;
}

describe('SIGKILL mid-recording', () => {
  it('loses at most the last second; after restart the recording opens and is served', async () => {
    if (!origin) throw new Error('no origin');
    const port = await freeTcpPort();
    const rtp = await freeEvenUdpPort();
    const cfg = join(dir, 'seamd.yaml');
    writeFileSync(
      cfg,
      `
listen: { rtsp: 127.0.0.1:${port}, rtp: 127.0.0.1:${rtp} }
paths:
  long: { origin: ${origin.url('long')} }
recordings: { dir: ${join(dir, 'recs')}, revalidateTimeoutMs: 500 }
serve: { minCompleteness: 10 }
repair: { schedule: manual }
`,
    );
    const first = await start(cfg);
    const url = `rtsp://127.0.0.1:${port}/long`;

    // A viewer plays; 6 s into the recording the daemon is killed.
    const viewer = await RawRtspClient.connect('127.0.0.1', port);
    await viewer.request('DESCRIBE', url, { Accept: 'application/sdp' });
    let session = '';
    for (let t = 0; t < 2; t++) {
      const r = await viewer.request('SETUP', `${url}/trackID=${t}`, {
        Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * t}-${2 * t + 1}`,
        ...(session ? { Session: session } : {}),
      });
      session = (r.headers.get('Session') ?? '').split(';')[0] ?? '';
    }
    expect((await viewer.request('PLAY', url, { Session: session })).status).toBe(200);
    await first.waitFor('recording.start');
    await new Promise((r) => setTimeout(r, 6000));
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe(null);
    await new Promise((r) => setTimeout(r, 200));
    viewer.close();
    const video = viewer.frames.filter((f) => f.channel === 0);
    const beforeLastSecond = video.filter((f) => f.at <= killedAt - 1000).length;
    expect(beforeLastSecond).toBeGreaterThan(500);

    // Restart: the interrupted recording is recovered.
    await origin.stop();
    origin = undefined;
    const second = await start(cfg);
    const recovered = second.lines.find((l) => l.event === 'recording.recover');
    expect(recovered).toBeDefined();
    const opened = second.lines.find((l) => l.event === 'recordings.open');
    expect(opened?.recordings).toBe(1);
    expect(opened?.errors).toBe(0);

    const rec = await openRecording(join(dir, 'recs', String(recovered?.recording)));
    expect(rec.meta.state).toBe('partial');
    expect(rec.tornTails).toEqual([]);
    const stored = rec.track(0);
    // Everything the viewer had a second before the kill is on disk, in the same order.
    expect(stored.count).toBeGreaterThanOrEqual(beforeLastSecond);
    expect(stored.count).toBeLessThanOrEqual(video.length);
    expect(stored.gaps()).toEqual([]);
    const c = completenessOf(rec);
    expect(c.percent).toBeGreaterThan(20);
    expect(c.percent).toBeLessThan(60);

    // Served from disk with the origin gone: exactly the stored packets, then BYE.
    const replay = await playAll({ host: '127.0.0.1', port }, url, 'tcp', { maxMs: 15000 });
    expect(replay.rtp[0]?.length).toBe(stored.count);
    const got = (replay.rtp[0] ?? []).map((p) => payloadOf(p).toString('base64'));
    const had = video.slice(0, stored.count).map((f) => payloadOf(f.payload).toString('base64'));
    expect(got.findIndex((p, i) => p !== had[i])).toBe(-1);
    await second.waitFor('playout.end', 15000).catch(() => undefined);
    expect(second.lines.some((l) => l.event === 'cache.hit')).toBe(true);
  }, 90000);
});
