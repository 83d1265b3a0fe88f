/**
 * RepairService decisions without an origin: what request() does per schedule, for unknown and
 * gone recordings, and off-peak queuing (nothing runs outside a window).
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parseConfigText, type Config } from '../../../src/daemon/config.js';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { readMeta, writeMeta } from '../../../src/store/meta.js';
import { RepairService } from '../../../src/repair/service.js';
import { tempDir } from '../../helpers/tmp.js';

const log = pino({ level: 'silent' });

/** What the daemon injects: the repair section, path origins, and legs (none are opened here). */
function repairDeps(config: Config) {
  return {
    config: () => config.repair,
    pathOrigin: (name: string) => config.paths[name]?.origin,
    createLeg: (): never => {
      throw new Error('no leg is opened in these tests');
    },
  };
}

async function setup(
  yaml: string,
): Promise<{ catalog: RecordingCatalog; id: string; config: Config }> {
  const dir = await tempDir('seamd-repair-svc-');
  const config = parseConfigText(`recordings: { dir: ${dir} }\n${yaml}`, 'x.yaml');
  const catalog = new RecordingCatalog({ dir, log, quotaBytes: 0, keyOf: (u) => u });
  await catalog.open();
  const { entry, writer } = await catalog.create({
    originUrl: 'rtsp://127.0.0.1:9/x',
    path: 'x',
    sdp: 'v=0\r\n',
    sdpIdentity: 'id',
    live: false,
    durationSec: 10,
    tracks: [{ index: 0, clockRate: 90000, payloadTypes: [96] }],
  });
  await writer.close('partial');
  await catalog.finished(entry.id);
  return { catalog, id: entry.id, config };
}

describe('RepairService.request', () => {
  it('manual: logged and ignored; unknown recording: unknown', async () => {
    const { catalog, id, config } = await setup('repair: { schedule: manual }');
    const svc = new RepairService({ ...repairDeps(config), catalog, log });
    svc.start();
    expect(svc.request(id, 'test')).toBe('manual');
    expect(svc.request('nope', 'test')).toBe('unknown');
    expect(svc.status()).toEqual({ queued: [], running: undefined });
    await svc.stop();
  });

  it('a recording whose content is gone is never queued again', async () => {
    const { catalog, id, config } = await setup('');
    const dir = catalog.get(id)?.dir ?? '';
    const meta = await readMeta(dir);
    meta.repair = {
      status: 'gone',
      reason: 'origin answered 404',
      attempts: 0,
      lastAttemptAt: meta.updatedAt,
    };
    await writeMeta(dir, meta);
    await catalog.changed(id);
    const svc = new RepairService({ ...repairDeps(config), catalog, log });
    expect(svc.request(id, 'viewer')).toBe('gone');
  });

  it('off-peak outside its window: queued, nothing runs; a second request is not queued twice', async () => {
    const { catalog, id, config } = await setup(
      'repair: { schedule: off-peak, offPeak: ["03:00-04:00"] }',
    );
    const noon = new Date(2026, 0, 1, 12, 0, 0);
    const svc = new RepairService({ ...repairDeps(config), catalog, log, now: () => noon });
    svc.start();
    expect(svc.request(id, 'viewer')).toBe('queued');
    expect(svc.request(id, 'viewer')).toBe('already-queued');
    await new Promise((r) => setTimeout(r, 50));
    expect(svc.status()).toEqual({ queued: [id], running: undefined });
    expect(catalog.get(id)?.writing).toBe(false);
    await svc.stop();
    expect(svc.status().queued).toEqual([]);
  });
});
