/**
 * Repair plan + matcher against a model of the origin (origin-model.ts: Range starts snap to
 * the keyframe at or before, parameter sets re-sent after a seek, clipped timestamps when asked
 * at a keyframe, Speed-divided timestamps, the origin's npt a little off the recording's): one
 * pass over a recording with a gap anywhere in a GOP (the last packet before a keyframe
 * included), the first and the last packet of the file lost, ends with a perfect copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SeqExtender } from '../../../src/protocol/rtp/seq.js';
import { rtpSeq } from '../../../src/protocol/rtp/rtp.js';
import { openRecording, RecordingWriter } from '../../../src/store/index.js';
import { gapsOf, matchersFor, repairRange } from '../../../src/repair/plan.js';
import { planSpans } from '../../../src/repair/spans.js';
import { canonical, clipMeta, makeContent, play } from './origin-model.js';
import { storedPackets } from '../../helpers/recording.js';

const root = mkdtempSync(join(tmpdir(), 'seamd-repair-prop-'));
let runs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CANON = {
  seq: [65500, 300] as [number, number],
  ts: [4294900000, 1000] as [number, number],
  ssrc: [0x1111, 0x2222] as [number, number],
};

interface Case {
  gopFrames: number;
  sizes: number[];
  /** Lost: video GOP and position in it (from the end: 0 = last packet before the next keyframe). */
  gop: number;
  fromEnd: number;
  runLength: number;
  audioBeforeKey: boolean;
  firstLost: 0 | 1 | 2 | 3; // none, video, audio, both
  lastLost: 0 | 1 | 2 | 3;
  random: number[];
  skewMs: number;
  speed: number;
  coalesceSec: number;
}

const caseArb = fc.record({
  gopFrames: fc.integer({ min: 6, max: 14 }),
  sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }),
  gop: fc.integer({ min: 0, max: 3 }),
  fromEnd: fc.integer({ min: 0, max: 40 }),
  runLength: fc.integer({ min: 1, max: 3 }),
  audioBeforeKey: fc.boolean(),
  firstLost: fc.constantFrom<Array<0 | 1 | 2 | 3>>(0, 1, 2, 3),
  lastLost: fc.constantFrom<Array<0 | 1 | 2 | 3>>(0, 1, 2, 3),
  random: fc.array(fc.nat(100000), { maxLength: 4 }),
  skewMs: fc.integer({ min: -30, max: 39 }),
  speed: fc.constantFrom(1, 4),
  coalesceSec: fc.constantFrom(0, 1),
});

async function repairOnce(c: Case): Promise<{ want: Buffer[][]; got: Buffer[][]; lost: number }> {
  const content = makeContent(4, c.gopFrames, c.sizes);
  const want = canonical(content, CANON);
  const [video, audio] = want as [Buffer[], Buffer[]];
  const lost = [new Set<number>(), new Set<number>()];
  const [lv, la] = lost as [Set<number>, Set<number>];
  // The GOP's last packet is the one before the next keyframe's first (SPS).
  const nextKey = content.video.findIndex(
    (u, i) => i > 0 && u.t === content.keyframes[Math.min(c.gop + 1, 3)] && u.payload[0] === 0x67,
  );
  const end = c.gop + 1 <= 3 ? nextKey : video.length;
  for (let k = 0; k < c.runLength; k++) {
    const i = end - 1 - c.fromEnd - k;
    if (i >= 0) lv.add(i);
  }
  if (c.audioBeforeKey) {
    const kt = content.keyframes[Math.min(c.gop + 1, 3)] ?? 0;
    const j = content.audio.findIndex((u) => u.t > kt) - 1;
    if (j >= 0) la.add(j);
  }
  if (c.firstLost & 1) lv.add(0);
  if (c.firstLost & 2) la.add(0);
  if (c.lastLost & 1) lv.add(video.length - 1);
  if (c.lastLost & 2) la.add(audio.length - 1);
  for (const r of c.random)
    (r % 2 ? la : lv).add(Math.floor(r / 2) % (r % 2 ? audio.length : video.length));

  const dir = join(root, `r${++runs}`);
  const w = await RecordingWriter.create(dir, clipMeta(content.durationSec, CANON.ts), {
    flushIntervalMs: 0,
  });
  want.forEach((pkts, t) => {
    const x = new SeqExtender();
    pkts.forEach((p, i) => {
      if (!lost[t]?.has(i)) w.append(t, x.extend(rtpSeq(p)), p, 0);
    });
  });
  await w.close('partial');

  // One pass, as repairRecording runs it.
  let rec = await openRecording(dir);
  const gaps = await gapsOf(rec);
  const spans = planSpans(gaps, { coalesceSec: c.coalesceSec, maxSpanSec: 30 });
  const writer = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0 });
  let seed = 0;
  for (const span of spans) {
    const range = await repairRange(rec, span, 0, 0.3, content.durationSec);
    const speed = span.gaps.some((g) => g.kind === 'head') ? 1 : c.speed;
    const matchers = await matchersFor(rec, span, range, {
      rate: speed,
      run: 4,
      refLeadSec: 12,
      refTailSec: 2,
      durationSec: content.durationSec,
    });
    const sent = play(content, range.header, { speed, skewSec: c.skewMs / 1000, seed: ++seed });
    for (const [track, m] of matchers) {
      for (const p of sent[track] ?? []) m.push(p);
      m.resolve();
      for (const [ext, p] of m.filled) writer.append(track, ext, p, 0);
    }
  }
  await writer.close('partial');
  rec = await openRecording(dir);
  const got: Buffer[][] = [];
  for (const t of rec.tracks) got.push(await storedPackets(t));
  return { want, got, lost: lv.size + la.size };
}

describe('repair against the origin model (property)', () => {
  it('one pass fills every gap position of a GOP, the first and the last packet: a perfect copy', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { want, got } = await repairOnce(c);
        for (let t = 0; t < 2; t++) {
          const g = (got[t] ?? []).map((b) => b.toString('hex'));
          const w = (want[t] ?? []).map((b) => b.toString('hex'));
          expect(g.length, `track ${t} packets`).toBe(w.length);
          expect(g).toEqual(w);
        }
      }),
      { numRuns: 150 },
    );
  }, 120000);
});
