/**
 * Seaming beyond one file-backed origin: legs of a shared live source merge too, and with
 * `mirrors` the extra legs go to another server with the same content.
 */
import { describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { residualLoss, seqHoleLoss } from '../../helpers/loss.js';
import { playAll } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, mirror, seamd } = withOriginAndSeamd({
  longClip: true,
  mirror: true,
  timeoutMs: 60000,
  config: () => `
upstream: { transport: udp }
paths:
  live: { origin: ${origin.url('live')}, seam: { minLegs: 2, maxLegs: 2 } }
  mirrored:
    origin: ${origin.url('long')}
    mirrors: [${mirror.url('long')}]
    seam: { minLegs: 2, maxLegs: 2 }
`,
  deps: {
    lossFor: (req, legIndex) => bernoulli(10, (req.pathName === 'live' ? 500 : 600) + legIndex),
  },
});

describe('seaming live sources and mirrors', () => {
  it('two legs of the shared live mount merge: residual loss near 1% at 10% per leg', async () => {
    const via = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('live'), 'tcp', {
      maxMs: 8000,
    });
    const source = seamd.events('viewer.join').find((j) => j.path === 'live')?.source;
    const aligned = seamd.events('leg.aligned').filter((l) => l.source === source);
    expect(new Set(aligned.map((l) => `${String(l.leg)}/${String(l.track)}`)).size).toBe(4);
    const loss = seqHoleLoss(via, 0);
    console.log(`live, 2 legs at 10%: ${loss.pct.toFixed(2)}% (${loss.lost}/${loss.expected})`);
    expect(loss.expected).toBeGreaterThan(300);
    expect(loss.pct).toBeLessThan(3);
  }, 30000);

  it('the extra leg goes to the mirror and merges', async () => {
    const to = { host: '127.0.0.1', port: seamd.port };
    const [direct, via] = await Promise.all([
      playAll({ host: '127.0.0.1', port: origin.port }, origin.url('long'), 'tcp', {
        maxMs: 30000,
      }),
      playAll(to, seamd.url('mirrored'), 'tcp', { maxMs: 30000 }),
    ]);
    const source = seamd.events('viewer.join').find((j) => j.path === 'mirrored')?.source;
    const opens = seamd.events('leg.open').filter((l) => l.source === source);
    expect(opens.map((l) => l.url)).toEqual([origin.url('long'), mirror.url('long')]);
    const r = residualLoss(direct, via);
    console.log(`origin + mirror at 10% each: ${r.pct.toFixed(2)}% (${r.lost}/${r.total})`);
    expect(r.pct).toBeLessThanOrEqual(1.5);
  }, 60000);
});
