/**
 * The operators' HTTP listener on a real socket, and `seamd status` reading it (table and JSON).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTempDir } from '../../helpers/tmp.js';
import { runCli } from '../../../src/cli/main.js';
import { Aggregator } from '../../../src/telemetry/aggregate.js';
import { statusUrlFor } from '../../../src/cli/status.js';
import { OperatorHttp } from '../../../src/telemetry/http.js';
import { buildStatus, viewerId, type StatusDocument } from '../../../src/telemetry/status.js';
import { formatStatus } from '../../../src/cli/status-format.js';
import { memoryLogger } from '../../helpers/log.js';
import { leg, source, viewer } from './fixtures.js';

const snapshot = {
  at: 5000,
  sources: [
    source({
      id: 'src-1',
      path: 'cam1',
      originHost: '10.0.0.5:554',
      legs: [leg({ id: 'src-1-leg1', host: '10.0.0.5:554', lossPct: 1.234, clock: true })],
      viewers: [
        viewer({
          id: 'SECRET-session',
          network: '192.0.2.0/24',
          address: '192.0.2.9',
          lossPct: 4.567,
        }),
      ],
    }),
  ],
};
const agg = new Aggregator({ windowMs: 10_000, lossyPct: 2, cleanPct: 0.5 });
agg.add(snapshot);
const doc = buildStatus(
  {
    snapshot,
    origins: () => agg.origins(5000),
    networks: () => agg.networks(),
    findings: [],
    decisions: [],
  },
  5000,
  new Date('2026-11-21T10:00:00Z'),
);

const log = memoryLogger();
const http = new OperatorHttp(
  {
    metrics: () =>
      Promise.resolve({ contentType: 'text/plain; version=0.0.4', body: 'seamd_x 1\n' }),
    status: () => doc,
  },
  log.log,
);
let base = '';

beforeAll(async () => {
  const a = await http.start('127.0.0.1', 0);
  base = `http://127.0.0.1:${a.port}`;
});
afterAll(() => http.stop());

describe('operators HTTP', () => {
  it('GET /api/status and /metrics; 404 elsewhere; 405 for other methods', async () => {
    const s = await fetch(`${base}/api/status`);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toBe('application/json');
    const body = (await s.json()) as StatusDocument;
    expect(body.sources[0]?.legs[0]).toMatchObject({
      id: 'src-1-leg1',
      lossPct: 1.23,
      transport: 'udp',
    });
    expect(body.sources[0]?.viewers[0]).toMatchObject({ address: '192.0.2.9', lossPct: 4.57 });
    expect(JSON.stringify(body)).not.toContain('SECRET');
    expect(body.sources[0]?.viewers[0]?.id).toBe(viewerId('SECRET-session'));
    const m = await fetch(`${base}/metrics`);
    expect(await m.text()).toBe('seamd_x 1\n');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/api/status/x`)).status).toBe(404);
    const del = await fetch(`${base}/metrics`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET');
    expect(log.events('http.listen')[0]).toMatchObject({ host: '127.0.0.1' });
  });
});

describe('seamd status', () => {
  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(['node', 'seamd', ...args], {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
    });
    return { code, out, err };
  }

  it('prints sources, legs and viewers as a table', async () => {
    const r = await cli(['status', '--url', `${base}/api/status`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(formatStatus(doc));
    expect(r.out).toMatch(/source src-1 {2}cam1 {2}upstream live {2}origin 10\.0\.0\.5:554/);
    expect(r.out).toMatch(/src-1-leg1\* +udp +1\.23 /);
    expect(r.out).toMatch(/192\.0\.2\.9 +udp +playing +4\.57 /);
    expect(r.out).toMatch(/^ORIGIN +SOURCES +LOSS% +STATE$/m);
  });

  it('--json prints the document', async () => {
    const r = await cli(['status', '--json', '--url', `${base}/api/status`]);
    expect(JSON.parse(r.out)).toEqual(doc);
  });

  it('exit 2 without a listener to ask, 1 when it cannot be reached', async () => {
    // the embedded default config has the console on 127.0.0.1:9090; a file can turn it off
    const file = join(fileTempDir(), 'no-http.yaml');
    writeFileSync(file, 'listen: { http: null }\n');
    const none = await cli(['status', '--config', file]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/listen\.http is not set/);
    const down = await cli(['status', '--url', 'http://127.0.0.1:1/api/status']);
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/cannot get http:\/\/127\.0\.0\.1:1\/api\/status/);
    const notJson = await cli(['status', '--url', `${base}/metrics`]);
    expect(notJson.code).toBe(1);
  });

  it('the URL from listen.http asks a wildcard bind on loopback', () => {
    expect(statusUrlFor({ host: '0.0.0.0', port: 9090 })).toBe('http://127.0.0.1:9090/api/status');
    expect(statusUrlFor({ host: '::', port: 9090 })).toBe('http://[::1]:9090/api/status');
    expect(statusUrlFor({ host: '10.0.0.1', port: 1 })).toBe('http://10.0.0.1:1/api/status');
  });
});
