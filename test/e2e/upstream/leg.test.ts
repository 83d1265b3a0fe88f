import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AUTH, CLIP_FACTS, startOrigin, type Origin } from '../../helpers/origin.js';
import { freeTcpPort } from '../../helpers/ports.js';
import {
  Leg,
  type LegOptions,
  type PlayOptions,
  type PlayResult,
} from '../../../src/upstream/leg.js';
import { UpstreamError } from '../../../src/errors.js';
import { rejection } from '../../helpers/expect-code.js';

const T = 30_000;
const log = pino({ level: process.env.SEAMD_TEST_LOG ?? 'silent' });

function makeLeg(url: string, over: Partial<LegOptions> = {}): Leg {
  return new Leg({
    id: `e2e-${Math.random().toString(36).slice(2, 8)}`,
    url,
    transport: 'udp',
    udpTimeoutMs: 2000,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 5000,
    userAgent: 'seamd-e2e',
    log,
    ...over,
  });
}

interface TrackRun {
  count: number;
  firstSeq: number | undefined;
  firstTs: number | undefined;
  seqs: Set<number>;
}

interface Run {
  play: PlayResult;
  tracks: TrackRun[];
  rtcp: number;
}

/** Plays until no RTP arrived for `idleMs` (the clip ended), at most `maxMs`. */
async function playToEnd(
  leg: Leg,
  opts: PlayOptions = {},
  idleMs = 1200,
  maxMs = 15_000,
): Promise<Run> {
  const tracks: TrackRun[] = [0, 1].map(() => ({
    count: 0,
    firstSeq: undefined,
    firstTs: undefined,
    seqs: new Set<number>(),
  }));
  let last = Date.now();
  let rtcp = 0;
  leg.on('rtp', (i, p) => {
    const t = tracks[i];
    if (!t) return;
    t.count++;
    t.firstSeq ??= p.readUInt16BE(2);
    t.firstTs ??= p.readUInt32BE(4);
    t.seqs.add(p.readUInt16BE(2));
    last = Date.now();
  });
  leg.on('rtcp', () => rtcp++);
  const play = await leg.play(opts);
  const started = Date.now();
  last = started;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      const anyData = tracks.some((t) => t.count > 0);
      if ((anyData && now - last > idleMs) || now - started > maxMs) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
  });
  return { play, tracks, rtcp };
}

function nptStart(range: string | undefined): number {
  const m = /npt\s*=\s*([\d.]+)/.exec(range ?? '');
  return m?.[1] ? Number(m[1]) : NaN;
}

describe('Leg against gst-rtsp-server', () => {
  let origin: Origin;
  const runs: Partial<Record<'udp' | 'tcp', Run>> = {};

  beforeAll(async () => {
    origin = await startOrigin();
  });
  afterAll(async () => {
    await origin.stop();
  });

  it('describes the file: two tracks, 90000 and 44100 Hz', { timeout: T }, async () => {
    const leg = makeLeg(origin.url('file'));
    const d = await leg.describe();
    expect(leg.state).toBe('described');
    expect(d.baseUrl).toBe(`${origin.url('file')}/`);
    expect(d.sdpText).toMatch(/^v=0/);
    expect(d.info.tracks.map((t) => [t.mediaType, t.encoding, t.clockRate])).toEqual([
      ['video', 'H264', 90000],
      ['audio', 'MPEG4-GENERIC', 44100],
    ]);
    await leg.teardown();
    expect(leg.state).toBe('closed');
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`plays the whole clip over ${transport}`, { timeout: T }, async () => {
      const leg = makeLeg(origin.url('file'), { transport });
      await leg.describe();
      const setup = await leg.setup();
      expect(setup.transport).toBe(transport);
      expect(setup.session.id).not.toBe('');
      expect(setup.session.timeout).toBe(60);
      const run = await playToEnd(leg);
      runs[transport] = run;
      expect(leg.state).toBe('playing');
      expect(run.play.status).toBe(200);
      expect(nptStart(run.play.range)).toBe(0);
      // RTP-Info names both tracks; rtptime is the first packet's timestamp
      expect(run.play.rtpInfo.map((e) => e.trackIndex)).toEqual([0, 1]);
      for (const [i, t] of run.tracks.entries()) {
        const info = run.play.rtpInfo.find((e) => e.trackIndex === i);
        expect(t.count).toBeGreaterThan(0);
        expect(t.seqs.size).toBe(t.count); // no duplicates
        expect(t.firstTs).toBe(info?.rtptime);
        // gst's RTP-Info seq is the first packet's (video) or one before it (audio)
        const lead = ((t.firstSeq ?? 0) - (info?.seq ?? 0) + 65536) % 65536;
        console.log(
          `[leg e2e] ${transport} track ${i}: RTP-Info seq=${info?.seq} rtptime=${info?.rtptime}, ` +
            `first packet seq=${t.firstSeq} ts=${t.firstTs}, ${t.count} packets`,
        );
        expect(lead).toBeLessThanOrEqual(2);
      }
      // no gaps: the sequence span equals the count
      for (const t of run.tracks) {
        const seqs = [...t.seqs];
        const first = t.firstSeq ?? 0;
        const span = Math.max(...seqs.map((s) => (s - first + 65536) % 65536)) + 1;
        expect(span).toBe(t.count);
      }
      expect(run.rtcp).toBeGreaterThan(0); // the origin's sender reports reach us
      await leg.teardown();
      expect(leg.state).toBe('closed');
    });
  }

  it('UDP and TCP deliver the same number of packets per track', () => {
    const udp = runs.udp?.tracks.map((t) => t.count);
    const tcp = runs.tcp?.tracks.map((t) => t.count);
    expect(udp).toBeDefined();
    expect(udp).toEqual(tcp);
    // the video track carries at least one packet per frame
    expect(udp?.[0]).toBeGreaterThanOrEqual(CLIP_FACTS.videoFrames);
    console.log(`[leg e2e] packets per track udp=${udp?.join('/')} tcp=${tcp?.join('/')}`);
  });

  it('auto picks UDP when the origin allows it', { timeout: T }, async () => {
    const leg = makeLeg(origin.url('file'), { transport: 'auto' });
    await leg.describe();
    expect((await leg.setup()).transport).toBe('udp');
    const run = await playToEnd(leg, {}, 500, 3000);
    expect(run.tracks[0]?.count).toBeGreaterThan(0);
    expect(leg.transport).toBe('udp');
    await leg.teardown();
  });

  it('PLAY with Range npt=2- starts near 2 s', { timeout: T }, async () => {
    const leg = makeLeg(origin.url('file'), { transport: 'tcp' });
    await leg.describe();
    await leg.setup();
    const run = await playToEnd(leg, { range: 'npt=2-' });
    console.log(`[leg e2e] PLAY Range npt=2- answered ${run.play.status} Range: ${run.play.range}`);
    expect(run.play.status).toBe(200);
    const start = nptStart(run.play.range);
    expect(start).toBeGreaterThan(1.5);
    expect(start).toBeLessThanOrEqual(2);
    const full = runs.tcp?.tracks ?? [];
    for (const [i, t] of run.tracks.entries()) {
      expect(t.count).toBeGreaterThan(0);
      expect(t.count).toBeLessThan(full[i]?.count ?? Infinity);
      const info = run.play.rtpInfo.find((e) => e.trackIndex === i);
      expect(t.firstTs).toBe(info?.rtptime);
    }
    await leg.teardown();
  });

  it('pauses and resumes', { timeout: T }, async () => {
    const leg = makeLeg(origin.url('file'), { transport: 'tcp' });
    await leg.describe();
    await leg.setup();
    await leg.play();
    await new Promise((r) => setTimeout(r, 500));
    await leg.pause();
    expect(leg.state).toBe('paused');
    await new Promise((r) => setTimeout(r, 300)); // drain frames in flight
    const paused = leg.packetCounts();
    await new Promise((r) => setTimeout(r, 700));
    expect(leg.packetCounts()).toEqual(paused);
    await leg.play();
    await new Promise((r) => setTimeout(r, 500));
    expect(leg.packetCounts()[0]).toBeGreaterThan(paused[0] ?? 0);
    await leg.teardown();
  });

  it('plays the shared live stream', { timeout: T }, async () => {
    const leg = makeLeg(origin.url('live'), { transport: 'tcp' });
    const d = await leg.describe();
    expect(d.info.live).toBe(true);
    await leg.setup();
    const run = await playToEnd(leg, {}, 500, 2500);
    expect(run.tracks.map((t) => t.count > 0)).toEqual([true, true]);
    await leg.teardown();
  });

  it('authenticates with Digest credentials from the URL', { timeout: T }, async () => {
    const url = origin
      .authUrl('file')
      .replace('rtsp://', `rtsp://${AUTH.username}:${AUTH.password}@`);
    const leg = makeLeg(url);
    expect(leg.url).toBe(origin.authUrl('file'));
    await leg.describe();
    await leg.setup();
    const run = await playToEnd(leg, {}, 500, 2000);
    expect(run.tracks.every((t) => t.count > 0)).toBe(true);
    await leg.teardown();
  });

  it('authenticates with Digest credentials from the options', { timeout: T }, async () => {
    const leg = makeLeg(origin.authUrl('file'), { credentials: { ...AUTH } });
    const d = await leg.describe();
    expect(d.info.tracks).toHaveLength(2);
    await leg.teardown();
  });

  it('fails with UPSTREAM_AUTH 401 without or with wrong credentials', { timeout: T }, async () => {
    const none = makeLeg(origin.authUrl('file'));
    let closed: Error | undefined;
    none.on('closed', (r) => (closed = r));
    const err = await rejection(none.describe());
    expect(err.code).toBe('UPSTREAM_AUTH');
    expect(err.status).toBe(401);
    expect(none.state).toBe('closed');
    expect(closed).toBe(err);

    const wrong = makeLeg(origin.authUrl('file'), {
      credentials: { username: 'seamd', password: 'nope' },
    });
    const err2 = await rejection(wrong.describe());
    expect(err2.code).toBe('UPSTREAM_AUTH');
    expect(err2.status).toBe(401);
  });

  it('gives UPSTREAM_STATUS 404 for an unknown path', { timeout: T }, async () => {
    const leg = makeLeg(origin.url('nope'));
    const err = await rejection(leg.describe());
    expect(err.code).toBe('UPSTREAM_STATUS');
    expect(err.status).toBe(404);
    expect(err.message).toContain('DESCRIBE');
  });

  it('gives UPSTREAM_CONNECT for a port nobody listens on', { timeout: T }, async () => {
    const port = await freeTcpPort();
    const leg = makeLeg(`rtsp://127.0.0.1:${port}/file`);
    const err = await rejection(leg.describe());
    expect(err.code).toBe('UPSTREAM_CONNECT');
  });
});

describe('Leg when the origin goes away', () => {
  it(
    'emits closed with UPSTREAM_CLOSED when the origin stops mid-play',
    { timeout: T },
    async () => {
      const origin = await startOrigin();
      try {
        const legs = [
          makeLeg(origin.url('live'), { transport: 'udp' }),
          makeLeg(origin.url('file'), { transport: 'tcp' }),
        ];
        const closed = legs.map(
          (leg) => new Promise<Error | undefined>((resolve) => leg.once('closed', resolve)),
        );
        for (const leg of legs) {
          await leg.describe();
          await leg.setup();
          await leg.play();
        }
        await new Promise((r) => setTimeout(r, 700));
        for (const leg of legs) expect(leg.packetCounts()[0]).toBeGreaterThan(0);
        await origin.stop();
        for (const [i, leg] of legs.entries()) {
          const reason = await closed[i];
          expect(reason).toBeInstanceOf(UpstreamError);
          expect((reason as UpstreamError).code).toBe('UPSTREAM_CLOSED');
          expect(leg.state).toBe('closed');
        }
      } finally {
        await origin.stop();
      }
    },
  );
});
