/**
 * `/api/archive` and the archive metrics over the real operators' HTTP listener, from a real
 * archive directory written by the segment writer: spans, the gap with its reason, bytes,
 * oldest; clips and programmes from a provider (empty without one); `?path=`; and
 * seamd_archive_bytes / _oldest_seconds / _gaps_total with the archive's values, the gap counter
 * rising once per new gap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeArchive, storeFacts } from '../../../src/store/archive-describe.js';
import type { NamedSpan } from '../../../src/store/named-spans.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { HTTP_ACCESS_DEFAULTS } from '../../../src/telemetry/access.js';
import type { ArchiveDocument, ArchiveFeed } from '../../../src/telemetry/archive-api.js';
import { TELEMETRY_DEFAULTS } from '../../../src/telemetry/config.js';
import { Telemetry } from '../../../src/telemetry/engine.js';
import { startOperatorHttp } from '../../../src/telemetry/runtime.js';
import { memoryLogger } from '../../helpers/log.js';
import { tempDir } from '../../helpers/tmp.js';
import { end, segment, T0 } from '../archive/archive-kit.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

async function serve(feed: ArchiveFeed | undefined) {
  const log = memoryLogger();
  const t = new Telemetry({ config: TELEMETRY_DEFAULTS, rules: [], log: log.log, tickMs: 0 });
  t.start({ sources: () => [], sessions: () => [] });
  const http = await startOperatorHttp(
    t,
    {
      listen: { host: '127.0.0.1', port: 0 },
      access: HTTP_ACCESS_DEFAULTS,
      ...(feed ? { archive: feed } : {}),
      now: () => T0 + 100_000,
    },
    log.log,
  );
  stops.push(
    () => t.stop(),
    () => http.stop(),
  );
  const base = `http://127.0.0.1:${http.address.port}`;
  return {
    base,
    api: async (q = '') => {
      const res = await fetch(`${base}/api/archive${q}`);
      expect(res.status).toBe(200);
      return (await res.json()) as ArchiveDocument;
    },
    metrics: async () => (await fetch(`${base}/metrics`)).text(),
  };
}

async function archive() {
  const store = await ArchiveStore.open(await tempDir(), 'live');
  await segment(store, T0, 3, store.newSection(), { endReason: 'origin closed the session' });
  await segment(store, T0 + 10_000, 2, store.newSection());
  return store;
}

function feedOf(store: ArchiveStore, named?: NamedSpan[]): ArchiveFeed {
  return {
    describe: () => [
      { description: describeArchive('live', storeFacts(store)), retentionMs: 3_600_000 },
    ],
    ...(named ? { named: (path?: string) => named.filter((n) => !path || n.path === path) } : {}),
    rtsp: { host: null, port: 8554 },
  };
}

describe('/api/archive', () => {
  it('spans, gaps with reasons, bytes and oldest per path; no provider: no clips', async () => {
    const store = await archive();
    const { api } = await serve(feedOf(store));
    const doc = await api();
    expect(doc.nowMs).toBe(T0 + 100_000);
    expect(doc.rtsp).toEqual({ host: null, port: 8554 });
    expect(doc.clips).toEqual([]);
    expect(doc.programmes).toEqual([]);
    expect(doc.paths).toHaveLength(1);
    const p = doc.paths[0]!;
    expect(p.path).toBe('live');
    expect(p.retentionSec).toBe(3600);
    expect(p.bytes).toBe(store.bytes);
    expect(p.bytes).toBeGreaterThan(0);
    expect(p.oldestMs).toBe(T0);
    expect(p.oldest).toBe(new Date(T0).toISOString());
    expect(p.spans.map((s) => [s.fromMs, s.toMs])).toEqual([
      [T0, end(T0, 3)],
      [T0 + 10_000, end(T0 + 10_000, 2)],
    ]);
    expect(p.gaps).toEqual([
      expect.objectContaining({
        fromMs: end(T0, 3),
        toMs: T0 + 10_000,
        reason: 'origin closed the session',
      }),
    ]);
    expect((await api('?path=other')).paths).toEqual([]);
    expect((await api('?path=live')).paths).toHaveLength(1);
  });

  it('lists the clips and programmes a provider gives', async () => {
    const store = await archive();
    const clip: NamedSpan = {
      kind: 'clip',
      name: 'goal',
      path: 'live',
      fromMs: T0 + 1000,
      toMs: T0 + 2000,
      url: 'rtsp://h/clips/goal',
      pinnedBytes: 123,
    };
    const prog: NamedSpan = {
      ...clip,
      kind: 'programme',
      name: 'news',
      url: 'rtsp://h/live/news/x',
    };
    delete prog.pinnedBytes;
    const { api } = await serve(feedOf(store, [prog, clip]));
    const doc = await api();
    expect(doc.clips).toEqual([clip]);
    expect(doc.programmes).toEqual([prog]);
  });

  it('answers an empty listing without archives, and 400 for a bad path', async () => {
    const { api, base } = await serve(undefined);
    const doc = await api();
    expect(doc.paths).toEqual([]);
    expect(doc.rtsp).toBeNull();
    expect((await fetch(`${base}/api/archive?path=../x`)).status).toBe(400);
  });
});

describe('archive metrics', () => {
  it('bytes, oldest (unix seconds) and gaps per path; a new gap counts once', async () => {
    const store = await archive();
    const { metrics } = await serve(feedOf(store));
    let text = await metrics();
    expect(text).toContain(`seamd_archive_bytes{path="live"} ${store.bytes}`);
    expect(text).toContain(`seamd_archive_oldest_seconds{path="live"} ${T0 / 1000}`);
    expect(text).toContain('seamd_archive_gaps_total{path="live"} 1');
    text = await metrics();
    expect(text).toContain('seamd_archive_gaps_total{path="live"} 1');
    // Another outage: a third section after a gap.
    await segment(store, T0 + 30_000, 1, store.newSection());
    text = await metrics();
    expect(text).toContain('seamd_archive_gaps_total{path="live"} 2');
    // Retention drops the oldest section: oldest moves, the counter does not fall.
    await store.expire((s) => s.state.startMs === T0);
    text = await metrics();
    expect(text).toContain(`seamd_archive_oldest_seconds{path="live"} ${(T0 + 10_000) / 1000}`);
    expect(text).toContain('seamd_archive_gaps_total{path="live"} 2');
    expect(text).toContain(`seamd_archive_bytes{path="live"} ${store.bytes}`);
  });
});
