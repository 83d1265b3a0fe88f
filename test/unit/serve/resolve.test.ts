import { describe, expect, it } from 'vitest';
import { Allowlist } from '../../../src/serve/allowlist.js';
import { defaultConfig } from '../../../src/daemon/config.js';
import {
  parseRtspUrl,
  presentationUrl,
  resolveTarget,
  type PathTarget,
  type ResolveContext,
} from '../../../src/serve/resolve.js';
import { parseSelfName, SelfHosts } from '../../../src/serve/self.js';

const paths = new Map<string, PathTarget>([
  [
    'cam1',
    {
      name: 'cam1',
      origin: 'rtsp://10.0.0.5:554/stream',
      mirrors: [],
      transport: 'tcp',
      seam: defaultConfig().seam,
    },
  ],
]);
const ctx: ResolveContext = {
  paths,
  allow: new Allowlist(['origin.example', '10.0.0.0/8']),
  selfHosts: new SelfHosts([{ host: 'seamd.isp.net' }, { host: 'proxy.example', port: 554 }])
    .add('127.0.0.1', 8554)
    .add('localhost', 8554)
    .add('::1', 8554),
  defaultTransport: 'auto',
  defaultSeam: defaultConfig().seam,
};

describe('resolveTarget', () => {
  it.each([
    ['rtsp://127.0.0.1:8554/cam1', 'rtsp://127.0.0.1:8554/cam1'],
    ['rtsp://127.0.0.1:8554/cam1/', 'rtsp://127.0.0.1:8554/cam1'],
    ['rtsp://127.0.0.1:8554/cam1/trackID=1', 'rtsp://127.0.0.1:8554/cam1'],
    ['rtsp://seamd.isp.net/cam1?x=1', 'rtsp://seamd.isp.net/cam1'],
    ['rtsp://SEAMD.isp.net.:9000/cam1', 'rtsp://SEAMD.isp.net.:9000/cam1'],
    ['rtsp://proxy.example/cam1', 'rtsp://proxy.example/cam1'],
    ['rtsp://[::1]:8554/cam1/trackID=0', 'rtsp://[::1]:8554/cam1'],
  ])('path map: %s', (uri, base) => {
    const r = resolveTarget(uri, ctx);
    expect(r).toMatchObject({
      ok: true,
      kind: 'path',
      origin: 'rtsp://10.0.0.5:554/stream',
      viewerBase: base,
      transport: 'tcp',
      pathName: 'cam1',
    });
  });

  it('a path name with more segments after it is not the mapped content', () => {
    expect(resolveTarget('rtsp://127.0.0.1:8554/cam1/other', ctx)).toMatchObject({
      ok: false,
      status: 404,
    });
  });

  it.each([
    // A transparent request whose path happens to equal a path name: never the path map.
    ['rtsp://10.77.0.9:8554/cam1', 'transparent', 'rtsp://10.77.0.9:8554/cam1'],
    ['rtsp://origin.example/cam1', 'transparent', 'rtsp://origin.example/cam1'],
    // seamd's address on another port is another server
    ['rtsp://127.0.0.1:9999/cam1', 'refused', undefined],
    ['rtsp://proxy.example:8554/cam1', 'refused', undefined],
    ['rtsp://evil.example/cam1', 'refused', undefined],
  ])('another host with a path-map name: %s → %s', (uri, kind, origin) => {
    const r = resolveTarget(uri, ctx);
    if (kind === 'refused') expect(r).toMatchObject({ ok: false, status: 403 });
    else expect(r).toMatchObject({ ok: true, kind: 'transparent', origin, pathName: undefined });
  });

  it('a host name that DNS points at seamd is seamd', () => {
    expect(resolveTarget('rtsp://my-box:8554/cam1', ctx, '127.0.0.1')).toMatchObject({
      ok: true,
      kind: 'path',
    });
    expect(resolveTarget('rtsp://my-box:8554/cam1', ctx, '192.0.2.1')).toMatchObject({
      ok: false,
      status: 403,
    });
  });

  it.each([
    ['proxy.isp.net', { host: 'proxy.isp.net' }],
    ['Proxy.ISP.net:8554', { host: 'proxy.isp.net', port: 8554 }],
    ['10.0.0.1', { host: '10.0.0.1' }],
    ['[fd00::1]:554', { host: 'fd00::1', port: 554 }],
    ['fd00::1', { host: 'fd00::1' }],
    ['bad name', undefined],
    ['host:99999', undefined],
    ['[nothex]:1', undefined],
  ])('listen.names entry %s', (text, parsed) => {
    expect(parseSelfName(text)).toEqual(parsed);
  });

  it('unknown path on seamd itself is 404', () => {
    expect(resolveTarget('rtsp://127.0.0.1:8554/nope', ctx)).toMatchObject({
      ok: false,
      status: 404,
    });
  });

  it.each([
    ['rtsp://origin.example/live/x', undefined, 'rtsp://origin.example/live/x'],
    ['rtsp://ORIGIN.example:8554/a/trackID=0', undefined, 'rtsp://origin.example:8554/a'],
    ['rtsp://10.1.2.3/ch1?q=2', undefined, 'rtsp://10.1.2.3/ch1?q=2'],
    ['rtsp://cdn.example.com/v', '10.9.9.9', 'rtsp://cdn.example.com/v'],
  ])('transparent, allowed: %s', (uri, resolved, origin) => {
    const r = resolveTarget(uri, ctx, resolved);
    expect(r).toMatchObject({ ok: true, kind: 'transparent', origin, transport: 'auto' });
  });

  it.each([
    ['rtsp://evil.example/x', undefined],
    ['rtsp://192.168.1.1/x', undefined],
    ['rtsp://cdn.example.com/v', '192.168.1.1'],
    // seamd's own address on another port is just another host
    ['rtsp://127.0.0.1:9999/x', undefined],
  ])('transparent, refused: %s', (uri, resolved) => {
    expect(resolveTarget(uri, ctx, resolved)).toMatchObject({ ok: false, status: 403 });
  });

  it.each(['http://127.0.0.1:8554/cam1', '*', 'not a url', 'rtsp://[::1'])(
    'not an rtsp URL: %s → 400',
    (uri) => {
      expect(resolveTarget(uri, ctx)).toMatchObject({ ok: false, status: 400 });
    },
  );
});

describe('URLs without an authority (no "//" after the scheme)', () => {
  it.each([
    'rtsp:fd00::5]/cam1/../cam1/trackID=0',
    'rtsp:cam1/trackID=0',
    'rtsp:/cam1',
    'rtsp:foo',
  ])('%s is not an rtsp:// URL (400), whatever its path', (uri) => {
    expect(parseRtspUrl(uri)).toBeUndefined();
    expect(resolveTarget(uri, ctx)).toMatchObject({ ok: false, status: 400 });
  });

  it('every URL parseRtspUrl accepts has a presentation URL that parses again', () => {
    for (const uri of [
      'rtsp:///cam1',
      'rtsp://[fd00::5]/a',
      'rtsp://h/%00x/trackID=1',
      'rtsps://h',
    ]) {
      const url = parseRtspUrl(uri);
      expect(url, uri).toBeDefined();
      if (url) expect(() => new URL(presentationUrl(url)), uri).not.toThrow();
    }
  });
});

describe('presentationUrl', () => {
  it('drops userinfo, query and track suffix', () => {
    expect(presentationUrl(new URL('rtsp://u:p@h:1/a/b/trackID=3?x'))).toBe('rtsp://h:1/a/b');
  });
});
