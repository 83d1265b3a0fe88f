/**
 * Time-shift over RTSP against the real origin's live mount: a PLAY with `Range: clock=T-` gets
 * what the origin sent at T (compared payload for payload with a direct session made at the same
 * time), starting at the keyframe at or before T; `?ago=` URLs play in ffmpeg; a time in the
 * future or on a path with no archive is 457; before the archive: its start, said in Range.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatUtcTime, parseClockRange } from '../../../src/protocol/rtsp/headers/clock-range.js';
import { readOnvifExtension } from '../../../src/protocol/rtp/onvif-ext.js';
import { msFromNtp } from '../../../src/protocol/rtp/wallclock.js';
import { ffmpegDecode } from '../../helpers/players.js';
import {
  hasBye,
  payloadOf,
  playAll,
  RawRtspClient,
  type PlayResult,
} from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

let direct: PlayResult;
const dir = fileTempDir('seamd-timeshift-');
const { origin, seamd } = withOriginAndSeamd({
  config: ({ origin }) => `
recordings: { dir: ${dir} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 1h, segment: 4s } }
  plain: { origin: ${origin.url('live')} }
`,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (p: Buffer) => payloadOf(p).toString('base64');
const nal = (p: Buffer) => (payloadOf(p)[0] ?? 0) & 0x1f;

beforeAll(async () => {
  await sleep(1500);
  // What the origin sends, with arrival times, while the archive records it.
  direct = await playAll({ host: '127.0.0.1', port: origin.port }, origin.url('live'), 'tcp', {
    maxMs: 10_000,
  });
}, 60000);

function to(): { host: string; port: number } {
  return { host: '127.0.0.1', port: seamd.port };
}

describe('time-shift', () => {
  it('Range: clock=T- plays what the origin sent at T, from the keyframe at or before it', async () => {
    const video = direct.rtp[0]!;
    const at = direct.rtpAt[0]!;
    // T: 5 s into the direct session.
    const T = at[0]! + 5000;
    const res = await playAll(to(), seamd.url('live'), 'tcp', {
      range: `clock=${formatUtcTime(T)}-`,
      maxMs: 3000,
    });
    expect(res.play.status).toBe(200);
    const answered = parseClockRange(res.play.headers.get('Range') ?? '');
    expect(answered).toBeDefined();
    expect(answered!.startMs).toBeLessThanOrEqual(T);
    expect(answered!.startMs).toBeGreaterThan(T - 1000 - 300);
    expect(res.play.headers.get('RTP-Info')).toMatch(/seq=\d+;rtptime=\d+/);
    const got = res.rtp[0]!;
    expect(got.length).toBeGreaterThan(50);
    // The first packet is a keyframe's start (SPS or IDR) ...
    expect([5, 7, 24, 28]).toContain(nal(got[0]!));
    // ... the one the origin sent last before T (within one GOP: 25 frames, 1 s). The test
    // pattern repeats itself, so a payload is found by a run of 30 that matches, nearest to T.
    const run = 30;
    let first: number | undefined;
    for (let i = 0; i + run <= video.length; i++) {
      let same = true;
      for (let k = 0; k < run && same; k++) same = key(video[i + k]!) === key(got[k]!);
      if (same && (first === undefined || Math.abs(at[i]! - T) < Math.abs(at[first]! - T)))
        first = i;
    }
    expect(first).toBeDefined();
    const firstAt = at[first!]!;
    expect(firstAt).toBeLessThanOrEqual(T + 150);
    expect(firstAt).toBeGreaterThan(T - 1000 - 300);
    // And from there on the same payloads, in the same order, none missing.
    const n = Math.min(got.length, video.length - first!, 200);
    for (let i = 0; i < n; i++) expect(key(got[i]!)).toBe(key(video[first! + i]!));
    // Continuous sequence numbers for the viewer.
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.readUInt16BE(2)).toBe((got[i - 1]!.readUInt16BE(2) + 1) & 0xffff);
    }
    expect(seamd.events('timeshift.start').length).toBeGreaterThanOrEqual(1);
  }, 30000);

  it('an end time ends the playback with a BYE', async () => {
    const T = direct.rtpAt[0]![0]! + 2000;
    const res = await playAll(to(), seamd.url('live'), 'tcp', {
      range: `clock=${formatUtcTime(T)}-${formatUtcTime(T + 2000)}`,
      maxMs: 8000,
    });
    expect(res.play.headers.get('Range')).toMatch(
      /^clock=\d{8}T\d{6}(\.\d+)?Z-\d{8}T\d{6}(\.\d+)?Z$/,
    );
    expect(seamd.events('timeshift.end').length).toBeGreaterThanOrEqual(1);
    // Played at real time: about the 2 s (plus the lead-in from the keyframe), not 8.
    const span = res.rtpAt[0]!.at(-1)! - res.rtpAt[0]![0]!;
    expect(span).toBeGreaterThan(1500);
    expect(span).toBeLessThan(3800);
  }, 30000);

  it('a time before the archive plays from its start and says so; the future and no archive are 457', async () => {
    const early = await playAll(to(), seamd.url('live'), 'tcp', {
      range: 'clock=20200101T000000Z-',
      maxMs: 1000,
    });
    const start = parseClockRange(early.play.headers.get('Range') ?? '')!.startMs;
    expect(start).toBeGreaterThan(Date.UTC(2026, 0, 1));
    expect(start).toBeLessThan(direct.rtpAt[0]![0]!);
    expect(early.rtp[0]!.length).toBeGreaterThan(5);

    const c = await RawRtspClient.connect('127.0.0.1', seamd.port);
    try {
      const d = await c.request('DESCRIBE', seamd.url('live'));
      const base = d.headers.get('Content-Base')!;
      await c.request('SETUP', `${base}trackID=0`, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      });
      const future = await c.request('PLAY', base, {
        Range: `clock=${formatUtcTime(Date.now() + 3_600_000)}-`,
      });
      expect(future.status).toBe(457);
    } finally {
      c.close();
    }
    const plain = await RawRtspClient.connect('127.0.0.1', seamd.port);
    try {
      const d = await plain.request('DESCRIBE', seamd.url('plain'));
      const base = d.headers.get('Content-Base')!;
      await plain.request('SETUP', `${base}trackID=0`, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      });
      const none = await plain.request('PLAY', base, { Range: 'clock=20261201T141500Z-' });
      expect(none.status).toBe(457);
      const onvif = await plain.request('PLAY', base, { Require: 'onvif-replay' });
      expect(onvif.status).toBe(551);
    } finally {
      plain.close();
    }
    const bad = await RawRtspClient.connect('127.0.0.1', seamd.port);
    try {
      expect((await bad.request('DESCRIBE', `${seamd.url('live')}?at=yesterday`)).status).toBe(457);
      expect((await bad.request('DESCRIBE', `${seamd.url('plain')}?ago=5s`)).status).toBe(457);
    } finally {
      bad.close();
    }
  }, 30000);

  it('ONVIF replay: Rate-Control: no is faster than real time, 0xABAC on each access unit', async () => {
    const T = direct.rtpAt[0]![0]! + 1000;
    const res = await playAll(to(), seamd.url('live'), 'tcp', {
      range: `clock=${formatUtcTime(T)}-${formatUtcTime(T + 6000)}`,
      playHeaders: { Require: 'onvif-replay', 'Rate-Control': 'no' },
      maxMs: 6000,
    });
    expect(res.play.status).toBe(200);
    const video = res.rtp[0]!;
    expect(video.length).toBeGreaterThan(100);
    // 6 s of media as fast as TCP takes it: well under the 750 ms a fixed 8× would need.
    const span = res.rtpAt[0]!.at(-1)! - res.rtpAt[0]![0]!;
    expect(span).toBeLessThan(400);
    // And the end of the range is where it stops (the BYE), not 6 s of real time later.
    expect(hasBye(Buffer.concat(res.rtcp[0]!))).toBe(true);
    const withExt = video.filter((p) => readOnvifExtension(p) !== undefined);
    const units = new Set(video.map((p) => p.readUInt32BE(4))).size;
    expect(withExt.length).toBe(units);
    const first = readOnvifExtension(video[0]!)!;
    expect(first.flags.cleanPoint).toBe(true);
    const ms = msFromNtp(first.ntpSec, first.ntpFrac);
    expect(Math.abs(ms - parseClockRange(res.play.headers.get('Range')!)!.startMs)).toBeLessThan(2);
    // RTP-Info names the first packet the viewer got (not one after what went out at once).
    expect(res.play.headers.get('RTP-Info')).toContain(`seq=${video[0]!.readUInt16BE(2)};`);
  }, 30000);

  it('Rate-Control: no to a UDP viewer (no flow control): 8x real time, not faster', async () => {
    const T = direct.rtpAt[0]![0]! + 1000;
    const res = await playAll(to(), seamd.url('live'), 'udp', {
      range: `clock=${formatUtcTime(T)}-${formatUtcTime(T + 6000)}`,
      playHeaders: { Require: 'onvif-replay', 'Rate-Control': 'no' },
      maxMs: 6000,
    });
    expect(res.play.status).toBe(200);
    expect(res.rtp[0]!.length).toBeGreaterThan(100);
    expect(hasBye(Buffer.concat(res.rtcp[0]!))).toBe(true);
    // 6 s at 8x: 750 ms less the first lead (160 ms of media sent at once).
    const span = res.rtpAt[0]!.at(-1)! - res.rtpAt[0]![0]!;
    expect(span).toBeGreaterThan(600);
    expect(span).toBeLessThan(3000);
  }, 30000);

  it('ffmpeg decodes ?ago=20s clean', async () => {
    // An archive more than 20 s deep first (the earlier tests took most of that time).
    const began = Date.parse(String(seamd.events('archive.start')[0]!.time));
    while (Date.now() - began < 22_000) await sleep(250);
    const r = await ffmpegDecode(`${seamd.url('live')}?ago=20s`, 'tcp', { durationSec: 4 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const ev = seamd.events('timeshift.start').at(-1)!;
    const asked = Date.parse(String(ev.asked));
    expect(Date.now() - asked).toBeGreaterThan(20_000);
    // Inside the archive (not its start, which a time before the archive gets), within a GOP.
    expect(ev.where).toBe('inside');
    expect(asked - Date.parse(String(ev.start))).toBeGreaterThanOrEqual(0);
    expect(asked - Date.parse(String(ev.start))).toBeLessThan(2100);
  }, 40000);
});
