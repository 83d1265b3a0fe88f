/**
 * Access to the operators' HTTP listener: the loopback rule (no credentials off loopback: the
 * config is refused, `seamd run` exits 2 naming http.token), tokens and hashed users, and what
 * every answer carries (CSP, caching headers, read-only).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { parseConfigText } from '../../../src/daemon/config.js';
import {
  HttpAccess,
  hashPassword,
  isLoopbackHost,
  verifyPassword,
} from '../../../src/telemetry/access.js';
import { consoleFiles } from '../../../src/telemetry/console-files.js';
import { OperatorHttp } from '../../../src/telemetry/http.js';
import { memoryLogger } from '../../helpers/log.js';
import { tempDir } from '../../helpers/tmp.js';

const TOKEN = 'tok-0123456789abcdef';
const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

describe('the loopback rule', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', 'proxy.isp.net'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses a config listening off loopback without a token or users, naming http.token', () => {
    expect(() => parseConfigText('listen: { http: "0.0.0.0:9090" }', 'seamd.yaml')).toThrow(
      /seamd\.yaml: http\.token: required when listen\.http \(0\.0\.0\.0:9090\) is not a loopback address/,
    );
    expect(() => parseConfigText('listen: { http: "127.0.0.1:9090" }', 'x')).not.toThrow();
    const withToken = `listen: { http: "0.0.0.0:9090" }\nhttp: { token: ${TOKEN} }`;
    expect(parseConfigText(withToken, 'x').http.token).toBe(TOKEN);
    const users = `listen: { http: "[::]:9090" }\nhttp: { users: [{ name: ops, password: "${hashPassword('pw')}" }] }`;
    expect(parseConfigText(users, 'x').http.users[0]?.name).toBe('ops');
  });

  it('refuses a plain password and a short token', () => {
    expect(() =>
      parseConfigText('http: { users: [{ name: ops, password: secret }] }', 'x'),
    ).toThrow(/http\.users\[0\]\.password: must be a hash from `seamd hash-password`/);
    expect(() => parseConfigText('http: { token: short }', 'x')).toThrow(/at least 16/);
  });

  it('seamd run exits 2 with a message naming the key', async () => {
    const dir = await tempDir();
    const file = join(dir, 'seamd.yaml');
    await writeFile(file, 'listen:\n  rtsp: 127.0.0.1:0\n  rtp: 127.0.0.1:0\n  http: 0.0.0.0:0\n');
    let err = '';
    const code = await runCli(['node', 'seamd', 'run', '--config', file], {
      stderr: (t: string) => void (err += t),
      stdout: () => undefined,
    });
    expect(code).toBe(2);
    expect(err).toContain('http.token: required when listen.http (0.0.0.0:0)');
  });
});

describe('credentials', () => {
  it('hashes passwords with scrypt and verifies them', () => {
    const h = hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(verifyPassword('correct horse', h)).toBe(true);
    expect(verifyPassword('correct hors', h)).toBe(false);
    expect(hashPassword('x')).not.toBe(hashPassword('x')); // salted
  });

  it('a token as Bearer or as the Basic password; a user by name and password', () => {
    const a = new HttpAccess({
      token: TOKEN,
      users: [{ name: 'ops', password: hashPassword('pw') }],
    });
    expect(a.allows(undefined)).toBe(false);
    expect(a.allows(`Bearer ${TOKEN}`)).toBe(true);
    expect(a.allows(`Bearer ${TOKEN}x`)).toBe(false);
    expect(a.allows(basic('anyone', TOKEN))).toBe(true);
    expect(a.allows(basic('ops', 'pw'))).toBe(true);
    expect(a.allows(basic('ops', 'wrong'))).toBe(false);
    expect(a.allows(basic('other', 'pw'))).toBe(false);
    expect(a.allows('Digest x')).toBe(false);
  });

  it('without token or users nothing is asked (loopback)', () => {
    expect(new HttpAccess({ token: null, users: [] }).allows(undefined)).toBe(true);
  });

  it('remembers verified Basic credentials for a while, not forever', () => {
    let now = 0;
    const a = new HttpAccess(
      { token: null, users: [{ name: 'u', password: hashPassword('p') }] },
      () => now,
    );
    const t0 = process.hrtime.bigint();
    expect(a.allows(basic('u', 'p'))).toBe(true);
    const first = process.hrtime.bigint() - t0;
    const t1 = process.hrtime.bigint();
    expect(a.allows(basic('u', 'p'))).toBe(true);
    const again = process.hrtime.bigint() - t1;
    expect(again * 10n).toBeLessThan(first);
    now = 6 * 60_000;
    expect(a.allows(basic('u', 'p'))).toBe(true);
    expect(a.allows(basic('u', 'q'))).toBe(false);
  });
});

describe('the listener with a token', () => {
  const log = memoryLogger();
  const http = new OperatorHttp(
    {
      metrics: () => Promise.resolve({ contentType: 'text/plain', body: 'seamd_x 1\n' }),
      status: () => ({ ok: 1 }),
      apis: {
        '/api/history': (p) =>
          p.get('step') === '0'
            ? { ok: false, message: 'step must be at least 1' }
            : { ok: true, body: { t: [] } },
      },
      files: consoleFiles(),
    },
    log.log,
    new HttpAccess({ token: TOKEN, users: [] }),
  );
  let base = '';
  const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };
  beforeAll(async () => {
    base = `http://127.0.0.1:${(await http.start('127.0.0.1', 0)).port}`;
  });
  afterAll(() => http.stop());

  it('answers 401 with a Basic challenge to no or a wrong token, on every path', async () => {
    for (const path of ['/api/status', '/metrics', '/', '/nope']) {
      const r = await fetch(`${base}${path}`);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('Basic realm="seamd"');
      const w = await fetch(`${base}${path}`, {
        headers: { Authorization: 'Bearer wrong-token-000000' },
      });
      expect(w.status, path).toBe(401);
      expect(await w.text()).not.toContain('{');
    }
  });

  it('serves with the token: APIs no-store, files no-cache with an ETag and 304', async () => {
    const s = await fetch(`${base}/api/status`, auth);
    expect(s.status).toBe(200);
    expect(s.headers.get('cache-control')).toBe('no-store');
    const page = await fetch(`${base}/`, auth);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const etag = page.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${base}/`, { headers: { ...auth.headers, 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const uplot = await fetch(`${base}/vendor/uPlot.esm.js`, auth);
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toContain('text/javascript');
  });

  it('every answer forbids inline script (CSP) and framing', async () => {
    for (const path of ['/', '/api/status', '/metrics', '/nope']) {
      const r = await fetch(`${base}${path}`, auth);
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('is read-only: 405 for other methods on known paths, 404 elsewhere, 400 for a bad query', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await fetch(`${base}/api/status`, { ...auth, method });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET');
    }
    expect((await fetch(`${base}/../../etc/passwd`, auth)).status).toBe(404);
    expect((await fetch(`${base}/console/../package.json`, auth)).status).toBe(404);
    const bad = await fetch(`${base}/api/history?step=0`, auth);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('step');
  });
});
