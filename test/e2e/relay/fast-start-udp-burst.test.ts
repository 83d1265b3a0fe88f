/**
 * A fast start's burst to a UDP viewer is paced: joining a ~4 Mbit/s live channel (GOPs of
 * hundreds of full-size packets) late in a GOP, a player whose socket has the kernel's default
 * receive buffer (208 KiB here) gets every packet from the keyframe on. The viewer's socket is in
 * this process, like seamd: it can only read between the slices seamd sends, so a burst sent at
 * once has to fit the buffer whole (it does not: the kernel drops the rest).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKind } from '../../../src/protocol/rtp/keyframe.js';
import { rtpSeq, rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import { payloadOf, playAll, keepPlaying, RawRtspClient } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

let keeper: RawRtspClient;
const { seamd } = withOriginAndSeamd({
  config: ({ origin }) => `
paths:
  big: { origin: ${origin.url('livebig')} }
`,
});

beforeAll(async () => {
  // Another viewer keeps the live source open (TCP).
  keeper = await keepPlaying(seamd.port, seamd.url('big'), 1);
  await new Promise((r) => setTimeout(r, 2500));
}, 30000);

afterAll(() => keeper?.close());

describe('fast start to a UDP viewer, large GOP', () => {
  it('a burst of hundreds of packets arrives whole at a default-sized socket', async () => {
    const rmem = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
    expect(rmem).toBeLessThanOrEqual(256 * 1024);
    // Join until a join lands late enough in a GOP for a burst of 300+ packets (~400 KB).
    let checked = false;
    for (let attempt = 0; attempt < 8 && !checked; attempt++) {
      const before = seamd.events('viewer.join').length;
      const r = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('big'), 'udp', {
        maxMs: 700,
      });
      const burst = Number(seamd.events('viewer.join').slice(before)[0]?.burst ?? 0);
      if (burst < 300) {
        await new Promise((res) => setTimeout(res, 300 + attempt * 170));
        continue;
      }
      checked = true;
      const video = r.rtp[0] ?? [];
      // From the keyframe's access unit on, every sequence number: nothing lost to the burst.
      const firstTs = rtpTimestamp(video[0] as Buffer);
      const unit = video
        .filter((p) => rtpTimestamp(p) === firstTs)
        .map((p) => startKind('H264', payloadOf(p)));
      expect(unit).toContain('keyframe');
      expect(video.length).toBeGreaterThanOrEqual(burst - 2);
      const seqs = video.map(rtpSeq);
      let lost = 0;
      for (let i = 1; i < seqs.length; i++)
        lost += ((seqs[i] ?? 0) - (seqs[i - 1] ?? 0) - 1) & 0xffff;
      expect({ burst, received: video.length, lost }).toMatchObject({ lost: 0 });
    }
    expect(checked).toBe(true);
  }, 60000);
});
