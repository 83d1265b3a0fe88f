import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { pino } from 'pino';
import { Leg, type LegOptions } from '../../../src/upstream/leg.js';
import { UpstreamError } from '../../../src/errors.js';
import { parseTransport } from '../../../src/protocol/rtsp/headers/index.js';
import { parseRtcp, serializeRtcp } from '../../../src/protocol/rtp/rtcp.js';
import type { RtspRequest } from '../../../src/protocol/rtsp/message.js';
import {
  startFakeServer,
  twoTrackSdp,
  type FakeConn,
  type FakeServer,
} from '../../helpers/fake-origin.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { rejection } from '../../helpers/expect-code.js';

interface Script {
  /** What to answer a UDP SETUP of track i: 'ok' (and stream when playing), 'silent', 'refuse'. */
  udp?: (track: number) => 'ok' | 'silent' | 'refuse';
  publicMethods?: string;
  sessionHeader?: string;
  sessionControl?: string | null;
  play?: (req: RtspRequest, conn: FakeConn) => boolean;
  /** Status to answer PAUSE with (default 200). */
  pause?: () => number;
  rtpInfo?: (base: string) => string;
}

interface Fake {
  server: FakeServer;
  /** Per track: the fake's RTP/RTCP sockets (server_port) and the client's ports. */
  udp: Array<{ rtp: Socket; rtcp: Socket; client?: [number, number]; rtcpIn: Buffer[] }>;
  setups: Array<{ conn: number; transport: 'UDP' | 'TCP'; session?: string }>;
}

const opened: Array<{ close(): unknown }> = [];
let fakes: Fake[] = [];

afterEach(async () => {
  for (const o of opened.splice(0)) o.close();
  for (const f of fakes) {
    for (const u of f.udp) {
      u.rtp.close();
      u.rtcp.close();
    }
    await f.server.close();
  }
  fakes = [];
});

function bindUdp(host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, host, () => resolve(s));
  });
}

async function fakeOrigin(script: Script = {}): Promise<Fake> {
  const udp: Fake['udp'] = await Promise.all(
    [0, 1].map(async () => ({
      rtp: await bindUdp(),
      rtcp: await bindUdp(),
      rtcpIn: [] as Buffer[],
    })),
  );
  for (const u of udp) u.rtcp.on('message', (m) => u.rtcpIn.push(m));
  const setups: Fake['setups'] = [];
  const fake: Fake = { server: undefined as unknown as FakeServer, udp, setups };
  fake.server = await startFakeServer((req, conn) => {
    const base = `${fake.server.url()}/`;
    const session = { Session: script.sessionHeader ?? 'SESS1;timeout=60' };
    switch (req.method) {
      case 'OPTIONS':
        return conn.reply(req, 200, {
          Public:
            script.publicMethods ??
            'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER',
        });
      case 'DESCRIBE':
        return conn.reply(
          req,
          200,
          { 'Content-Base': base, 'Content-Type': 'application/sdp' },
          twoTrackSdp({ sessionControl: script.sessionControl }),
        );
      case 'SETUP': {
        const track = Number(/stream=(\d)/.exec(req.uri)?.[1]);
        const t = parseTransport(req.headers.get('Transport') ?? '')[0];
        if (!t) return conn.reply(req, 400);
        setups.push({
          conn: conn.index,
          transport: t.lowerTransport,
          session: req.headers.get('Session'),
        });
        if (t.lowerTransport === 'UDP') {
          const mode = script.udp?.(track) ?? 'ok';
          if (mode === 'refuse') return conn.reply(req, 461);
          const u = udp[track];
          if (!u || !t.clientPort) return conn.reply(req, 400);
          u.client = t.clientPort;
          const sp = `${u.rtp.address().port}-${u.rtcp.address().port}`;
          return conn.reply(req, 200, {
            ...session,
            Transport: `RTP/AVP;unicast;client_port=${t.clientPort.join('-')};server_port=${sp};ssrc=0000AB0${track}`,
          });
        }
        return conn.reply(req, 200, {
          ...session,
          Transport: `RTP/AVP/TCP;unicast;interleaved=${t.interleaved?.join('-')}`,
        });
      }
      case 'PLAY': {
        if (script.play?.(req, conn)) return;
        const rtpInfo =
          script.rtpInfo?.(base) ??
          `url=${base}stream=0;seq=100;rtptime=1000,url=${base}stream=1;seq=200;rtptime=2000`;
        conn.reply(req, 200, {
          ...session,
          Range: req.headers.get('Range') ?? 'npt=0-5',
          'RTP-Info': rtpInfo,
        });
        return;
      }
      case 'PAUSE':
        return conn.reply(req, script.pause?.() ?? 200, session);
      default:
        return conn.reply(req, 200, session);
    }
  });
  fakes.push(fake);
  return fake;
}

function logCapture(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}

function makeLeg(url: string, over: Partial<LegOptions> = {}): Leg {
  const leg = new Leg({
    id: 'L1',
    url,
    transport: 'auto',
    udpTimeoutMs: 300,
    connectTimeoutMs: 1000,
    requestTimeoutMs: 1000,
    userAgent: 'seamd-test',
    log: pino({ level: 'silent' }),
    udpHost: '127.0.0.1',
    ...over,
  });
  opened.push({ close: () => leg.close() });
  return leg;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('Leg (scripted origin)', () => {
  it('auto falls back to TCP when the origin answers 461 to UDP', async () => {
    const fake = await fakeOrigin({ udp: () => 'refuse' });
    const { log, lines } = logCapture();
    const leg = makeLeg(fake.server.url(), { log, rrIntervalMs: 100 });
    await leg.describe();
    const setup = await leg.setup();
    expect(setup).toEqual({ transport: 'tcp', session: { id: 'SESS1', timeout: 60 } });
    expect(fake.setups.map((s) => [s.conn, s.transport, s.session])).toEqual([
      [0, 'UDP', undefined],
      [0, 'TCP', undefined],
      [0, 'TCP', 'SESS1'],
    ]);
    expect(lines.some((l) => l.event === 'leg.transport' && l.to === 'tcp')).toBe(true);
    expect(lines.find((l) => l.event === 'leg.ready')).toMatchObject({
      leg: 'L1',
      transport: 'tcp',
      tracks: 2,
    });

    const got: Array<[number, number]> = [];
    leg.on('rtp', (i, p) => got.push([i, p.readUInt16BE(2)]));
    const play = await leg.play();
    expect(play.rtpInfo).toEqual([
      { url: `${fake.server.url()}/stream=0`, trackIndex: 0, seq: 100, rtptime: 1000 },
      { url: `${fake.server.url()}/stream=1`, trackIndex: 1, seq: 200, rtptime: 2000 },
    ]);
    const conn = fake.server.conns[0];
    conn?.frame(0, rtpPacket({ seq: 100, ts: 1000, ssrc: 0xab00 }));
    conn?.frame(2, rtpPacket({ seq: 200, ts: 2000, ssrc: 0xab01, pt: 97 }));
    conn?.frame(0, rtpPacket({ seq: 101, ts: 1000, ssrc: 0xab00 }));
    await until(() => got.length === 3);
    expect(got).toEqual([
      [0, 100],
      [1, 200],
      [0, 101],
    ]);
    // receiver reports on the RTCP channels of both tracks
    await until(() => new Set(conn?.frames.map((f) => f.channel)).size === 2);
    const rr = conn?.frames.find((f) => f.channel === 1);
    const packets = parseRtcp(rr?.payload ?? Buffer.alloc(0));
    expect(packets[0]?.type).toBe('rr');
    expect(packets[1]?.type).toBe('sdes');
    await leg.teardown();
    expect(fake.server.requests.at(-1)?.method).toBe('TEARDOWN');
    expect(fake.server.requests.at(-1)?.uri).toBe(`${fake.server.url()}/`);
  });

  it('auto tears a partial UDP session down and redoes it over TCP on a new connection', async () => {
    const fake = await fakeOrigin({ udp: (track) => (track === 0 ? 'ok' : 'refuse') });
    const leg = makeLeg(fake.server.url());
    await leg.describe();
    expect((await leg.setup()).transport).toBe('tcp');
    const methods = fake.server.conns.map((c) => c.requests.map((r) => r.method));
    expect(methods).toEqual([
      ['OPTIONS', 'DESCRIBE', 'SETUP', 'SETUP', 'TEARDOWN'],
      ['SETUP', 'SETUP'],
    ]);
    expect(fake.setups.slice(2).map((s) => [s.transport, s.session])).toEqual([
      ['TCP', undefined],
      ['TCP', 'SESS1'],
    ]);
    expect(leg.transport).toBe('tcp');
  });

  it('udp mode does not fall back: UPSTREAM_NO_TRANSPORT with status 461', async () => {
    const fake = await fakeOrigin({ udp: () => 'refuse' });
    const leg = makeLeg(fake.server.url(), { transport: 'udp' });
    await leg.describe();
    const err = await rejection(leg.setup());
    expect(err.code).toBe('UPSTREAM_NO_TRANSPORT');
    expect(err.status).toBe(461);
    expect(leg.state).toBe('closed');
  });

  it('auto switches to TCP when no RTP arrives over UDP after PLAY, keeping the Range', async () => {
    const fake = await fakeOrigin({ udp: () => 'silent' });
    const { log, lines } = logCapture();
    const leg = makeLeg(fake.server.url(), { log, udpTimeoutMs: 200 });
    await leg.describe();
    expect((await leg.setup()).transport).toBe('udp');
    const switched = new Promise<unknown>((resolve) =>
      leg.once('transport', (t, play) => resolve([t, play])),
    );
    await leg.play({ range: 'npt=1.5-' });
    const [transport, play] = (await switched) as [string, { range: string }];
    expect(transport).toBe('tcp');
    expect(play.range).toBe('npt=1.5-');
    expect(leg.transport).toBe('tcp');
    expect(leg.state).toBe('playing');
    const methods = fake.server.conns.map((c) =>
      c.requests.map(
        (r) => `${r.method}${r.headers.get('Range') ? ` ${r.headers.get('Range')}` : ''}`,
      ),
    );
    expect(methods).toEqual([
      ['OPTIONS', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY npt=1.5-', 'TEARDOWN'],
      ['SETUP', 'SETUP', 'PLAY npt=1.5-'],
    ]);
    expect(lines.find((l) => l.event === 'leg.transport')).toMatchObject({
      from: 'udp',
      to: 'tcp',
    });
    const got: number[] = [];
    leg.on('rtp', (i) => got.push(i));
    fake.server.conns[1]?.frame(2, rtpPacket({ seq: 1, ts: 1, ssrc: 1 }));
    await until(() => got.length === 1);
    expect(got).toEqual([1]);
  });

  it('takes UDP media only from the origin, demuxes RTCP, reports and punches', async () => {
    const fake = await fakeOrigin({ udp: () => 'ok' });
    const leg = makeLeg(fake.server.url(), { transport: 'udp', rrIntervalMs: 100 });
    await leg.describe();
    await leg.setup();
    // the punch: one empty RR per track right after SETUP
    await until(() => fake.udp.every((u) => u.rtcpIn.length >= 1));
    const punch = parseRtcp(fake.udp[0]?.rtcpIn[0] ?? Buffer.alloc(0));
    expect(punch[0]).toMatchObject({ type: 'rr', reports: [] });

    const rtp: Array<[number, number]> = [];
    const rtcp: number[] = [];
    leg.on('rtp', (i, p) => rtp.push([i, p.readUInt16BE(2)]));
    leg.on('rtcp', (i) => rtcp.push(i));
    await leg.play();
    const u0 = fake.udp[0];
    const client = u0?.client;
    if (!u0 || !client) throw new Error('no UDP setup');
    const stranger = await bindUdp('127.0.0.2');
    opened.push(stranger);
    stranger.send(rtpPacket({ seq: 5, ts: 5, ssrc: 5 }), client[0], '127.0.0.1');
    for (let seq = 65534; seq < 65534 + 4; seq++)
      u0.rtp.send(rtpPacket({ seq, ts: 3000, ssrc: 0xab00 }), client[0], '127.0.0.1');
    const sr = serializeRtcp([
      {
        type: 'sr',
        ssrc: 0xab00,
        ntpSec: 0x12345678,
        ntpFrac: 0x9abc0000,
        rtpTimestamp: 3000,
        packetCount: 4,
        octetCount: 16,
        reports: [],
      },
    ]);
    u0.rtcp.send(sr, client[1], '127.0.0.1');
    u0.rtp.send(sr, client[0], '127.0.0.1'); // RTCP on the RTP port
    await until(() => rtp.length === 4 && rtcp.length === 2);
    await sleep(50);
    expect(rtp).toEqual([
      [0, 65534],
      [0, 65535],
      [0, 0],
      [0, 1],
    ]);
    expect(rtcp).toEqual([0, 0]);
    // a receiver report with the extended highest seq and the SR's middle 32 bits
    const before = u0.rtcpIn.length;
    await until(() => u0.rtcpIn.length > before);
    const report = parseRtcp(u0.rtcpIn.at(-1) ?? Buffer.alloc(0))[0];
    expect(report?.type).toBe('rr');
    if (report?.type !== 'rr') return;
    expect(report.reports[0]).toMatchObject({
      ssrc: 0xab00,
      highestSeq: 0x10001,
      cumulativeLost: 0,
      lsr: 0x56789abc,
    });
    expect(leg.packetCounts()).toEqual({ 0: 4, 1: 0 });
  });

  it('keeps the session alive with GET_PARAMETER, or OPTIONS when not listed', async () => {
    for (const [publicMethods, method] of [
      ['OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER', 'GET_PARAMETER'],
      ['OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN', 'OPTIONS'],
    ] as const) {
      const fake = await fakeOrigin({ publicMethods, sessionHeader: 'K;timeout=2' });
      const leg = makeLeg(fake.server.url(), { transport: 'tcp' });
      await leg.describe();
      expect((await leg.setup()).session).toEqual({ id: 'K', timeout: 2 });
      const n = fake.server.requests.length;
      await until(() => fake.server.requests.length > n, 2500);
      const ka = fake.server.requests[n];
      expect(ka?.method).toBe(method);
      expect(ka?.headers.get('Session')).toBe('K');
      await leg.teardown();
    }
  });

  it('PLAYs each track when the origin refuses aggregate PLAY (459)', async () => {
    const fake = await fakeOrigin({
      play: (req, conn) => {
        if (req.uri.endsWith('/')) {
          conn.reply(req, 459);
          return true;
        }
        const track = /stream=(\d)/.exec(req.uri)?.[1] ?? '';
        conn.reply(req, 200, { 'RTP-Info': `url=stream=${track};seq=${track}7;rtptime=9` });
        return true;
      },
    });
    const leg = makeLeg(fake.server.url(), { transport: 'tcp' });
    await leg.describe();
    await leg.setup();
    const play = await leg.play();
    expect(
      fake.server.requests
        .filter((r) => r.method === 'PLAY')
        .map((r) => r.uri.replace(fake.server.url(), '')),
    ).toEqual(['/', '/stream=0', '/stream=1']);
    expect(play.rtpInfo.map((e) => [e.trackIndex, e.seq])).toEqual([
      [0, 7],
      [1, 17],
    ]);
  });

  it('maps RTP-Info URLs tolerantly (other host, trailing slash, relative)', async () => {
    const fake = await fakeOrigin({
      rtpInfo: () =>
        'url=rtsp://origin.example:8554/stream/stream=0/;seq=1;rtptime=2,url=stream=1;seq=3,url=rtsp://x/elsewhere;seq=4',
    });
    const leg = makeLeg(fake.server.url(), { transport: 'tcp' });
    await leg.describe();
    await leg.setup();
    const play = await leg.play();
    expect(play.rtpInfo.map((e) => e.trackIndex)).toEqual([0, 1, undefined]);
  });

  it('keeps the leg when the origin refuses PLAY (UPSTREAM_STATUS), closes on a dropped connection', async () => {
    let refuse = true;
    const fake = await fakeOrigin({
      play: (req, conn) => {
        if (!refuse) return false;
        conn.reply(req, 457);
        return true;
      },
    });
    const leg = makeLeg(fake.server.url(), { transport: 'tcp' });
    await leg.describe();
    await leg.setup();
    const err = await rejection(leg.play({ range: 'npt=99-' }));
    expect(err.code).toBe('UPSTREAM_STATUS');
    expect(err.status).toBe(457);
    expect(err.message).toContain('PLAY');
    expect(leg.state).toBe('ready');
    refuse = false;
    await leg.play();
    expect(leg.state).toBe('playing');
    const closed = new Promise<Error | undefined>((resolve) => leg.once('closed', resolve));
    fake.server.conns[0]?.socket.destroy();
    const reason = await closed;
    expect((reason as UpstreamError).code).toBe('UPSTREAM_CLOSED');
    expect(leg.state).toBe('closed');
    await leg.teardown(); // idempotent
  });

  it('rejects operations in the wrong state: INVALID_STATE, or UPSTREAM_CLOSED once closed', async () => {
    const fake = await fakeOrigin();
    const leg = makeLeg(fake.server.url(), { transport: 'tcp' });
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (err: unknown) => (err as { code?: string }).code,
      );
    expect(await code(leg.play())).toBe('INVALID_STATE'); // PLAY before DESCRIBE
    expect(await code(leg.setup())).toBe('INVALID_STATE'); // SETUP before DESCRIBE
    await leg.describe();
    expect(await code(leg.describe())).toBe('INVALID_STATE'); // DESCRIBE twice
    await expect(leg.setup([5])).rejects.toThrow(RangeError);
    expect(leg.state).toBe('described');
    await leg.setup();
    expect(await code(leg.pause())).toBe('INVALID_STATE'); // PAUSE before PLAY
    expect(leg.state).toBe('ready');
    await leg.play();
    await leg.teardown();
    expect(leg.state).toBe('closed');
    expect(await code(leg.play())).toBe('UPSTREAM_CLOSED'); // PLAY after TEARDOWN
    expect(await code(leg.pause())).toBe('UPSTREAM_CLOSED');
    expect(leg.state).toBe('closed');
  });

  it('a refused PAUSE keeps the leg playing, and a silent UDP still falls back to TCP', async () => {
    const fake = await fakeOrigin({ udp: () => 'silent', pause: () => 500 });
    const leg = makeLeg(fake.server.url(), { udpTimeoutMs: 300 });
    await leg.describe();
    await leg.setup();
    const switched = new Promise<string>((resolve) => leg.once('transport', (t) => resolve(t)));
    await leg.play();
    const err = await rejection(leg.pause());
    expect([err.code, err.status]).toEqual(['UPSTREAM_STATUS', 500]);
    expect(leg.state).toBe('playing');
    const noSwitch = sleep(3000).then(() => 'no switch');
    expect(await Promise.race([switched, noSwitch])).toBe('tcp');
    expect(leg.state).toBe('playing');
  });
});
