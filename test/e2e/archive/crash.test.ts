/**
 * The real daemon process SIGKILLed while archiving the live mount: at most the last second is
 * lost, the segment it left open is recovered at the next start, and the archive goes on with a
 * gap (logged from the last packet kept to the first after the restart).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Running } from '../../helpers/cli.js';
import { startOrigin, type Origin } from '../../helpers/origin.js';
import { freeEvenUdpPort, freeTcpPort } from '../../helpers/ports.js';
import { fileTempDir } from '../../helpers/tmp.js';
import { ArchiveStore } from '../../../src/store/segments.js';

let origin: Origin | undefined;
const dir = fileTempDir('seamd-archive-crash-');
const running: Running[] = [];

beforeAll(async () => {
  origin = await startOrigin();
});

afterAll(async () => {
  for (const r of running) r.child.kill('SIGKILL');
  await origin?.stop();
});

describe('SIGKILL while archiving', () => {
  it('loses at most the last second; the restart recovers it and continues with a gap', async () => {
    if (!origin) throw new Error('no origin');
    const cfg = join(dir, 'seamd.yaml');
    writeFileSync(
      cfg,
      `
listen: { rtsp: 127.0.0.1:${await freeTcpPort()}, rtp: 127.0.0.1:${await freeEvenUdpPort()} }
recordings: { dir: ${join(dir, 'recs')} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 1h, segment: 1h } }
`,
    );
    const first = runCli(['run', '--config', cfg, '--no-pretty']);
    running.push(first);
    await first.waitFor('archive.start');
    await new Promise((r) => setTimeout(r, 6000));
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe(null);

    const second = runCli(['run', '--config', cfg, '--no-pretty']);
    running.push(second);
    const recovered = await second.waitFor('archive.recover', 20000);
    expect(recovered.path).toBe('live');
    const gap = await second.waitFor('archive.gap', 20000);
    const over = gap.to ? gap : await second.waitFor('archive.gap', 20000);
    const from = Date.parse(String(over.from));
    // The archive held everything up to a second before the kill.
    expect(from).toBeGreaterThanOrEqual(killedAt - 1000);
    expect(from).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(String(over.to))).toBeGreaterThan(killedAt);
    await new Promise((r) => setTimeout(r, 2000));
    second.child.kill('SIGKILL');
    await second.exited;
    const store = await ArchiveStore.open(join(dir, 'recs'), 'live');
    const segs = store.segments();
    expect(segs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(segs.map((s) => s.state.section)).size).toBeGreaterThanOrEqual(2);
    expect(Math.abs(segs[0]!.state.endMs - from)).toBeLessThan(1);
  }, 90000);
});
