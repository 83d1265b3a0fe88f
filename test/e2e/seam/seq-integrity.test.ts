/**
 * No payload under a wrong sequence number, against the real origin (gst-rtsp-server, the
 * file-backed 20 s clip), with 10% independent loss on every upstream leg:
 *   - adaptive: min 1, max 3 legs, open at 2% — the extra legs join mid-stream with a Range, and
 *     the origin re-sends parameter sets and frames from before the keyframe after that seek;
 *   - two: minLegs 2, both legs from the start.
 * The whole clip as a viewer received it is compared packet for packet with a direct session to
 * the origin: the two sessions carry the same payloads at one constant sequence offset per track
 * (found from payloads unique in the clip), so every packet the viewer got must carry the direct
 * session's payload at its sequence number, and no sequence number may come twice. Timestamps
 * one tick off (AAC after a seek: the origin's own stamping) are counted, not failed.
 */
import { describe, expect, it } from 'vitest';
import { residualLoss } from '../../helpers/loss.js';
import { payloadOf, playAll, type PlayResult } from '../../helpers/raw-client.js';
import { withLossyLegs } from '../../helpers/lossy-legs.js';

/** SEAM_E2E_SEED=n shifts the loss seeds (to look at other loss patterns). */
const SHIFT = Number(process.env.SEAM_E2E_SEED ?? 0) * 1000;
const { seamd, direct } = withLossyLegs({
  adaptive: { seed: 41 + SHIFT, seam: '{ minLegs: 1, maxLegs: 3, openLossPct: 2 }' },
  two: { seed: 43 + SHIFT, seam: '{ minLegs: 2, maxLegs: 2 }' },
});

interface Integrity {
  packets: number;
  /** Packets whose payload is not the direct session's at their sequence number. */
  wrong: string[];
  /** Sequence numbers that came more than once. */
  duplicates: number;
  /** Timestamps off the constant offset: by at most a tick or two (AAC after a seek), more. */
  tsNear: number;
  tsFar: number;
}

/** Extended sequence numbers of packets in arrival order (the stream is nearly in order). */
function extend(packets: Buffer[]): number[] {
  let ext = -1;
  return packets.map((p) => {
    const seq = p.readUInt16BE(2);
    ext = ext < 0 ? seq + 65536 : ext + ((((seq - (ext & 0xffff)) & 0xffff) ^ 0x8000) - 0x8000);
    return ext;
  });
}

/** The constant offset (viewer - direct) of `key(p)` over packets with a payload unique in both. */
function modeOffset(
  viewer: Buffer[],
  byPayload: Map<string, number[]>,
  key: (p: Buffer, i: number) => number,
  directKey: (i: number) => number,
): number {
  const votes = new Map<number, number>();
  viewer.forEach((p, i) => {
    const at = byPayload.get(payloadOf(p).toString('base64'));
    if (at?.length !== 1) return;
    const d = (key(p, i) - directKey(at[0] as number)) >>> 0;
    votes.set(d, (votes.get(d) ?? 0) + 1);
  });
  let best = 0;
  let n = -1;
  for (const [d, c] of votes) if (c > n) [best, n] = [d, c];
  return best;
}

function integrity(via: PlayResult): Integrity {
  const r: Integrity = { packets: 0, wrong: [], duplicates: 0, tsNear: 0, tsFar: 0 };
  for (let t = 0; t < direct.trackCount; t++) {
    const d = direct.rtp[t] ?? [];
    const v = via.rtp[t] ?? [];
    const dExt = extend(d);
    const vExt = extend(v);
    const byPayload = new Map<string, number[]>();
    d.forEach((p, i) => {
      const k = payloadOf(p).toString('base64');
      const at = byPayload.get(k);
      if (at) at.push(i);
      else byPayload.set(k, [i]);
    });
    const directAt = new Map<number, number>();
    dExt.forEach((e, i) => directAt.set(e, i));
    const seqOff = modeOffset(
      v,
      byPayload,
      (_, i) => vExt[i] ?? 0,
      (i) => dExt[i] ?? 0,
    );
    const tsOff = modeOffset(
      v,
      byPayload,
      (p) => p.readUInt32BE(4),
      (i) => d[i]?.readUInt32BE(4) ?? 0,
    );
    const seen = new Set<number>();
    v.forEach((p, i) => {
      r.packets++;
      const e = vExt[i] ?? 0;
      if (seen.has(e)) r.duplicates++;
      seen.add(e);
      const j = directAt.get((e - seqOff) | 0);
      const twin = j === undefined ? undefined : d[j];
      if (twin === undefined || !payloadOf(twin).equals(payloadOf(p))) {
        const elsewhere = byPayload.get(payloadOf(p).toString('base64'));
        r.wrong.push(
          `track ${t} seq ${p.readUInt16BE(2)}: ` +
            (elsewhere ? `payload of direct #${elsewhere.join('/')}` : 'payload not in the clip') +
            `, expected direct #${j ?? '-'}`,
        );
        return;
      }
      const dt = (p.readUInt32BE(4) - (twin.readUInt32BE(4) + tsOff)) | 0;
      if (dt !== 0 && Math.abs(dt) <= 2) r.tsNear++;
      else if (dt !== 0) r.tsFar++;
    });
  }
  return r;
}

const via = (path: string) =>
  playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url(path), 'tcp', { maxMs: 30000 });

describe('sequence integrity of seamed streams (real origin, 10% loss per leg)', () => {
  it('adaptive and minLegs=2: no payload under a wrong seq, no seq twice', async () => {
    expect(direct.rtp[0]?.length ?? 0).toBeGreaterThan(2000);
    const [adaptive, two] = await Promise.all([via('adaptive'), via('two')]);
    const sources = new Map(seamd.events('viewer.join').map((j) => [j.path, j.source]));
    for (const [name, got] of [
      ['adaptive', adaptive],
      ['two', two],
    ] as const) {
      const r = integrity(got);
      const loss = residualLoss(direct, got);
      const src = sources.get(name);
      const legs = seamd.events('leg.open').filter((l) => l.source === src);
      const aligned = seamd.events('leg.aligned').filter((l) => l.source === src);
      const plays = seamd.events('leg.play').filter((l) => l.source === src);
      console.log(
        `${name}: ${r.packets} packets to the viewer (direct ${direct.rtp.flat().length}); ` +
          `wrong seq ${r.wrong.length}, duplicate seq ${r.duplicates}; ` +
          `ts off by a tick ${r.tsNear}, further ${r.tsFar}; residual loss ` +
          `${loss.pct.toFixed(2)}% (${loss.lost}/${loss.total}); legs opened ` +
          `${legs.map((l) => l.reason).join(',')}; extra PLAYs ${plays.map((p) => String(p.asked)).join(' ')}; ` +
          `aligned ${aligned.map((a) => `${String(a.leg)}/${String(a.track)}:${String(a.via)}`).join(' ')}`,
      );
      if (r.wrong.length > 0) console.log(r.wrong.slice(0, 20).join('\n'));
      expect(r.wrong).toEqual([]);
      expect(r.duplicates).toBe(0);
      expect(r.tsFar).toBe(0);
      // The seaming really happened: extra legs were opened, aligned by payload, and the viewer
      // lost far less than one 10%-lossy leg would.
      expect(aligned.filter((a) => a.via !== 'reference').length).toBeGreaterThanOrEqual(2);
      expect(loss.pct).toBeLessThan(name === 'two' ? 3 : 6);
    }
    const adaptiveLegs = seamd
      .events('leg.open')
      .filter((l) => l.source === sources.get('adaptive'));
    expect(adaptiveLegs.map((l) => l.reason)).toEqual(['first', 'loss', 'loss']);
  }, 90000);
});
