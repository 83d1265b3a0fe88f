/**
 * Fast start on a live channel that is already open (another viewer keeps it running): a
 * viewer joining mid-GOP gets the GOP in progress at once, starting at its keyframe, with audio
 * from the keyframe's time; sequence numbers run on into the live packets and RTP-Info names
 * the first packet sent. ffmpeg's first decoded frame is that keyframe (nothing dropped before
 * it, no decoder complaints), GStreamer decodes from the start, and `fastStart: false` gives
 * today's join where the stream is now.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKind } from '../../../src/protocol/rtp/keyframe.js';
import { parseRtcp } from '../../../src/protocol/rtp/rtcp.js';
import { rtpSeq, rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import { parseRtpInfo } from '../../../src/protocol/rtsp/headers/rtp-info.js';
import { ffmpegDecode, run } from '../../helpers/players.js';
import {
  payloadOf,
  playAll,
  keepPlaying,
  RawRtspClient,
  type PlayResult,
} from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

let keeper: RawRtspClient;
const { seamd } = withOriginAndSeamd({
  config: ({ origin }) => `
paths:
  live: { origin: ${origin.url('live2s')} }
  live-off: { origin: ${origin.url('live2s')}, fastStart: false }
`,
});

beforeAll(async () => {
  // Another viewer keeps the live source open (TCP, so nothing needs a UDP port).
  keeper = await keepPlaying(seamd.port, seamd.url('live'), 2);
  // Long enough for a keyframe (every 2 s) and the sender reports to have gone by.
  await new Promise((r) => setTimeout(r, 5500));
}, 30000);

afterAll(() => keeper?.close());

const VIDEO = 0;
const AUDIO = 1;

function kindOf(packet: Buffer): string {
  return startKind('H264', payloadOf(packet));
}

function expectContinuous(packets: Buffer[]): void {
  const seqs = packets.map(rtpSeq);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(((seqs[i - 1] ?? 0) + 1) & 0xffff);
}

/** RTP time → seconds on the sender's clock, from a track's last sender report. */
function wallclock(result: PlayResult, track: number, clockRate: number, ts: number): number {
  const reports = (result.rtcp[track] ?? []).flatMap((p) => parseRtcp(p));
  const sr = reports.filter((r) => r.type === 'sr').pop();
  if (!sr || sr.type !== 'sr') throw new Error(`no sender report on track ${track}`);
  const ntp = sr.ntpSec + sr.ntpFrac / 2 ** 32;
  const delta = ((ts - sr.rtpTimestamp + 2 ** 31) % 2 ** 32) - 2 ** 31;
  return ntp + delta / clockRate;
}

describe('fast start, raw client', () => {
  it.each(['tcp', 'udp'] as const)(
    '%s: the GOP in progress from its keyframe, audio from its time, seqs running on',
    async (transport) => {
      const to = { host: '127.0.0.1', port: seamd.port };
      const joinsBefore = seamd.events('viewer.join').length;
      const r = await playAll(to, seamd.url('live'), transport, { maxMs: 6500 });
      const video = r.rtp[VIDEO] ?? [];
      const audio = r.rtp[AUDIO] ?? [];
      expect(video.length).toBeGreaterThan(100);
      expect(audio.length).toBeGreaterThan(100);
      // The first video packets are the keyframe's access unit: delimiter/parameter sets, IDR.
      const firstTs = rtpTimestamp(video[0] as Buffer);
      const unit = video.filter((p) => rtpTimestamp(p) === firstTs).map(kindOf);
      expect(['prefix', 'keyframe']).toContain(unit[0]);
      expect(unit).toContain('keyframe');
      expectContinuous(video);
      expectContinuous(audio);
      // RTP-Info names the first packet of each track.
      const info = parseRtpInfo(r.play.headers.get('RTP-Info') ?? '');
      expect(info[VIDEO]).toMatchObject({ seq: rtpSeq(video[0] as Buffer), rtptime: firstTs });
      expect(info[AUDIO]).toMatchObject({
        seq: rtpSeq(audio[0] as Buffer),
        rtptime: rtpTimestamp(audio[0] as Buffer),
      });
      // Audio starts at the keyframe's time (within an AAC frame and some slack).
      const v0 = wallclock(r, VIDEO, 90000, firstTs);
      const a0 = wallclock(r, AUDIO, 44100, rtpTimestamp(audio[0] as Buffer));
      expect(Math.abs(a0 - v0)).toBeLessThan(0.1);
      const join = seamd.events('viewer.join').slice(joinsBefore);
      expect(join[0]?.burst).toBeGreaterThan(0);
    },
    30000,
  );

  it('fastStart: false joins where the stream is now (no burst), as before', async () => {
    const to = { host: '127.0.0.1', port: seamd.port };
    const joinsBefore = seamd.events('viewer.join').length;
    const r = await playAll(to, seamd.url('live-off'), 'tcp', { maxMs: 3000 });
    const video = r.rtp[VIDEO] ?? [];
    const at = r.rtpAt[VIDEO] ?? [];
    expect(video.length).toBeGreaterThan(20);
    const info = parseRtpInfo(r.play.headers.get('RTP-Info') ?? '');
    expect(info[VIDEO]?.seq).toBe(rtpSeq(video[0] as Buffer));
    expectContinuous(video);
    // Paced as they come from the origin: the first 200 ms carry well under 0.5 s of media.
    const early = video.filter((_, i) => (at[i] ?? 0) - (at[0] ?? 0) < 200);
    const span =
      (rtpTimestamp(early[early.length - 1] as Buffer) - rtpTimestamp(early[0] as Buffer)) / 90000;
    expect(span).toBeLessThan(0.5);
    expect(seamd.events('viewer.join').slice(joinsBefore)[0]?.burst).toBe(0);
  }, 30000);
});

interface Probe {
  frames: Array<{ type: string; key: boolean; pts: number | undefined }>;
  start: Record<string, number>;
  stderr: string;
}

async function probe(url: string, transport: 'tcp' | 'udp', interval = '%+#60'): Promise<Probe> {
  const res = await run('ffprobe', [
    '-v',
    'error',
    '-rtsp_transport',
    transport,
    '-show_entries',
    'stream=codec_type,start_time:frame=media_type,key_frame,pts_time',
    '-read_intervals',
    interval,
    '-of',
    'compact',
    url,
  ]);
  const frames: Probe['frames'] = [];
  const start: Record<string, number> = {};
  for (const line of res.stdout.split('\n')) {
    const f = Object.fromEntries(line.split('|').map((kv) => kv.split('=') as [string, string]));
    if (line.startsWith('frame|')) {
      const pts = Number(f.pts_time);
      frames.push({
        type: f.media_type ?? '',
        key: f.key_frame === '1',
        pts: Number.isFinite(pts) ? pts : undefined,
      });
    } else if (line.startsWith('stream|')) {
      start[f.codec_type ?? ''] = Number(f.start_time);
    }
  }
  return { frames, start, stderr: res.stderr };
}

describe('fast start, players', () => {
  it.each(['tcp', 'udp'] as const)(
    'ffmpeg over %s: the first decoded frame is the keyframe at the start, A/V start together',
    async (transport) => {
      const p = await probe(seamd.url('live'), transport);
      expect(p.stderr).toBe('');
      const video = p.frames.filter((f) => f.type === 'video');
      expect(video.length).toBeGreaterThan(5);
      expect(video[0]?.key).toBe(true);
      // Nothing before the keyframe was dropped: the frame after it is one frame in (25 fps).
      expect(video[1]?.pts).toBeLessThan(0.1);
      expect(Math.abs((p.start.video ?? NaN) - (p.start.audio ?? NaN))).toBeLessThan(0.1);
      // And a few seconds of decoding from the join on: no decoder complaints at all.
      const d = await ffmpegDecode(seamd.url('live'), transport, { durationSec: 3 });
      expect(d.stderr).toBe('');
      expect(d.code).toBe(0);
    },
    40000,
  );

  it('ffmpeg with fastStart: false drops the frames before the next keyframe (today)', async () => {
    // 3 s of media: the next keyframe (every 2 s) is in it.
    const p = await probe(seamd.url('live-off'), 'tcp', '%+3');
    const video = p.frames.filter((f) => f.type === 'video');
    // Joined mid-GOP: the first decodable frame comes later than the first packets.
    expect(video[0]?.key).toBe(true);
    expect(video[0]?.pts ?? 0).toBeGreaterThan(0.1);
  }, 40000);

  it('GStreamer (rtspsrc ! decodebin) decodes a buffer right after the join', async () => {
    const { firstBufferMs, log } = await gstFirstBuffer(seamd.url('live'));
    expect(log).not.toMatch(/ERROR|WARNING/);
    expect(firstBufferMs).toBeLessThan(3000);
  }, 40000);
});

/** gst-launch with a verbose fakesink: time from start to the first decoded video buffer. */
function gstFirstBuffer(url: string): Promise<{ firstBufferMs: number; log: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      'gst-launch-1.0',
      [
        '-v',
        'rtspsrc',
        `location=${url}`,
        'protocols=tcp',
        'name=s',
        's.',
        '!',
        'application/x-rtp,media=video',
        '!',
        'decodebin',
        '!',
        'video/x-raw',
        '!',
        'fakesink',
        'silent=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    let firstBufferMs = Infinity;
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (firstBufferMs === Infinity && /fakesink\d*:sink\) \(\d+ bytes/.test(log)) {
        firstBufferMs = Date.now() - started;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.once('close', () => {
      clearTimeout(timer);
      const problems = log
        .split('\n')
        .filter((l) => /^(ERROR|WARNING)/.test(l))
        .join('\n');
      resolve({ firstBufferMs, log: problems });
    });
  });
}
