/**
 * A UDP viewer that goes silent (no RTSP keepalive, no RTCP) is expired after the session
 * timeout; one that keeps alive with GET_PARAMETER stays.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { freeEvenUdpPort } from '../../helpers/ports.js';
import { RawRtspClient } from '../../helpers/raw-client.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
paths:
  live: { origin: ${origin.url('live')} }
limits: { sessionTimeoutSec: 2 }
`,
});

async function udpViewer(): Promise<{ client: RawRtspClient; received: () => number }> {
  const port = await freeEvenUdpPort();
  const sock = createSocket('udp4');
  let n = 0;
  sock.on('message', () => n++);
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
  const client = await RawRtspClient.connect('127.0.0.1', seamd.port);
  await client.request('DESCRIBE', seamd.url('live'));
  const s = await client.request('SETUP', `${seamd.url('live')}/trackID=0`, {
    Transport: `RTP/AVP;unicast;client_port=${port}-${port + 1}`,
  });
  expect(s.headers.get('Session')).toMatch(/;timeout=2$/);
  expect((await client.request('PLAY', seamd.url('live'))).status).toBe(200);
  const origClose = client.close.bind(client);
  client.close = () => {
    origClose();
    sock.close();
  };
  return { client, received: () => n };
}

describe('session expiry', () => {
  it('a silent UDP session expires; a kept-alive one does not', async () => {
    const silent = await udpViewer();
    const alive = await udpViewer();
    const keepalive = setInterval(() => {
      void alive.client.request('GET_PARAMETER', seamd.url('live')).catch(() => undefined);
    }, 700);
    await new Promise((r) => setTimeout(r, 4500));
    clearInterval(keepalive);
    const timeouts = seamd.events('viewer.timeout');
    expect(timeouts.map((l) => l.viewer)).toEqual([silent.client.session]);
    // The expired session is gone: its id no longer works.
    expect((await silent.client.request('PLAY', seamd.url('live'))).status).toBe(454);
    const before = alive.received();
    await new Promise((r) => setTimeout(r, 500));
    expect(alive.received()).toBeGreaterThan(before);
    silent.client.close();
    alive.client.close();
  }, 30000);
});
