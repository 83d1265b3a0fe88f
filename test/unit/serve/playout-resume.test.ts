/**
 * A recording's playout resumed after PAUSE: the RTP-Info of the resuming PLAY names the first
 * packet the viewer gets after it. The resuming PLAY starts the clock, and starting it sends what
 * is due at once (with fast start, up to a second ahead): where the pump had fallen behind the
 * clock before the PAUSE (a loaded machine), those packets went out before RTP-Info was read, and
 * it named a later packet than the viewer's next one (seen in CI: seq 3583 said, 3572 got).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtpSeq } from '../../../src/protocol/rtp/rtp.js';
import type { SdpInfo } from '../../../src/protocol/sdp/sdp.js';
import type { SourceSubscriber } from '../../../src/source/media-source.js';
import { ChunkCache } from '../../../src/serve/chunk-cache.js';
import type { Pacer } from '../../../src/serve/pacer.js';
import { RecordingPlayback } from '../../../src/serve/playout.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { memoryLogger } from '../../helpers/log.js';
import { rtp, sampleMeta, tempDir } from '../store/helpers.js';

/** MP2T: no keyframe rules, every packet is a place to start. */
const INFO = { tracks: [{ clockRate: 90_000, encoding: 'MP2T' }] } as unknown as SdpInfo;
/** 5 s, a packet every 10 ms. */
const PACKETS = 500;

class Viewer implements SourceSubscriber {
  readonly id = 'viewer';
  readonly rtp: Buffer[] = [];
  onRtp(_track: number, packet: Buffer): void {
    this.rtp.push(packet);
  }
  onRtcp(): void {}
  onSourceClosed(): void {}
}

async function playback(clock: { ms: number }): Promise<RecordingPlayback> {
  const dir = join(await tempDir(), 'rec');
  const w = await RecordingWriter.create(dir, sampleMeta(1), { flushIntervalMs: 0 });
  for (let i = 0; i < PACKETS; i++) w.append(0, 1000 + i, rtp(1000 + i, i * 900, { size: 100 }), 0);
  await w.close('complete');
  // Wake-ups never come: the pump runs only when PLAY starts the clock (a starved process).
  const pacer = { wakeIn: () => undefined, cancel: () => undefined } as unknown as Pacer;
  return new RecordingPlayback({
    id: 'resume-test',
    recordingId: 'rec',
    recording: await openRecording(dir),
    chunks: new ChunkCache(),
    info: INFO,
    origin: 'rtsp://origin.example/movie',
    pathName: 'movie',
    log: memoryLogger('debug').log,
    onClose: () => undefined,
    now: () => clock.ms,
    pacer,
  });
}

describe('playout resumed after PAUSE', () => {
  it("the resuming PLAY's RTP-Info is the first packet the viewer gets after it", async () => {
    const clock = { ms: 0 };
    const p = await playback(clock);
    const viewer = new Viewer();
    p.subscribe(viewer);
    try {
      await p.play('npt=0-', { fastStart: true, reliable: true });
      const sentBefore = viewer.rtp.length;
      expect(sentBefore).toBeGreaterThan(0);
      expect(sentBefore).toBeLessThan(PACKETS / 2);
      // 2.5 s pass with the pump asleep, then PAUSE and PLAY again.
      clock.ms = 2500;
      await p.pause();
      const resumed = await p.play(undefined, { fastStart: true, reliable: true });
      expect(viewer.rtp.length).toBeGreaterThan(sentBefore);
      const next = viewer.rtp[sentBefore]!;
      expect(resumed.tracks[0]?.seq).toBe(rtpSeq(next));
      // Nothing skipped or repeated across the pause.
      expect(rtpSeq(next)).toBe((rtpSeq(viewer.rtp[sentBefore - 1]!) + 1) & 0xffff);
    } finally {
      p.close();
    }
  });
});
