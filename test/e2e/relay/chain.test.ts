/**
 * seamd as the origin of another seamd: an edge seamd (B) whose paths point at a central seamd
 * (A) in front of the real origin. B must parse A's answers (its session ids, Content-Base,
 * RTP-Info, Range), take A's fast-start burst on a fresh upstream session (packets from the past
 * arriving at once, each track's sender report first), and hand its own viewers a stream a
 * player decodes from the first frame: the same payloads a direct session gets from the origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKind } from '../../../src/protocol/rtp/keyframe.js';
import { rtpSeq, rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import { parseRtpInfo } from '../../../src/protocol/rtsp/headers/rtp-info.js';
import { startOrigin, type Origin } from '../../helpers/origin.js';
import { ffmpegDecode, run } from '../../helpers/players.js';
import { payloadOf, playAll, keepPlaying, RawRtspClient } from '../../helpers/raw-client.js';
import { startSeamd, type Seamd } from '../../helpers/seamd.js';

let origin: Origin;
let central: Seamd;
let edge: Seamd;
let keeper: RawRtspClient;

const LOOPBACK = 'listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }';

beforeAll(async () => {
  origin = await startOrigin();
  central = await startSeamd(`
${LOOPBACK}
paths:
  live: { origin: ${origin.url('live2s')} }
  file: { origin: ${origin.url('file')} }
`);
  edge = await startSeamd(`
${LOOPBACK}
paths:
  live: { origin: ${central.url('live')} }
  file: { origin: ${central.url('file')} }
`);
  // A viewer of the central seamd keeps its live source open, so it has a GOP to offer.
  keeper = await keepPlaying(central.port, central.url('live'), 2);
  await new Promise((r) => setTimeout(r, 5500)); // past a keyframe (every 2 s) and the SRs
}, 40000);

afterAll(async () => {
  keeper?.close();
  await edge?.stop();
  await central?.stop();
  await origin?.stop();
});

const VIDEO = 0;

describe('seamd in front of seamd', () => {
  it('live: the edge opens its source on a burst from the central seamd; its viewer starts at a keyframe', async () => {
    const burstsBefore = central.events('viewer.join').length;
    const r = await playAll({ host: '127.0.0.1', port: edge.port }, edge.url('live'), 'tcp', {
      maxMs: 4000,
    });
    // The edge's upstream session was a viewer of the central seamd and got the GOP at once.
    const joins = central.events('viewer.join').slice(burstsBefore);
    expect(joins.length).toBe(1);
    expect(joins[0]?.burst).toBeGreaterThan(0);
    const video = r.rtp[VIDEO] ?? [];
    expect(video.length).toBeGreaterThan(50);
    const firstTs = rtpTimestamp(video[0] as Buffer);
    const unit = video
      .filter((p) => rtpTimestamp(p) === firstTs)
      .map((p) => startKind('H264', payloadOf(p)));
    expect(['prefix', 'keyframe']).toContain(unit[0]);
    expect(unit).toContain('keyframe');
    const seqs = video.map(rtpSeq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(((seqs[i - 1] ?? 0) + 1) & 0xffff);
    const info = parseRtpInfo(r.play.headers.get('RTP-Info') ?? '');
    expect(info[VIDEO]).toMatchObject({ seq: seqs[0], rtptime: firstTs });
  }, 30000);

  it.each(['tcp', 'udp'] as const)(
    'live over %s: ffprobe through both seamds sees a keyframe first, ffmpeg decodes clean',
    async (transport) => {
      const res = await run('ffprobe', [
        '-v',
        'error',
        '-rtsp_transport',
        transport,
        '-select_streams',
        'v',
        '-show_entries',
        'frame=key_frame,pts_time',
        '-read_intervals',
        '%+#30',
        '-of',
        'csv=p=0',
        edge.url('live'),
      ]);
      expect(res.stderr).toBe('');
      const frames = res.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      expect(frames.length).toBeGreaterThan(5);
      expect(frames[0]?.[0]).toBe('1');
      // Nothing before the keyframe was dropped: the next frame is one frame later (25 fps).
      expect(Number(frames[1]?.[1])).toBeLessThan(0.1);
      const d = await ffmpegDecode(edge.url('live'), transport, { durationSec: 3 });
      expect(d.stderr).toBe('');
      expect(d.code).toBe(0);
    },
    40000,
  );

  it('file: every payload the origin sends directly arrives through both seamds, in order, once', async () => {
    const direct = await playAll(
      { host: '127.0.0.1', port: origin.port },
      origin.url('file'),
      'tcp',
    );
    const via = await playAll({ host: '127.0.0.1', port: edge.port }, edge.url('file'), 'tcp');
    expect(via.trackCount).toBe(direct.trackCount);
    for (let t = 0; t < direct.trackCount; t++) {
      const want = (direct.rtp[t] ?? []).map((p) => payloadOf(p).toString('hex'));
      const got = (via.rtp[t] ?? []).map((p) => payloadOf(p).toString('hex'));
      expect(want.length).toBeGreaterThan(100);
      expect(got).toEqual(want);
    }
    const d = await ffmpegDecode(edge.url('file'), 'udp');
    expect(d.stderr).toBe('');
    expect(d.code).toBe(0);
  }, 60000);
});
