import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSeek } from '../../../src/serve/playout-seek.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { sampleMeta, tempDir } from '../store/helpers.js';
import { rtpPacket } from '../../helpers/rtp.js';

const V0 = 1_000_000; // video rtptime at npt 0
const A0 = 5_000; // audio rtptime at npt 0

/**
 * 10 s of H.264 at 25 fps, a keyframe every `gop` frames sent as SPS, PPS, FU-A start (IDR),
 * FU-A end; other frames one P-slice packet. Audio (8 kHz) one packet per 40 ms.
 */
async function makeRecording(gop: number, frames = 250): Promise<string> {
  const dir = join(await tempDir(), 'rec');
  const meta = sampleMeta(2);
  meta.tracks = meta.tracks.map((t, i) => ({ ...t, startRtpTime: i === 0 ? V0 : A0 }));
  const w = await RecordingWriter.create(dir, { ...meta, durationSec: 10 }, { flushIntervalMs: 0 });
  let v = 70_000; // ext, wraps the 16-bit seq on the way
  let a = 100;
  for (let f = 0; f < frames; f++) {
    const ts = V0 + f * 3600;
    const nals =
      f % gop === 0
        ? [
            [0x67, 1],
            [0x68, 2],
            [0x7c, 0x85, 3],
            [0x7c, 0x45, 4],
          ]
        : [[0x41, 5]];
    for (const n of nals)
      w.append(0, v, rtpPacket({ seq: v++, ts, ssrc: 0xaaaa, pt: 96, payload: n }), 0);
    w.append(
      1,
      a,
      rtpPacket({ seq: a++, ts: A0 + f * 320, ssrc: 0xbbbb, pt: 97, payload: [0x11, f & 0xff] }),
      0,
    );
  }
  await w.close('complete');
  return dir;
}

describe('planSeek: keyframes far back', () => {
  it('reads back step by step up to 12 s; beyond that it starts at the asked time', async () => {
    const rec = await openRecording(await makeRecording(1000, 500));
    const near = await planSeek(rec, ['H264', undefined], 11);
    expect(near.keyframe).toBe(true);
    expect(near.npt).toBe(0);
    expect(near.tracks[0]?.ext).toBe(70_000);
    const far = await planSeek(rec, ['H264', undefined], 19);
    expect(far.keyframe).toBe(false);
    expect(far.npt).toBe(19);
  });
});

describe('planSeek', () => {
  it('moves back to the keyframe (with its SPS/PPS) at or before the asked time', async () => {
    const rec = await openRecording(await makeRecording(25));
    const plan = await planSeek(rec, ['H264', 'MPEG4-GENERIC'], 6.5);
    expect(plan.keyframe).toBe(true);
    expect(plan.npt).toBeCloseTo(6, 9);
    const [video, audio] = plan.tracks;
    // Frame 150 is a keyframe: its SPS is the first packet sent.
    const spsExt = 70_000 + 150 + 3 * 6; // 6 keyframes before it with 3 extra packets each
    expect(video?.ext).toBe(spsExt);
    expect(video?.seq).toBe(spsExt & 0xffff);
    expect(video?.rtptime).toBe(V0 + 6 * 90000);
    expect(video?.ssrc).toBe(0xaaaa);
    expect(audio?.ext).toBe(100 + 150);
    expect(audio?.rtptime).toBe(A0 + 6 * 8000);
  });

  it('a target on a keyframe stays; before the start is 0', async () => {
    const rec = await openRecording(await makeRecording(25));
    expect((await planSeek(rec, ['H264', undefined], 4)).npt).toBeCloseTo(4, 9);
    const zero = await planSeek(rec, ['H264', undefined], -3);
    expect(zero.npt).toBe(0);
    expect(zero.tracks[0]?.ext).toBe(70_000);
  });

  it('codecs without known keyframes: start at the packet at or before the time', async () => {
    const rec = await openRecording(await makeRecording(25));
    const plan = await planSeek(rec, ['VP8', 'opus'], 6.5);
    expect(plan.keyframe).toBe(false);
    expect(plan.npt).toBe(6.5);
    expect(plan.tracks[1]?.ext).toBe(100 + 162); // 6.48 s
    expect(plan.tracks[1]?.rtptime).toBe(A0 + 6.5 * 8000);
  });
});

describe('planSeek: a recording whose first keyframe lost its start', () => {
  it('from 0 without a keyframe: every stored packet of the first frame is played', async () => {
    // A lossy session kept only the middle and end of the first IDR's fragments, then P-slices.
    const dir = join(await tempDir(), 'rec');
    const meta = sampleMeta(1);
    meta.tracks = meta.tracks.map((t) => ({ ...t, startRtpTime: V0 }));
    const w = await RecordingWriter.create(dir, meta, { flushIntervalMs: 0 });
    const packets = [
      [V0, [0x7c, 0x05, 1]], // FU-A middle of the IDR
      [V0, [0x7c, 0x45, 2]], // FU-A end of the IDR
      [V0 + 3600, [0x41, 3]],
      [V0 + 7200, [0x41, 4]],
    ] as const;
    packets.forEach(([ts, payload], i) =>
      w.append(
        0,
        500 + i,
        rtpPacket({ seq: 500 + i, ts, ssrc: 0xaaaa, pt: 96, payload: [...payload] }),
        0,
      ),
    );
    await w.close('partial');
    const plan = await planSeek(await openRecording(dir), ['H264'], 0);
    expect(plan.keyframe).toBe(false);
    expect(plan.npt).toBe(0);
    expect(plan.tracks[0]?.ext).toBe(500); // was 501: the last packet of npt 0
  });
});
