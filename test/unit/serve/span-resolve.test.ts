/**
 * Clip and programme URLs: `rtsp://seamd/clips/<name>` and `rtsp://seamd/<path>/<schedule>/<start>`
 * resolve to their path with the span (track suffixes kept with the viewer's URL); anything the
 * span lookup does not know stays a 404; the SDP of a span says its duration.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/daemon/config.js';
import { parseSdp } from '../../../src/protocol/sdp/sdp.js';
import { Allowlist } from '../../../src/serve/allowlist.js';
import { resolveTarget, type ResolveContext } from '../../../src/serve/resolve.js';
import { SelfHosts } from '../../../src/serve/self.js';
import { withNptDuration } from '../../../src/serve/span-playback.js';

const seam = defaultConfig().seam;
const ctx: ResolveContext = {
  paths: new Map([
    ['radio1', { name: 'radio1', origin: 'rtsp://o/live', mirrors: [], transport: 'tcp', seam }],
  ]),
  allow: new Allowlist([]),
  selfHosts: new SelfHosts([]).add('127.0.0.1', 8554),
  defaultTransport: 'auto',
  defaultSeam: seam,
  spanOf: (parts) =>
    parts.join('/') === 'clips/a b'
      ? { path: 'radio1', fromMs: 1000, toMs: 5000 }
      : parts.join('/') === 'radio1/q/20261201T141500Z'
        ? { path: 'radio1', fromMs: 7000, toMs: 9000 }
        : undefined,
};

describe('span URLs', () => {
  it.each([
    ['rtsp://127.0.0.1:8554/clips/a%20b', 1000],
    ['rtsp://127.0.0.1:8554/clips/a%20b/trackID=1', 1000],
    ['rtsp://127.0.0.1:8554/radio1/q/20261201T141500Z', 7000],
  ])('%s', (uri, fromMs) => {
    const r = resolveTarget(uri, ctx);
    expect(r).toMatchObject({ ok: true, pathName: 'radio1', origin: 'rtsp://o/live' });
    expect(r.ok && r.span?.fromMs).toBe(fromMs);
    expect(r.ok && r.viewerBase).toBe(uri.replace(/\/trackID=1$/, ''));
  });

  it.each([
    'rtsp://127.0.0.1:8554/clips/none',
    'rtsp://127.0.0.1:8554/radio1/q/20261201T141600Z',
    'rtsp://127.0.0.1:8554/radio1/x',
  ])('%s is 404', (uri) => {
    expect(resolveTarget(uri, ctx)).toMatchObject({ ok: false, status: 404 });
  });

  it('the plain path still resolves, without a span', () => {
    const r = resolveTarget('rtsp://127.0.0.1:8554/radio1', ctx);
    expect(r).toMatchObject({ ok: true, pathName: 'radio1' });
    expect(r.ok && r.span).toBeUndefined();
  });

  it("a span's SDP: one a=range:npt=0-<duration>, not live", () => {
    const live = parseSdp(
      'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\na=range:npt=now-\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=range:npt=now-\r\n',
      'rtsp://o/live/',
    );
    const info = withNptDuration(live, 12.5);
    expect(info.live).toBe(false);
    expect(info.range).toEqual({ start: 0, end: 12.5 });
    const text = JSON.stringify(info.sdp);
    expect(text.match(/range:/g)).toHaveLength(1);
    expect(text).toContain('range:npt=0-12.500');
  });
});
