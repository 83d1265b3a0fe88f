/**
 * Viewer reports in, figures out: ffmpeg plays over UDP through seamd while 5% of its RTP is
 * dropped on its last mile (seeded, before seamd's socket send). ffmpeg's own receiver reports
 * are the only source of the viewer's loss figure: /api/status must report it within two points
 * of 5% while the viewer's legs stay clean, and /metrics must expose the same figures.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeRtcp } from '../../../src/protocol/rtp/rtcp.js';
import { bernoulli } from '../../../src/seam/loss-model.js';
import type { StatusDocument } from '../../../src/telemetry/status.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { RawRtspClient } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

let http: string;

const { origin, seamd } = withOriginAndSeamd({
  longClip: true,
  timeoutMs: 60000,
  config: () => `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, http: 127.0.0.1:0 }
upstream: { transport: udp }
paths:
  lossy-viewer: ${origin.url('long')}
`,
  // Each destination port (video RTP, audio RTP) gets its own seeded 5% model.
  deps: { viewerLossFor: (_address, port) => bernoulli(5, 7000 + port) },
});

beforeAll(() => {
  const a = seamd.handle.addresses.http;
  if (!a) throw new Error('no http listener');
  http = `http://127.0.0.1:${a.port}`;
});

async function status(): Promise<StatusDocument> {
  const res = await fetch(`${http}/api/status`);
  expect(res.status).toBe(200);
  return (await res.json()) as StatusDocument;
}

/** The value of one series in Prometheus text (first match of name + label substring). */
function metric(text: string, name: string, label: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('viewer loss from RTCP receiver reports', () => {
  it('ffmpeg over UDP losing 5% on its last mile: status and metrics say ~5%, legs ~0%', async () => {
    const player = ffmpegDecode(seamd.url('lossy-viewer'), 'udp', { durationSec: 17 });
    // Let ffmpeg send a window's worth of reports (one every ~280 kB of video: ~1.5 s).
    await new Promise((r) => setTimeout(r, 14000));
    const doc = await status();
    const metrics = await (await fetch(`${http}/metrics`)).text();
    await player;

    const source = doc.sources.find((s) => s.path === 'lossy-viewer');
    expect(source).toBeDefined();
    const viewer = source?.viewers[0];
    console.log(
      `viewer: loss ${viewer?.lossPct}% (injected 5%), jitter ${viewer?.jitterMs} ms, ` +
        `rtt ${viewer?.rttMs} ms, join ${viewer?.joinMs} ms, reports ${viewer?.reports}; ` +
        `legs: ${source?.legs.map((l) => `${l.id} ${l.lossPct}%`).join(', ')}`,
    );
    expect(viewer?.transport).toBe('udp');
    expect(viewer?.state).toBe('playing');
    expect(viewer?.reports ?? 0).toBeGreaterThanOrEqual(3);
    expect(viewer?.lossPct ?? -1).toBeGreaterThanOrEqual(3);
    expect(viewer?.lossPct ?? 99).toBeLessThanOrEqual(7);
    expect(viewer?.joinMs ?? -1).toBeGreaterThanOrEqual(0);
    expect(viewer?.network).toBe('127.0.0.0/24');
    expect(source?.legs.length).toBe(1);
    for (const leg of source?.legs ?? []) expect(leg.lossPct).toBeLessThan(0.5);
    // The viewer id is not the RTSP session id (a secret on its connection).
    expect(viewer?.id).toMatch(/^[0-9a-f]{10}$/);

    const viewerLoss = metric(metrics, 'seamd_source_viewer_loss_percent', 'source="lossy-viewer"');
    const networkLoss = metric(metrics, 'seamd_network_loss_percent', 'network="127.0.0.0/24"');
    const legLoss = metric(metrics, 'seamd_leg_loss_percent', 'source="lossy-viewer"');
    console.log(`metrics: viewer ${viewerLoss}%, network ${networkLoss}%, leg ${legLoss}%`);
    expect(viewerLoss).toBeCloseTo(viewer?.lossPct ?? -1, 1);
    expect(networkLoss ?? -1).toBeGreaterThanOrEqual(3);
    expect(networkLoss ?? 99).toBeLessThanOrEqual(7);
    expect(legLoss ?? 99).toBeLessThan(0.5);
    expect(metric(metrics, 'seamd_viewers', 'state="playing"')).toBe(1);
    // No per-viewer labels: no address, port or session id in any series.
    expect(metrics).not.toMatch(/[{,](session|address|port|viewer)=/);
  }, 60000);

  it('a TCP viewer: receiver reports arrive interleaved on its RTCP channel', async () => {
    // ffmpeg sends no receiver reports over TCP, so a raw client sends two on channel 1.
    const client = await RawRtspClient.connect('127.0.0.1', seamd.port);
    try {
      const url = seamd.url('lossy-viewer');
      expect((await client.request('DESCRIBE', url)).status).toBe(200);
      for (const [i, ch] of [
        [0, '0-1'],
        [1, '2-3'],
      ] as const) {
        const res = await client.request('SETUP', `${url}/trackID=${i}`, {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${ch}`,
        });
        expect(res.status).toBe(200);
      }
      expect((await client.request('PLAY', url)).status).toBe(200);
      const rr = (highestSeq: number, cumulativeLost: number): Buffer => {
        const body = serializeRtcp([
          {
            type: 'rr',
            ssrc: 0x5eed,
            reports: [
              { ssrc: 0, fractionLost: 8, cumulativeLost, highestSeq, jitter: 90, lsr: 0, dlsr: 0 },
            ],
          },
        ]);
        return Buffer.concat([Buffer.from([0x24, 1, body.length >> 8, body.length & 0xff]), body]);
      };
      await new Promise((r) => setTimeout(r, 500));
      await client.sendRaw(rr(1000, 10), 50);
      await new Promise((r) => setTimeout(r, 500));
      await client.sendRaw(rr(2000, 40), 50);
      await new Promise((r) => setTimeout(r, 1500)); // the next telemetry tick
      const doc = await status();
      const viewer = doc.sources
        .find((s) => s.path === 'lossy-viewer')
        ?.viewers.find((v) => v.transport === 'tcp');
      console.log(
        `tcp viewer: loss ${viewer?.lossPct}%, jitter ${viewer?.jitterMs} ms, reports ${viewer?.reports}`,
      );
      expect(viewer).toMatchObject({
        transport: 'tcp',
        reports: 2,
        lossPct: 3,
        cumulativeLost: 40,
      });
      expect(viewer?.jitterMs).toBe(1); // 90 ticks at 90 kHz
    } finally {
      client.close();
    }
  }, 30000);
});
