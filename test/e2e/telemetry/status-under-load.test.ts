/**
 * The operators' view while seamd relays: 30 viewers (raw clients, half TCP, half UDP) of the
 * shared live mount; /api/status and /metrics answer within a second every time, list every
 * viewer, and unknown paths / other methods get 404 / 405.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import type { StatusDocument } from '../../../src/telemetry/status.js';
import { playAll } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const VIEWERS = 30;

let http: string;

const { origin, seamd } = withOriginAndSeamd({
  timeoutMs: 60000,
  config: () => `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, http: 127.0.0.1:0 }
upstream: { transport: udp }
paths:
  live: ${origin.url('live')}
`,
});

beforeAll(() => {
  http = `http://127.0.0.1:${seamd.handle.addresses.http?.port ?? 0}`;
});

async function timed(path: string): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(`${http}${path}`);
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, body };
}

describe('status API under load', () => {
  it(`answers in < 1 s while ${VIEWERS} viewers play`, async () => {
    const to = { host: '127.0.0.1', port: seamd.port };
    const players = Array.from({ length: VIEWERS }, (_, i) =>
      playAll(to, seamd.url('live'), i % 2 === 0 ? 'tcp' : 'udp', { maxMs: 12000 }),
    );
    await new Promise((r) => setTimeout(r, 4000));
    const statusMs: number[] = [];
    const metricsMs: number[] = [];
    let listed = 0;
    for (let i = 0; i < 8; i++) {
      const s = await timed('/api/status');
      const m = await timed('/metrics');
      expect(s.status).toBe(200);
      expect(m.status).toBe(200);
      statusMs.push(s.ms);
      metricsMs.push(m.ms);
      const doc = JSON.parse(s.body) as StatusDocument;
      listed = Math.max(
        listed,
        doc.sources.reduce((n, src) => n + src.viewers.length, 0),
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    let table = '';
    const code = await runCli(['node', 'seamd', 'status', '--url', `${http}/api/status`], {
      stdout: (t) => (table += t),
      stderr: () => undefined,
    });
    const results = await Promise.all(players);
    expect(code).toBe(0);
    expect(table).toMatch(/^source src-\S+ {2}live {2}upstream live/m);
    expect(table.match(/ 127\.0\.0\.1 +(tcp|udp) +(playing|joining) /g)?.length).toBe(VIEWERS);
    const worst = (xs: number[]): string => Math.max(...xs).toFixed(1);
    console.log(
      `${VIEWERS} viewers: status max ${worst(statusMs)} ms, metrics max ${worst(metricsMs)} ms ` +
        `(medians ${statusMs.sort((a, b) => a - b)[4]?.toFixed(1)} / ${metricsMs.sort((a, b) => a - b)[4]?.toFixed(1)} ms), listed ${listed}`,
    );
    expect(listed).toBe(VIEWERS);
    expect(Math.max(...statusMs)).toBeLessThan(1000);
    expect(Math.max(...metricsMs)).toBeLessThan(1000);
    for (const r of results) expect(r.rtp[0]?.length ?? 0).toBeGreaterThan(50);
  }, 60000);

  it('404 for unknown paths, 405 for other methods', async () => {
    expect((await timed('/nope')).status).toBe(404);
    const post = await fetch(`${http}/api/status`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect((await timed('/metrics?x=1')).status).toBe(200);
  });
});
