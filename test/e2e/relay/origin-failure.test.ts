/**
 * The origin dies mid-stream: viewers are told (RTCP BYE over UDP; BYE then close over TCP),
 * the log says why, and seamd keeps serving.
 */
import { describe, expect, it } from 'vitest';
import { playAll, RawRtspClient } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
paths:
  live: { origin: ${origin.url('live')} }
  file: { origin: ${origin.url('file')} }
`,
});

describe('origin failure', () => {
  it('viewers get a BYE, the source closes with the reason, seamd lives on', async () => {
    const to = { host: '127.0.0.1', port: seamd.port };
    const udp = playAll(to, seamd.url('live'), 'udp', { maxMs: 15000 });
    const tcp = playAll(to, seamd.url('live'), 'tcp', { maxMs: 15000 });
    await new Promise((r) => setTimeout(r, 2000));
    origin.process.kill('SIGKILL');
    const started = Date.now();
    const [u, t] = await Promise.all([udp, tcp]);
    // Both ended on the BYE long before their 15 s budget.
    expect(Date.now() - started).toBeLessThan(5000);
    for (const r of [u, t]) {
      expect(r.rtp[0]?.length).toBeGreaterThan(20);
      expect(
        r.rtcp.some((packets) => packets.some((p) => p.includes(Buffer.from('origin gone')))),
      ).toBe(true);
    }
    const close = seamd.events('source.close').at(-1);
    expect(close?.reason).toMatch(/./);
    expect(close?.reason).not.toBe('idle');
    // seamd still answers.
    const c = await RawRtspClient.connect('127.0.0.1', seamd.port);
    expect((await c.request('OPTIONS', '*')).status).toBe(200);
    // The origin is gone: a new viewer gets a gateway error, not a hang.
    expect((await c.request('DESCRIBE', seamd.url('file'))).status).toBe(502);
    c.close();
  }, 40000);
});
