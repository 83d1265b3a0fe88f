/**
 * What seamd cannot do gets the right RTSP status, and bad input never takes it down.
 */
import { describe, expect, it } from 'vitest';
import { RawRtspClient } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
paths:
  file: { origin: ${origin.url('file')} }
  gone: { origin: ${origin.url('nothing-here')} }
  dead: { origin: rtsp://127.0.0.1:1/x }
transparent: { allow: [127.0.0.1] }
limits: { maxConnectionsPerAddress: 6 }
`,
});

async function client(): Promise<RawRtspClient> {
  return RawRtspClient.connect('127.0.0.1', seamd.port);
}

/** DESCRIBE + SETUP of both tracks over TCP; returns the client with its session. */
async function setUp(c: RawRtspClient): Promise<void> {
  const d = await c.request('DESCRIBE', seamd.url('file'));
  expect(d.status).toBe(200);
  for (const i of [0, 1]) {
    const s = await c.request('SETUP', `${seamd.url('file')}/trackID=${i}`, {
      Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`,
    });
    expect(s.status).toBe(200);
  }
}

describe('status codes', () => {
  it('OPTIONS lists the methods', async () => {
    const c = await client();
    const r = await c.request('OPTIONS', '*');
    expect(r.status).toBe(200);
    expect(r.headers.get('Public')).toContain('DESCRIBE');
    expect(r.headers.get('CSeq')).toBe('1');
    c.close();
  });

  it('404 for an unknown path and for content the origin does not have', async () => {
    const c = await client();
    expect((await c.request('DESCRIBE', seamd.url('nope'))).status).toBe(404);
    expect((await c.request('DESCRIBE', seamd.url('gone'))).status).toBe(404);
    c.close();
  });

  it('502 when the origin is unreachable, with an upstream.error log line', async () => {
    const c = await client();
    expect((await c.request('DESCRIBE', seamd.url('dead'))).status).toBe(502);
    expect(seamd.events('upstream.error').some((l) => l.code === 'UPSTREAM_CONNECT')).toBe(true);
    c.close();
  });

  it('403 and a log line for a transparent host not on the allowlist', async () => {
    const c = await client();
    const r = await c.request('DESCRIBE', 'rtsp://192.0.2.7:554/stream');
    expect(r.status).toBe(403);
    expect(seamd.events('transparent.refused').at(-1)?.uri).toBe('rtsp://192.0.2.7:554/stream');
    c.close();
  });

  it('a transparent host name DNS cannot resolve is refused (403), not hung on', async () => {
    const c = await client();
    const r = await c.request('DESCRIBE', 'rtsp://no-such-origin.invalid/stream');
    expect(r.status).toBe(403);
    expect(seamd.events('transparent.refused').at(-1)?.uri).toBe(
      'rtsp://no-such-origin.invalid/stream',
    );
    c.close();
  });

  it('405 for ANNOUNCE/RECORD, 501 for an unknown method', async () => {
    const c = await client();
    const a = await c.request('ANNOUNCE', seamd.url('file'));
    expect(a.status).toBe(405);
    expect(a.headers.get('Allow')).toContain('PLAY');
    expect((await c.request('RECORD', seamd.url('file'))).status).toBe(405);
    expect((await c.request('FROBNICATE', seamd.url('file'))).status).toBe(501);
    c.close();
  });

  it('454 for a missing, unknown or foreign session', async () => {
    const c = await client();
    expect((await c.request('PLAY', seamd.url('file'))).status).toBe(454);
    expect((await c.request('PLAY', seamd.url('file'), { Session: 'nosuchsession' })).status).toBe(
      454,
    );
    await setUp(c);
    const other = await client();
    const stolen = await other.request('PLAY', seamd.url('file'), { Session: c.session ?? '' });
    expect(stolen.status).toBe(454);
    other.close();
    c.close();
  });

  it('455 for PAUSE before PLAY, 459 for SETUP of the aggregate, 460 for PLAY of one track', async () => {
    const c = await client();
    await c.request('DESCRIBE', seamd.url('file'));
    const agg = await c.request('SETUP', seamd.url('file'), {
      Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
    });
    expect(agg.status).toBe(459);
    await setUp(c);
    expect((await c.request('PAUSE', seamd.url('file'))).status).toBe(455);
    expect((await c.request('PLAY', `${seamd.url('file')}/trackID=0`)).status).toBe(460);
    c.close();
  });

  it('457 from seamd itself for a malformed clock/smpte Range; the session then plays', async () => {
    const c = await client();
    await setUp(c);
    const errorsBefore = seamd.events('upstream.error').length;
    for (const range of [
      'clock=-',
      'smpte=aa:00:00-',
      'smpte=0:0:0-0',
      'clock=20240101T000000Z-20231231T000000Z',
    ]) {
      const r = await c.request('PLAY', seamd.url('file'), { Range: range });
      expect(r.status, range).toBe(457);
    }
    // Still ready (nothing was started upstream): PAUSE is refused, a good PLAY plays.
    expect((await c.request('PAUSE', seamd.url('file'))).status).toBe(455);
    expect(seamd.events('upstream.error').length).toBe(errorsBefore);
    expect((await c.request('PLAY', seamd.url('file'), { Range: 'npt=0-' })).status).toBe(200);
    c.close();
  });

  it('461 for multicast and unknown profiles, 403 for a destination elsewhere', async () => {
    const c = await client();
    await c.request('DESCRIBE', seamd.url('file'));
    const track = `${seamd.url('file')}/trackID=0`;
    const mc = await c.request('SETUP', track, { Transport: 'RTP/AVP;multicast;port=5000-5001' });
    expect(mc.status).toBe(461);
    const savp = await c.request('SETUP', track, {
      Transport: 'RTP/SAVP;unicast;client_port=5000-5001',
    });
    expect(savp.status).toBe(461);
    const reflect = await c.request('SETUP', track, {
      Transport: 'RTP/AVP;unicast;destination=198.51.100.9;client_port=5000-5001',
    });
    expect(reflect.status).toBe(403);
    // Several offers: the first usable one is taken.
    const multi = await c.request('SETUP', track, {
      Transport: 'RTP/AVP;multicast,RTP/AVP/TCP;unicast;interleaved=0-1',
    });
    expect(multi.status).toBe(200);
    expect(multi.headers.get('Transport')).toContain('interleaved=0-1');
    c.close();
  });
});

describe('bad input', () => {
  it('garbage gets 400 with its CSeq, the connection closes, seamd lives on', async () => {
    const c = await client();
    const r = await c.sendRaw('DESCRIBE rtsp://x/ RTSP/1.0\r\nCSeq: 7\r\nno colon here\r\n\r\n');
    expect(r?.status).toBe(400);
    expect(r?.headers.get('CSeq')).toBe('7');
    await new Promise((res) => setTimeout(res, 200));
    expect(c.closed).toBe(true);
    const next = await client();
    expect((await next.request('DESCRIBE', seamd.url('file'))).status).toBe(200);
    next.close();
    expect(seamd.events('request.bad').length).toBeGreaterThan(0);
  });

  it('a good request pipelined ahead of garbage is still answered, then 400', async () => {
    const c = await client();
    const first = await c.sendRaw(
      'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 2\r\nbroken\r\n\r\n',
    );
    expect(first?.status).toBe(200);
    expect(first?.headers.get('CSeq')).toBe('1');
    const second = await c.sendRaw('');
    expect(second?.status).toBe(400);
    expect(second?.headers.get('CSeq')).toBe('2');
    c.close();
  });

  it('RTSP/2.0 gets 505; a missing CSeq gets 400; an over-long line gets 400', async () => {
    const c1 = await client();
    expect((await c1.sendRaw('OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n'))?.status).toBe(505);
    c1.close();
    const c2 = await client();
    expect((await c2.sendRaw('OPTIONS * RTSP/1.0\r\n\r\n'))?.status).toBe(400);
    c2.close();
    const c3 = await client();
    expect((await c3.sendRaw(`OPTIONS ${'x'.repeat(20000)}`))?.status).toBe(400);
    c3.close();
  });

  it('connections beyond the per-address limit are refused with 503', async () => {
    const held = await Promise.all(Array.from({ length: 6 }, () => client()));
    await new Promise((res) => setTimeout(res, 100));
    const extra = await client();
    const r = await extra.sendRaw('OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n', 2000);
    expect(r?.status).toBe(503);
    expect(seamd.events('conn.refused').length).toBeGreaterThan(0);
    for (const h of held) h.close();
    extra.close();
  });
});
