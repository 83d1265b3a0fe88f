import { describe, expect, it } from 'vitest';
import { rtpSeq, rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import type { SdpTrack } from '../../../src/protocol/sdp/sdp.js';
import { GopCache, type GopCacheLimits } from '../../../src/source/gop-cache.js';
import { rtpPacket, srPacket } from '../../helpers/rtp.js';

const VIDEO: SdpTrack = {
  index: 0,
  mediaType: 'video',
  control: 'rtsp://o/trackID=0',
  payloadType: 96,
  encoding: 'H264',
  clockRate: 90000,
  channels: undefined,
};
const AUDIO: SdpTrack = {
  index: 1,
  mediaType: 'audio',
  control: 'rtsp://o/trackID=1',
  payloadType: 97,
  encoding: 'MPEG4-GENERIC',
  clockRate: 48000,
  channels: 2,
};

const SPS = [0x67, 0x42, 0, 0x1e];
const PPS = [0x68, 0xce, 0x3c, 0x80];
const IDR = [0x65, 0x88, 0x84, 0x00];
const P_SLICE = [0x41, 0x9a, 0x02, 0x00];
/** FU-A start fragment of an IDR, then a middle fragment. */
const FU_IDR_START = [0x7c, 0x85, 0x88, 0x84];
const FU_IDR_MID = [0x7c, 0x05, 0x11, 0x22];

/**
 * A 25 fps live stream with a keyframe (SPS, PPS, IDR) every `gop` frames and 48 kHz audio
 * every 20 ms, interleaved as they would go out; audio and video clocks start together.
 */
class Stream {
  vseq = 1000;
  aseq = 5000;
  frame = 0;
  now = 0;
  constructor(
    readonly cache: GopCache,
    readonly gop = 25,
    readonly vts0 = 90_000,
    readonly ats0 = 480_000,
  ) {}

  vts(frame: number): number {
    return this.vts0 + frame * 3600;
  }

  /** One video frame (40 ms) and the two audio packets of that time. */
  step(fragmentedIdr = false): void {
    const ts = this.vts(this.frame);
    const key = this.frame % this.gop === 0;
    const payloads = key
      ? fragmentedIdr
        ? [SPS, PPS, FU_IDR_START, FU_IDR_MID]
        : [SPS, PPS, IDR]
      : [P_SLICE];
    for (const p of payloads) {
      this.cache.onRtp(0, rtpPacket({ seq: this.vseq++, ts, payload: p, pt: 96 }), this.now);
    }
    for (let i = 0; i < 2; i++) {
      const ms = this.frame * 40 + i * 20;
      const ats = this.ats0 + ms * 48;
      this.cache.onRtp(1, rtpPacket({ seq: this.aseq++, ts: ats, pt: 97 }), this.now + i * 20);
    }
    this.frame++;
    this.now += 40;
  }
}

const limits = (l: Partial<GopCacheLimits> = {}): GopCacheLimits => ({
  gops: 2,
  maxBytes: 8 * 1024 * 1024,
  maxPackets: 8192,
  ...l,
});

describe('GopCache', () => {
  it('has nothing to offer before the first keyframe', () => {
    const cache = new GopCache([VIDEO, AUDIO], limits());
    const s = new Stream(cache);
    s.frame = 3; // joins mid-GOP
    for (let i = 0; i < 10; i++) s.step();
    expect(cache.snapshot()).toBeUndefined();
  });

  it('a joiner gets the newest keyframe with its parameter sets, then every packet since', () => {
    const cache = new GopCache([VIDEO, AUDIO], limits());
    const s = new Stream(cache);
    for (let i = 0; i < 25 + 10; i++) s.step();
    const burst = cache.snapshot();
    expect(burst).toBeDefined();
    if (!burst) return;
    const video = burst.packets.filter((p) => p.track === 0).map((p) => p.packet);
    // Frame 25's access unit: SPS, PPS, IDR, then 9 P frames.
    expect(video.length).toBe(3 + 9);
    expect(video[0]?.[12]).toBe(0x67);
    expect(rtpTimestamp(video[0] as Buffer)).toBe(s.vts(25));
    const vseqs = video.map(rtpSeq);
    for (let i = 1; i < vseqs.length; i++) expect(vseqs[i]).toBe((vseqs[i - 1] as number) + 1);
    expect(vseqs[vseqs.length - 1]).toBe(s.vseq - 1);
    // RTP-Info names the first packet of each track.
    expect(burst.tracks[0]).toEqual({ seq: vseqs[0], rtptime: s.vts(25) });
    const audio = burst.packets.filter((p) => p.track === 1).map((p) => p.packet);
    expect(burst.tracks[1]).toEqual({
      seq: rtpSeq(audio[0] as Buffer),
      rtptime: rtpTimestamp(audio[0] as Buffer),
    });
    expect(burst.last).toBe(burst.packets[burst.packets.length - 1]?.packet);
  });

  it('audio starts at the keyframe time by the sender reports, even when it went out earlier', () => {
    const cache = new GopCache([VIDEO, AUDIO], limits());
    const s = new Stream(cache);
    // Sender reports relate the clocks: both streams' first samples were at NTP 1000.0 s.
    cache.onRtcp(0, srPacket({ ssrc: 1, rtpTimestamp: s.vts0, ntpSec: 1000, ntpFrac: 0 }));
    cache.onRtcp(1, srPacket({ ssrc: 2, rtpTimestamp: s.ats0, ntpSec: 1000, ntpFrac: 0 }));
    // Audio leads video by 200 ms on the wire: send 10 audio packets ahead.
    const lead: Buffer[] = [];
    for (let i = 0; i < 10; i++) lead.push(rtpPacket({ seq: s.aseq++, ts: s.ats0 + i * 960 }));
    let audioAt = 0;
    for (const p of lead) cache.onRtp(1, p, 0);
    for (let f = 0; f < 40; f++) {
      const ts = s.vts(f);
      const payloads = f % 25 === 0 ? [SPS, PPS, IDR] : [P_SLICE];
      for (const p of payloads)
        cache.onRtp(0, rtpPacket({ seq: s.vseq++, ts, payload: p }), f * 40);
      for (let i = 0; i < 2; i++) {
        const ms = 200 + audioAt * 20;
        cache.onRtp(1, rtpPacket({ seq: s.aseq++, ts: s.ats0 + ms * 48 }), f * 40);
        audioAt++;
      }
    }
    const burst = cache.snapshot();
    if (!burst) throw new Error('no burst');
    // The keyframe is frame 25 (1.0 s): audio from the packet at 1.0 s, though it was sent
    // before that keyframe (while frame 20 went out).
    const firstAudio = burst.packets.find((p) => p.track === 1)?.packet as Buffer;
    expect(rtpTimestamp(firstAudio)).toBe(s.ats0 + 1000 * 48);
    expect(burst.tracks[1]?.rtptime).toBe(s.ats0 + 1000 * 48);
    expect(burst.packets[0]?.track).toBe(1);
    // Each track's newest sender report goes with the burst (a copy, the bytes as received).
    expect(burst.reports.map((r) => r.track)).toEqual([0, 1]);
    expect(burst.reports[1]?.packet).toEqual(
      srPacket({ ssrc: 2, rtpTimestamp: s.ats0, ntpSec: 1000, ntpFrac: 0 }),
    );
  });

  it('an IDR in fragments is one GOP start; its middle fragments are not', () => {
    const cache = new GopCache([VIDEO, AUDIO], limits());
    const s = new Stream(cache);
    for (let i = 0; i < 30; i++) s.step(true);
    const burst = cache.snapshot();
    const video = burst?.packets.filter((p) => p.track === 0).map((p) => p.packet) ?? [];
    expect(rtpTimestamp(video[0] as Buffer)).toBe(s.vts(25));
    expect(video.length).toBe(4 + 4);
  });

  it('keeps at most the configured GOPs and drops what falls outside the byte bound', () => {
    const cache = new GopCache([VIDEO, AUDIO], limits({ gops: 2 }));
    const s = new Stream(cache, 10);
    for (let i = 0; i < 100; i++) s.step();
    expect(cache.gopCount).toBe(2);
    // Frames 80..99 (two GOPs of 10 frames: 3 packets a frame, 2 more a keyframe) and the
    // second before them (25 frames, 3 keyframes), not the 100 frames sent.
    expect(cache.packetCount).toBeGreaterThanOrEqual(20 * 3 + 4);
    expect(cache.packetCount).toBeLessThanOrEqual(20 * 3 + 4 + 25 * 3 + 3 * 2 + 1);

    const small = new GopCache([VIDEO, AUDIO], limits({ maxBytes: 600 }));
    const t = new Stream(small, 50);
    for (let i = 0; i < 45; i++) t.step();
    // A GOP bigger than the bound cannot be served whole: nothing is offered.
    expect(small.byteCount).toBeLessThanOrEqual(600);
    expect(small.snapshot()).toBeUndefined();
  });

  it('caches nothing for content without H.264/H.265 video', () => {
    const cache = new GopCache([AUDIO], limits());
    expect(cache.usable).toBe(false);
    cache.onRtp(0, rtpPacket({ seq: 1, ts: 1 }), 0);
    expect(cache.packetCount).toBe(0);
  });

  it('a track with nothing since the keyframe is named by its next sequence number', () => {
    const cache = new GopCache([VIDEO, AUDIO], limits());
    cache.onRtp(1, rtpPacket({ seq: 77, ts: 10 }), 0);
    cache.onRtp(0, rtpPacket({ seq: 1, ts: 5000, payload: IDR }), 100);
    const burst = cache.snapshot();
    expect(burst?.tracks[1]).toEqual({ seq: 78 });
    expect(burst?.packets.map((p) => p.track)).toEqual([0]);
  });
});
