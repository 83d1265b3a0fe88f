/**
 * The path map answers only for Request-URIs that name seamd itself. Behind a port-554
 * redirect, a player asking its own camera for `/file` must reach that camera (if allowed) or
 * get 403, never the operator's path `file`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type Origin } from '../../helpers/origin.js';
import { payloadOf, playAll, RawRtspClient } from '../../helpers/raw-client.js';
import { startSeamd, type Seamd } from '../../helpers/seamd.js';

let operators: Origin;
let camera: Origin;
let seamd: Seamd;

beforeAll(async () => {
  operators = await startOrigin();
  // Another host on the loopback network: the camera a redirected player asks for.
  camera = await startOrigin({ address: '127.0.0.2' });
  seamd = await startSeamd(`
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, names: [seamd.test.invalid] }
paths:
  # The path name "file" maps to content the operator's origin does not have (404): a request
  # answered 200 for some other host's /file cannot have gone through the path map.
  file: { origin: ${operators.url('nothing-here')} }
  live: { origin: ${operators.url('live')} }
transparent: { allow: [127.0.0.2] }
`);
});

afterAll(async () => {
  await seamd?.stop();
  await camera?.stop();
  await operators?.stop();
});

describe('path map vs transparent hosts', () => {
  it('a foreign host not on the allowlist, whose path equals a path name → 403', async () => {
    const c = await RawRtspClient.connect('127.0.0.1', seamd.port);
    try {
      for (const uri of [
        `rtsp://127.0.0.3:${seamd.port}/live`,
        'rtsp://10.77.0.9:8554/live',
        `rtsp://camera.example/live`,
      ]) {
        const r = await c.request('DESCRIBE', uri);
        expect(r.status, uri).toBe(403);
      }
    } finally {
      c.close();
    }
    expect(seamd.events('transparent.refused').map((l) => l.uri)).toContain(
      'rtsp://10.77.0.9:8554/live',
    );
  });

  it('an allowed host whose path equals a path name is relayed to that host', async () => {
    const url = camera.url('file');
    expect(url.startsWith('rtsp://127.0.0.2:')).toBe(true);
    const direct = await playAll({ host: '127.0.0.2', port: camera.port }, url, 'tcp');
    const via = await playAll({ host: '127.0.0.1', port: seamd.port }, url, 'tcp');
    expect(via.describe.status).toBe(200);
    expect(via.describe.headers.get('Content-Base')).toBe(`${url}/`);
    for (let t = 0; t < 2; t++) {
      const got = via.rtp[t]?.map((p) => payloadOf(p).toString('base64')) ?? [];
      expect(got.length).toBeGreaterThan(50);
      expect(got).toEqual(direct.rtp[t]?.map((p) => payloadOf(p).toString('base64')));
    }
  }, 60000);

  it('seamd named by its address, loopback or listen.names uses the path map', async () => {
    const c = await RawRtspClient.connect('127.0.0.1', seamd.port);
    try {
      for (const host of ['127.0.0.1', 'localhost', 'seamd.test.invalid']) {
        // "file" maps to content the operator's origin lacks: 404 proves the path map answered.
        const r = await c.request('DESCRIBE', `rtsp://${host}:${seamd.port}/file`);
        expect(r.status, host).toBe(404);
        const live = await c.request('DESCRIBE', `rtsp://${host}:${seamd.port}/live`);
        expect(live.status, host).toBe(200);
      }
    } finally {
      c.close();
    }
  }, 30000);
});
