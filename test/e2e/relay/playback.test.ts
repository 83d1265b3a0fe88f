/**
 * Real players through seamd against a real origin (gst-rtsp-server): ffmpeg and GStreamer's
 * rtspsrc over TCP and UDP decode the whole clip; packet for packet, every RTP payload the
 * origin sends arrives through seamd, in order, once, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { CLIP_FACTS } from '../../helpers/origin.js';
import { ffmpegDecode, ffprobeFrames, gstDecode } from '../../helpers/players.js';
import { payloadOf, playAll } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
paths:
  file: { origin: ${origin.url('file')} }
  live: { origin: ${origin.url('live')} }
  secure: { origin: rtsp://seamd:secret@127.0.0.1:${origin.authPort}/file }
  secure2: { origin: ${origin.authUrl('file')} }
transparent: { allow: [127.0.0.1] }
upstream:
  credentials: { "127.0.0.1:${origin.authPort}": { username: seamd, password: secret } }
`,
});

describe('players decode the whole clip through seamd', () => {
  for (const transport of ['tcp', 'udp'] as const) {
    it(`ffmpeg over ${transport}`, async () => {
      const r = await ffmpegDecode(seamd.url('file'), transport);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }, 30000);

    it(`ffprobe over ${transport} counts every frame the origin gives it directly`, async () => {
      const [via, direct] = await Promise.all([
        ffprobeFrames(seamd.url('file'), transport),
        ffprobeFrames(origin.url('file'), transport),
      ]);
      expect(via.result.code).toBe(0);
      expect(via.video).toBe(CLIP_FACTS.videoFrames);
      // Over RTSP ffmpeg reads a couple of AAC frames fewer than the file holds (priming and
      // the last partial packet); through seamd it must read exactly what it reads direct.
      expect(direct.audio).toBeGreaterThan(CLIP_FACTS.audioFrames - 5);
      expect(via.audio).toBe(direct.audio);
      expect(via.video).toBe(direct.video);
    }, 30000);

    it(`gst-launch rtspsrc over ${transport}`, async () => {
      const since = seamd.logs.length;
      const r = await gstDecode(seamd.url('file'), transport);
      // A hang (killed: code null) fails with what rtspsrc and seamd did last.
      const why = () =>
        `rtspsrc:\n${r.debugTail}\nseamd:\n${seamd.logs
          .slice(since)
          .map((l) => JSON.stringify(l))
          .join('\n')}`;
      expect(r.stderr, why()).not.toMatch(/ERROR/);
      expect(r.code, why()).toBe(0);
    }, 30000);
  }

  it('ffmpeg through a Digest-protected origin (credentials in the path map)', async () => {
    const r = await ffmpegDecode(seamd.url('secure'), 'tcp');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 30000);

  it('ffmpeg through a Digest-protected origin (credentials from upstream.credentials)', async () => {
    const r = await ffmpegDecode(seamd.url('secure2'), 'tcp');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 30000);
});

describe('packet for packet', () => {
  it('every payload the origin sends arrives once, in order, nothing foreign (TCP and UDP)', async () => {
    const direct = await playAll(
      { host: '127.0.0.1', port: origin.port },
      origin.url('file'),
      'tcp',
    );
    expect(direct.trackCount).toBe(2);
    const viaTcp = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('file'), 'tcp');
    const viaUdp = await playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('file'), 'udp');
    for (const via of [viaTcp, viaUdp]) {
      expect(via.trackCount).toBe(2);
      for (let t = 0; t < 2; t++) {
        const want = (direct.rtp[t] ?? []).map((p) => payloadOf(p).toString('base64'));
        const got = (via.rtp[t] ?? []).map((p) => payloadOf(p).toString('base64'));
        expect(want.length).toBeGreaterThan(100);
        expect(got).toEqual(want);
        // Sequence numbers run on without holes or repeats.
        const seqs = (via.rtp[t] ?? []).map((p) => p.readUInt16BE(2));
        for (let i = 1; i < seqs.length; i++) {
          expect(seqs[i]).toBe(((seqs[i - 1] ?? 0) + 1) & 0xffff);
        }
      }
      // RTP-Info names seamd's track URLs and the first packets' seq/rtptime.
      const info = via.play.headers.get('RTP-Info') ?? '';
      expect(info).toContain(`url=${seamd.url('file')}/trackID=0`);
      const seq0 = /trackID=0;seq=(\d+)/.exec(info)?.[1];
      expect(Number(seq0)).toBe(via.rtp[0]?.[0]?.readUInt16BE(2));
    }
  }, 60000);

  it('transparent mode: a Request-URI naming an allowed origin host is relayed', async () => {
    const direct = await playAll(
      { host: '127.0.0.1', port: origin.port },
      origin.url('file'),
      'tcp',
    );
    const via = await playAll({ host: '127.0.0.1', port: seamd.port }, origin.url('file'), 'tcp');
    for (let t = 0; t < 2; t++) {
      expect(via.rtp[t]?.map((p) => payloadOf(p).toString('base64'))).toEqual(
        direct.rtp[t]?.map((p) => payloadOf(p).toString('base64')),
      );
    }
    expect(via.describe.headers.get('Content-Base')).toBe(`${origin.url('file')}/`);
  }, 60000);
});
