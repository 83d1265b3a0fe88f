/**
 * `/api/status` carries the daemon's own figures (`process`): memory, and the active resources
 * by type — what an endurance run watches for growth.
 */
import { HTTP_ACCESS_DEFAULTS } from '../../../src/telemetry/access.js';
import { describe, expect, it } from 'vitest';
import { processFacts } from '../../../src/telemetry/process-facts.js';
import { TELEMETRY_DEFAULTS } from '../../../src/telemetry/config.js';
import { Telemetry } from '../../../src/telemetry/engine.js';
import { startOperatorHttp } from '../../../src/telemetry/runtime.js';
import type { StatusDocument } from '../../../src/telemetry/status.js';
import { memoryLogger } from '../../helpers/log.js';

describe('process facts', () => {
  it('counts the active timers and sockets by type, and reads memory', () => {
    const before = processFacts();
    const timers = [setTimeout(() => undefined, 60_000), setTimeout(() => undefined, 60_000)];
    const during = processFacts();
    for (const t of timers) clearTimeout(t);
    const after = processFacts();
    expect((during.resources.Timeout ?? 0) - (before.resources.Timeout ?? 0)).toBe(2);
    expect(after.resources.Timeout ?? 0).toBe(before.resources.Timeout ?? 0);
    expect(during.pid).toBe(process.pid);
    expect(during.rssBytes).toBeGreaterThan(during.heapUsedBytes);
    expect(during.heapUsedBytes).toBeGreaterThan(0);
    expect(during.heapTotalBytes).toBeGreaterThanOrEqual(during.heapUsedBytes);
  });

  it('is served in /api/status', async () => {
    const log = memoryLogger();
    const t = new Telemetry({ config: TELEMETRY_DEFAULTS, rules: [], log: log.log, tickMs: 0 });
    t.start({ sources: () => [], sessions: () => [] });
    const http = await startOperatorHttp(
      t,
      { listen: { host: '127.0.0.1', port: 0 }, access: HTTP_ACCESS_DEFAULTS },
      log.log,
    );
    try {
      const res = await fetch(`http://127.0.0.1:${http.address.port}/api/status`);
      const doc = (await res.json()) as StatusDocument;
      expect(doc.sources).toEqual([]);
      expect(doc.process?.pid).toBe(process.pid);
      expect(doc.process?.heapUsedBytes).toBeGreaterThan(0);
      // The listening server itself is an active resource.
      expect(doc.process?.resources.TCPServerWrap ?? 0).toBeGreaterThanOrEqual(1);
    } finally {
      await http.stop();
      t.stop();
    }
  });
});
