/**
 * seam.reorderWindowMs: for players that cannot reorder, seamd holds and sorts, so holes filled
 * late by another leg reach the viewer in sequence order. Without it, late fills go out at once.
 */
import { describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { playAll } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
upstream: { transport: udp }
paths:
  sorted: { origin: ${origin.url('file')}, seam: { minLegs: 2, maxLegs: 2, reorderWindowMs: 300 } }
`,
  deps: { lossFor: (_req, legIndex) => bernoulli(10, 900 + legIndex) },
});

function outOfOrder(packets: Buffer[]): number {
  let n = 0;
  for (let i = 1; i < packets.length; i++) {
    const d =
      ((packets[i]?.readUInt16BE(2) ?? 0) - (packets[i - 1]?.readUInt16BE(2) ?? 0)) & 0xffff;
    if (d === 0 || d >= 0x8000) n++;
  }
  return n;
}

describe('reorder window', () => {
  it('a viewer gets the merged stream strictly in sequence order; ffmpeg decodes it', async () => {
    const via = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('sorted'), 'tcp');
    for (let t = 0; t < 2; t++) {
      expect(via.rtp[t]?.length).toBeGreaterThan(150);
      expect(outOfOrder(via.rtp[t] ?? [])).toBe(0);
    }
    const r = await ffmpegDecode(seamd.url('sorted'), 'udp');
    expect(r.code).toBe(0);
  }, 40000);
});
