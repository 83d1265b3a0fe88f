/**
 * Session ids survive a client that reads `$` as an interleaved frame wherever it appears (as
 * live555's does over TCP): the id it reads back must be the one seamd issued, so SETUP of the
 * second track and PLAY with it succeed. Before ids were letters and digits, about one session in
 * three failed here with 454.
 */
import { describe, expect, it } from 'vitest';
import { Live555StyleClient } from '../../helpers/live555-reader.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';

const { origin, seamd } = withOriginAndSeamd({
  config: () =>
    `
paths:
  file: { origin: ${origin.url('file')} }
`,
});

describe('session ids read the live555 way', () => {
  it('24 TCP sessions in a row: the id read back works for SETUP and PLAY', async () => {
    const issued: string[] = [];
    for (let n = 0; n < 24; n++) {
      const c = await Live555StyleClient.connect('127.0.0.1', seamd.port);
      try {
        const url = seamd.url('file');
        expect((await c.request('DESCRIBE', url, { Accept: 'application/sdp' })).status).toBe(200);
        const s0 = await c.request('SETUP', `${url}/trackID=0`, {
          Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
        });
        expect(s0.status).toBe(200);
        const session = (s0.headers.get('session') ?? '').split(';')[0] ?? '';
        issued.push(session);
        const s1 = await c.request('SETUP', `${url}/trackID=1`, {
          Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3',
          Session: session,
        });
        expect(s1.status).toBe(200);
        const play = await c.request('PLAY', `${url}/`, { Session: session, Range: 'npt=0-' });
        expect(play.status).toBe(200);
        expect((await c.request('TEARDOWN', `${url}/`, { Session: session })).status).toBe(200);
      } finally {
        c.close();
      }
    }
    expect(new Set(issued).size).toBe(24);
    for (const id of issued) expect(id).toMatch(/^[A-Za-z0-9]{22}$/);
  }, 120_000);
});
