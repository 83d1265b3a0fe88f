/**
 * Decisions: the origin loses 40% on the first leg (seeded, behind its socket) and a mirror
 * (a second origin server with the same file) is clean. With no rules configured, the built-in
 * default-mirror rule brings in the mirror: a leg to it opens, and once it is aligned and clean
 * the origin's lossy leg (the first one, the RTCP clock leg) is closed. The viewer's stream is
 * clean again within seconds, and the log says why: rule, numbers, action.
 */
import { describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { seqHoleLoss } from '../../helpers/loss.js';
import { playAll, type PlayResult } from '../../helpers/raw-client.js';
import { type LogLine } from '../../helpers/seamd.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';
import type { StatusDocument } from '../../../src/telemetry/status.js';

const { origin, mirror, seamd } = withOriginAndSeamd({
  longClip: true,
  mirror: true,
  timeoutMs: 60000,
  config: () => `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, http: 127.0.0.1:0 }
upstream: { transport: udp }
telemetry: { windowSec: 5 }
paths:
  cam:
    origin: ${origin.url('long')}
    mirrors: [${mirror.url('long')}]
`,
  deps: { lossFor: (_req, legIndex) => (legIndex === 0 ? bernoulli(40, 4242) : undefined) },
});

const at = (l: LogLine | undefined): number => Date.parse(String(l?.time));

/**
 * Loss the viewer saw up to `until` (ms): sequence holes among the packets that had arrived by
 * then (a hole the mirror's overlap filled later still counts: the player had to wait for it).
 */
function holesBy(via: PlayResult, until: number): { lost: number; expected: number; pct: number } {
  let lost = 0;
  let expected = 0;
  for (let t = 0; t < via.trackCount; t++) {
    const seqs = (via.rtp[t] ?? [])
      .filter((_p, i) => (via.rtpAt[t]?.[i] ?? Infinity) < until)
      .map((p) => p.readUInt16BE(2));
    if (seqs.length < 2) continue;
    const first = seqs[0] ?? 0;
    const ext = new Set(seqs.map((s) => (s - first) & 0xffff));
    const span = Math.max(...ext) + 1;
    expected += span;
    lost += span - ext.size;
  }
  return { lost, expected, pct: expected === 0 ? 0 : (100 * lost) / expected };
}

describe('a lossy origin with a clean mirror gets the mirror', () => {
  it('opens a leg to the mirror, drops the origin legs, and the stream is clean again', async () => {
    const started = Date.now();
    const playing = playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('cam'), 'tcp', {
      maxMs: 30000,
    });
    await new Promise((r) => setTimeout(r, 8000));
    const http = seamd.handle.addresses.http;
    const res = await fetch(`http://127.0.0.1:${http?.port ?? 0}/api/status`);
    const doc = (await res.json()) as StatusDocument;
    const via = await playing;
    // After the failover the mirror leg is the only one, and the RTCP clock leg.
    const legs = doc.sources.find((s) => s.path === 'cam')?.legs ?? [];
    expect(legs.map((l) => [l.url, l.clock, l.aligned])).toEqual([
      [mirror.url('long'), true, true],
    ]);
    // Viewers got sender reports all along (the clock leg is the mirror leg now, see above).
    const srs = via.rtcp.flat().filter((p) => p[1] === 200).length;
    expect(srs).toBeGreaterThan(2);
    const originHost = `127.0.0.1:${origin.port}`;
    const decision = seamd.events('telemetry.decision')[0];
    expect(decision).toMatchObject({
      rule: 'default-mirror',
      trouble: 'upstream',
      action: 'mirror',
      origins: [originHost],
      paths: ['cam'],
    });
    expect(Number(decision?.lossPct)).toBeGreaterThan(25);
    expect(decision?.threshold).toBe(2);

    const toMirror = seamd.events('leg.open').filter((l) => l.url === mirror.url('long'));
    expect(toMirror.length).toBeGreaterThanOrEqual(1);
    expect(toMirror[0]).toMatchObject({ reason: 'telemetry', rule: 'default-mirror' });
    const failover = seamd.events('source.failover')[0];
    expect(failover).toMatchObject({
      rule: 'default-mirror',
      from: originHost,
      to: mirror.url('long'),
    });
    expect(Number(failover?.fromLossPct)).toBeGreaterThan(25);
    expect(Number(failover?.toLossPct)).toBeLessThan(0.5);
    expect(failover?.closed).toEqual([expect.stringMatching(/-leg1$/)]);
    const closed = seamd
      .events('leg.close')
      .find((l) => l.leg === (failover?.closed as string[])[0]);
    expect(String(closed?.reason)).toMatch(/^failover/);

    const before = holesBy(via, at(toMirror[0]));
    const cleanFrom = at(failover) + 1000;
    const after = seqHoleLoss(via, cleanFrom);
    const lastPacket = Math.max(...via.rtpAt.flat());
    console.log(
      `decision ${((at(decision) - started) / 1000).toFixed(1)} s after PLAY (origin leg ${String(decision?.lossPct)}%), ` +
        `mirror leg open ${((at(toMirror[0]) - started) / 1000).toFixed(1)} s, failover ${((at(failover) - started) / 1000).toFixed(1)} s; ` +
        `viewer loss before the mirror leg ${before.pct.toFixed(2)}% (${before.lost}/${before.expected}), ` +
        `from 1 s after failover ${after.pct.toFixed(2)}% (${after.lost}/${after.expected}, ${((lastPacket - cleanFrom) / 1000).toFixed(1)} s)`,
    );
    expect(at(failover) - started).toBeLessThan(12000);
    expect(after.expected).toBeGreaterThan(500);
    expect(after.pct).toBeLessThan(0.5);
    expect(before.pct).toBeGreaterThan(20);
  }, 60000);
});
