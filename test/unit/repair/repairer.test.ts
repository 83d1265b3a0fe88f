/**
 * repairRecording against a fake origin leg (no gst-rtsp-server): the recording's gaps are
 * fetched again with Range, aligned on the stored packets around them, and written back with the
 * recording's canonical numbering.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors.js';
import { rtpSeq, setRtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import { DEFAULT_REPAIR_OPTIONS, repairRecording } from '../../../src/repair/repairer.js';
import { readMeta, recordingMetaFromSdp } from '../../../src/store/meta.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import type { PlayOptions } from '../../../src/upstream/leg.js';
import {
  FAKE_URL,
  FakeLeg,
  fakeSdp,
  legFactory,
  type FakeLegScript,
} from '../../helpers/fake-leg.js';
import { memoryLogger } from '../../helpers/log.js';
import { tempDir } from '../../helpers/tmp.js';

const SECONDS = 4;
const PER_TRACK = SECONDS * 25; // one packet per 40 ms on both tracks
const SDP = fakeSdp({ end: SECONDS });

/** A recording of the fake content as `recorded` numbers it, without the packets `lost`. */
async function recording(lost: (track: number, i: number) => boolean): Promise<{
  dir: string;
  recorded: FakeLeg;
}> {
  const recorded = new FakeLeg('rec', FAKE_URL, { sdpText: SDP });
  const dir = join(await tempDir('seamd-repairer-'), 'rec');
  const w = await RecordingWriter.create(
    dir,
    recordingMetaFromSdp({
      originUrl: FAKE_URL,
      path: 'movie',
      sdp: SDP,
      info: recorded.info,
      startRtpTime: (t) => recorded.tsOf(t, 0),
    }),
    { flushIntervalMs: 0 },
  );
  for (const t of [0, 1]) {
    for (let i = 0; i < PER_TRACK; i++) {
      if (lost(t, i)) continue;
      w.append(t, 0x10000 + recorded.seqOf(t, i), recorded.packet(t, i), 0);
    }
  }
  await w.close('partial');
  return { dir, recorded };
}

/**
 * What an origin does on PLAY with a Range: sends that stretch (from a little before it, as a
 * keyframe snap does). With Speed, gst-rtsp-server stamps timestamps divided by the speed.
 */
function streamRange(leg: FakeLeg, opts: PlayOptions): void {
  const m = /^npt=([\d.]+)-([\d.]*)$/.exec(opts.range ?? 'npt=0-');
  const from = Math.max(0, Math.floor(Number(m?.[1] ?? 0) / 0.04) - 10);
  const to = Math.min(PER_TRACK, m?.[2] ? Math.ceil(Number(m[2]) / 0.04) + 1 : PER_TRACK);
  const speed = opts.speed ?? 1;
  for (let i = from; i < to; i++) {
    for (const t of [0, 1]) {
      const p = leg.packet(t, i);
      const t0 = leg.tsOf(t, 0);
      setRtpTimestamp(p, (t0 + Math.round((leg.tsOf(t, i) - t0) / speed)) >>> 0);
      leg.emit('rtp', t, p, 0);
    }
  }
}

function deps(script: FakeLegScript) {
  const mem = memoryLogger('debug');
  const factory = legFactory(() => ({
    sdpText: SDP,
    ssrc: 0x7000,
    seqBase: 20_000,
    tsBase: 3_000_000,
    ...script,
  }));
  return { mem, made: factory.made, deps: { createLeg: factory.createLeg, log: mem.log } };
}

const opts = { ...DEFAULT_REPAIR_OPTIONS, backoffSec: 0, maxAttempts: 1 };

describe('repairRecording with a fake origin', () => {
  it.each([1, 4])(
    'fills a gap with the packets of a new session (Speed %d), renumbered into the recording',
    async (speed) => {
      const { dir, recorded } = await recording((t, i) => t === 0 && i >= 40 && i < 50);
      const d = deps({ onPlay: streamRange });
      const report = await repairRecording(dir, 'r1', { ...opts, speed }, d.deps);
      expect(report.before.missing).toBe(10);
      expect(report).toMatchObject({ status: 'repaired', packetsFilled: 10 });
      expect(report.after.missing).toBe(0);
      expect(d.made.length).toBeGreaterThanOrEqual(1);
      // The gap (1.6 s to 2 s) is asked with a Range that covers it: from a stored keyframe
      // (or the start) before it, since origins answer a Range from the keyframe at or before.
      const covering = d.made
        .flatMap((l) => l.calls)
        .map((c) => /^play npt=([\d.]+)-([\d.]*)$/.exec(c))
        .filter((m) => m !== null)
        .filter((m) => Number(m[1]) <= 1.6 && (m[2] === '' || Number(m[2]) >= 2));
      expect(covering.length).toBeGreaterThanOrEqual(1);
      const rec = await openRecording(dir);
      const t0 = rec.track(0);
      expect(t0.gaps()).toEqual([]);
      const stored = [];
      for await (const p of rec.readRange(0, t0.firstExt ?? 0, t0.lastExt ?? 0))
        stored.push(p.packet);
      expect(stored).toHaveLength(PER_TRACK);
      // The refetched packets are byte for byte what the recording would have held.
      for (let i = 40; i < 50; i++)
        expect(Buffer.from(stored[i] ?? [])).toEqual(recorded.packet(0, i));
      expect(stored.map((p) => rtpSeq(p))).toEqual(
        Array.from({ length: PER_TRACK }, (_, i) => recorded.seqOf(0, i)),
      );
      expect((await readMeta(dir)).state).toBe('complete');
      expect((await readMeta(dir)).repair).toMatchObject({ status: 'repaired' });
      expect(d.mem.events('gap.repaired')).toMatchObject([
        { recording: 'r1', track: 0, packets: 10 },
      ]);
      expect(d.mem.events('repair.done')).toMatchObject([{ status: 'repaired', missing: 0 }]);
    },
  );

  it('the origin answering 404: the content is gone, nothing is written', async () => {
    const { dir } = await recording((t, i) => t === 1 && i === 30);
    const d = deps({
      describeError: new UpstreamError('UPSTREAM_STATUS', 'not found', { status: 404 }),
    });
    const report = await repairRecording(dir, 'r2', opts, d.deps);
    expect(report.status).toBe('gone');
    expect(report.reason).toMatch(/answered 404/);
    expect(report.packetsFilled).toBe(0);
    expect((await readMeta(dir)).repair).toMatchObject({ status: 'gone' });
    expect(d.mem.events('repair.error').length).toBeGreaterThanOrEqual(1);
  });

  it('the origin serving other content (another SDP identity): gone', async () => {
    const { dir } = await recording((t, i) => t === 1 && i === 30);
    const d = deps({ sdpText: fakeSdp({ end: SECONDS, tracks: 1 }) });
    const report = await repairRecording(dir, 'r3', opts, d.deps);
    expect(report.status).toBe('gone');
    expect(report.reason).toMatch(/now serves other content/);
  });
});
