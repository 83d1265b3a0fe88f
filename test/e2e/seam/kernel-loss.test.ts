/**
 * Kernel-level loss: the origin runs in a network namespace of the test's own, and nftables
 * drops 10% of the UDP datagrams leaving it, independently. One leg shows that loss; two seamed
 * legs bring the viewer's residual loss near p² = 1%.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residualLoss } from '../../helpers/loss.js';
import { createLossyNetns, type LossyNetns } from '../../helpers/netns.js';
import { longClip, startOrigin, type Origin } from '../../helpers/origin.js';
import { hasBye, playAll, type PlayResult } from '../../helpers/raw-client.js';
import { startSeamd, type Seamd } from '../../helpers/seamd.js';

let netns: LossyNetns;
let origin: Origin;
let seamd: Seamd;
let direct: PlayResult;

beforeAll(async () => {
  netns = await createLossyNetns(10);
  origin = await startOrigin({
    longClip: await longClip(),
    address: netns.nsAddress,
    netns: netns.name,
  });
  const long = origin.url('long');
  seamd = await startSeamd(`
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
upstream: { transport: udp }
paths:
  one: { origin: ${long}, seam: { minLegs: 1, maxLegs: 1 } }
  two: { origin: ${long}, seam: { minLegs: 2, maxLegs: 2 } }
`);
  // TCP is not dropped by the rule: this is the loss-free reference.
  direct = await playAll({ host: netns.nsAddress, port: origin.port }, long, 'tcp', {
    maxMs: 30000,
  });
}, 60000);

afterAll(async () => {
  await seamd?.stop();
  await origin?.stop();
  await netns?.remove();
});

describe('kernel-level loss (nftables in a namespace)', () => {
  it('one leg loses ~10%; two seamed legs bring it near 1%', async () => {
    const to = { host: '127.0.0.1', port: seamd.port };
    const [one, two] = await Promise.all([
      playAll(to, seamd.url('one'), 'tcp', { maxMs: 30000 }),
      playAll(to, seamd.url('two'), 'tcp', { maxMs: 30000 }),
    ]);
    const r1 = residualLoss(direct, one);
    const r2 = residualLoss(direct, two);
    console.log(
      `kernel loss 10%: one leg ${r1.pct.toFixed(2)}% (${r1.lost}/${r1.total}), two legs ${r2.pct.toFixed(2)}% (${r2.lost}/${r2.total})`,
    );
    expect(r1.total).toBeGreaterThan(2000);
    expect(r1.pct).toBeGreaterThan(6);
    expect(r1.pct).toBeLessThan(14);
    expect(r2.pct).toBeLessThan(2.5);
    expect(r2.pct).toBeLessThan(r1.pct / 3);
    // The stream ends for the viewer on every track even where the origin's BYE (UDP) was lost.
    for (const via of [one, two]) {
      for (let t = 0; t < via.trackCount; t++) {
        expect((via.rtcp[t] ?? []).some((p) => hasBye(p))).toBe(true);
      }
    }
  }, 90000);
});
