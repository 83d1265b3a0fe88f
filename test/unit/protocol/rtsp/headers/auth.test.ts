import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildAuthorization,
  formatChallenge,
  parseAuthorization,
  parseWwwAuthenticate,
  pickChallenge,
  type AuthChallenge,
} from '../../../../../src/protocol/rtsp/headers/auth.js';
import { errorCode } from './helpers.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('parseWwwAuthenticate', () => {
  const good: Array<[string, string[], AuthChallenge[]]> = [
    [
      'live555 Digest',
      ['Digest realm="LIVE555 Streaming Media", nonce="8a1e7b9c0f3d2e4a5b6c7d8e9f0a1b2c"'],
      [
        {
          scheme: 'Digest',
          params: { realm: 'LIVE555 Streaming Media', nonce: '8a1e7b9c0f3d2e4a5b6c7d8e9f0a1b2c' },
        },
      ],
    ],
    [
      'Hikvision: Digest and Basic in separate headers',
      [
        'Digest realm="IP Camera(C6251)", nonce="a4c0a2c13d7e7c5f2ec07f5b0d2f8b3f", stale="FALSE"',
        'Basic realm="IP Camera(C6251)"',
      ],
      [
        {
          scheme: 'Digest',
          params: {
            realm: 'IP Camera(C6251)',
            nonce: 'a4c0a2c13d7e7c5f2ec07f5b0d2f8b3f',
            stale: 'FALSE',
          },
        },
        { scheme: 'Basic', params: { realm: 'IP Camera(C6251)' } },
      ],
    ],
    [
      'two challenges in one header, qop list and opaque, unquoted algorithm',
      [
        'Digest realm="cam", qop="auth,auth-int", algorithm=MD5, nonce="n1", opaque="op", Basic realm="cam"',
      ],
      [
        {
          scheme: 'Digest',
          params: {
            realm: 'cam',
            qop: 'auth,auth-int',
            algorithm: 'MD5',
            nonce: 'n1',
            opaque: 'op',
          },
        },
        { scheme: 'Basic', params: { realm: 'cam' } },
      ],
    ],
    [
      'quoted strings with commas, escapes and mixed-case keys',
      ['Digest REALM="a, \\"b\\" \\\\ c",Nonce = "x=y" ,  domain="/a /b"'],
      [{ scheme: 'Digest', params: { realm: 'a, "b" \\ c', nonce: 'x=y', domain: '/a /b' } }],
    ],
    [
      'token68 and bare scheme',
      ['Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXe==, Basic', 'NTLM'],
      [
        { scheme: 'Negotiate', params: { token68: 'YIIBhwYGKwYBBQUCoIIBezCCAXe==' } },
        { scheme: 'Basic', params: {} },
        { scheme: 'NTLM', params: {} },
      ],
    ],
    [
      'unquoted values up to the comma (liberal)',
      ['Digest realm=cam1, nonce=abc/def+=, uri=/x/y'],
      [{ scheme: 'Digest', params: { realm: 'cam1', nonce: 'abc/def+=', uri: '/x/y' } }],
    ],
    ['empty list', [], []],
    [
      'prototype-looking parameter names',
      ['Digest __proto__="x", constructor=y, nonce="n"'],
      [
        {
          scheme: 'Digest',
          params: Object.defineProperty({ constructor: 'y', nonce: 'n' }, '__proto__', {
            value: 'x',
            enumerable: true,
          }),
        },
      ],
    ],
    ['empty value', [''], []],
  ];
  for (const [name, input, want] of good) {
    it(name, () => expect(parseWwwAuthenticate(input)).toEqual(want));
  }

  const bad: Array<[string, string]> = [
    ['parameter without a scheme', 'realm="x"'],
    ['unterminated quoted string', 'Digest realm="x, nonce=y'],
    ['trailing backslash in quoted string', 'Digest realm="x\\'],
    ['garbage instead of a scheme', '"Digest" realm="x"'],
    ['garbage parameter', 'Digest realm="x", (y)'],
  ];
  for (const [name, input] of bad) {
    it(`rejects ${name}`, () =>
      expect(errorCode(() => parseWwwAuthenticate([input]))).toBe('HDR_BAD_AUTH'));
  }
});

describe('pickChallenge', () => {
  const digest = (params: Record<string, string>): AuthChallenge => ({
    scheme: 'Digest',
    params: { realm: 'r', nonce: 'n', ...params },
  });
  const basic: AuthChallenge = { scheme: 'Basic', params: { realm: 'r' } };

  it('prefers a usable Digest over Basic, whatever the order', () => {
    expect(pickChallenge([basic, digest({})])).toEqual(digest({}));
    expect(pickChallenge([digest({ qop: 'auth-int, auth' }), basic])).toEqual(
      digest({ qop: 'auth-int, auth' }),
    );
    expect(
      pickChallenge([{ scheme: 'digest', params: { realm: 'r', nonce: 'n', algorithm: 'md5' } }])
        ?.scheme,
    ).toBe('digest');
  });
  it('skips Digest it cannot answer and falls back to Basic', () => {
    expect(pickChallenge([digest({ algorithm: 'SHA-256' }), basic])).toBe(basic);
    expect(pickChallenge([digest({ qop: 'auth-int' }), basic])).toBe(basic);
    expect(pickChallenge([{ scheme: 'Digest', params: { realm: 'r' } }, basic])).toBe(basic);
  });
  it('returns undefined when nothing is usable', () => {
    expect(pickChallenge([])).toBeUndefined();
    expect(
      pickChallenge([{ scheme: 'Negotiate', params: {} }, digest({ algorithm: 'MD5-sess' })]),
    ).toBeUndefined();
  });
});

describe('buildAuthorization', () => {
  it('computes the RFC 2617 §3.5 example (qop=auth, opaque echoed)', () => {
    const [ch] = parseWwwAuthenticate([
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ]);
    const value = buildAuthorization(
      ch!,
      { username: 'Mufasa', password: 'Circle Of Life' },
      'GET',
      '/dir/index.html',
      { cnonce: '0a4f113b', nc: 1 },
    );
    // Independent computation of RFC 2617 §3.2.2.1 request-digest.
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const ha2 = md5('GET:/dir/index.html');
    const expected = md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:${ha2}`);
    expect(expected).toBe('6629fae49393a05397450978507c4ef1'); // the value printed in RFC 2617
    expect(value).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
        `uri="/dir/index.html", response="${expected}", qop=auth, nc=00000001, cnonce="0a4f113b", ` +
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
  });

  it('computes Digest without qop (live555 / most cameras), echoing algorithm=MD5', () => {
    const ch: AuthChallenge = {
      scheme: 'Digest',
      params: { realm: 'LIVE555 Streaming Media', nonce: 'abc123', algorithm: 'MD5' },
    };
    const uri = 'rtsp://10.0.0.5:8554/cam';
    const value = buildAuthorization(
      ch,
      { username: 'admin', password: 'p@ss:word' },
      'DESCRIBE',
      uri,
    );
    const expected = md5(
      `${md5('admin:LIVE555 Streaming Media:p@ss:word')}:abc123:${md5(`DESCRIBE:${uri}`)}`,
    );
    expect(value).toBe(
      `Digest username="admin", realm="LIVE555 Streaming Media", nonce="abc123", uri="${uri}", response="${expected}", algorithm=MD5`,
    );
  });

  it('generates a cnonce and formats nc when not given', () => {
    const ch: AuthChallenge = { scheme: 'Digest', params: { realm: 'r', nonce: 'n', qop: 'auth' } };
    const value = buildAuthorization(ch, { username: 'u', password: 'p' }, 'PLAY', '*', {
      nc: 255,
    });
    const parsed = parseAuthorization(value).params;
    expect(parsed.nc).toBe('000000ff');
    expect(parsed.cnonce).toMatch(/^[0-9a-f]{16}$/);
    const ha1 = md5('u:r:p');
    expect(parsed.response).toBe(md5(`${ha1}:n:000000ff:${parsed.cnonce}:auth:${md5('PLAY:*')}`));
  });

  it('escapes quotes in the username', () => {
    const ch: AuthChallenge = { scheme: 'Digest', params: { realm: 'r', nonce: 'n' } };
    const parsed = parseAuthorization(
      buildAuthorization(ch, { username: 'a"b\\c', password: 'p' }, 'OPTIONS', '*'),
    );
    expect(parsed.params.username).toBe('a"b\\c');
  });

  it('builds Basic (UTF-8 credentials)', () => {
    const value = buildAuthorization(
      { scheme: 'Basic', params: { realm: 'r' } },
      { username: 'admin', password: 'pässwörd' },
      'DESCRIBE',
      '*',
    );
    expect(value).toBe(`Basic ${Buffer.from('admin:pässwörd').toString('base64')}`);
  });

  const bad: Array<[string, AuthChallenge, string]> = [
    ['unknown scheme', { scheme: 'Negotiate', params: {} }, 'u'],
    ['Digest without nonce', { scheme: 'Digest', params: { realm: 'r' } }, 'u'],
    [
      'Digest with SHA-256',
      { scheme: 'Digest', params: { realm: 'r', nonce: 'n', algorithm: 'SHA-256' } },
      'u',
    ],
    [
      'Digest with only auth-int',
      { scheme: 'Digest', params: { realm: 'r', nonce: 'n', qop: 'auth-int' } },
      'u',
    ],
    ['CRLF in username', { scheme: 'Digest', params: { realm: 'r', nonce: 'n' } }, 'u\r\nX: y'],
    ['colon in Basic username', { scheme: 'Basic', params: {} }, 'a:b'],
  ];
  for (const [name, ch, username] of bad) {
    it(`rejects ${name}`, () =>
      expect(
        errorCode(() => buildAuthorization(ch, { username, password: 'p' }, 'PLAY', '*')),
      ).toBe('HDR_BAD_AUTH'));
  }
});

describe('parseAuthorization', () => {
  it('parses what ffmpeg sends for Digest', () => {
    const v =
      'Digest username="admin", realm="IP Camera(C6251)", nonce="a4c0", uri="rtsp://192.168.1.64:554/Streaming/Channels/101", response="0123456789abcdef0123456789abcdef"';
    expect(parseAuthorization(v)).toEqual({
      scheme: 'Digest',
      params: {
        username: 'admin',
        realm: 'IP Camera(C6251)',
        nonce: 'a4c0',
        uri: 'rtsp://192.168.1.64:554/Streaming/Channels/101',
        response: '0123456789abcdef0123456789abcdef',
      },
    });
  });
  it('decodes Basic credentials', () => {
    expect(parseAuthorization('Basic YWRtaW46MTI6MzQ=')).toEqual({
      scheme: 'Basic',
      params: { token68: 'YWRtaW46MTI6MzQ=', username: 'admin', password: '12:34' },
    });
  });
  for (const [name, v] of [
    ['empty', ''],
    ['two credentials', 'Basic YWRtaW46MTI=, Basic YWRtaW46MTI='],
    ['Basic without credentials', 'Basic'],
    ['Basic without colon', `Basic ${Buffer.from('admin').toString('base64')}`],
    ['unterminated quote', 'Digest username="admin'],
  ]) {
    it(`rejects ${name}`, () =>
      expect(errorCode(() => parseAuthorization(v!))).toBe('HDR_BAD_AUTH'));
  }
});

describe('formatChallenge', () => {
  it('quotes values except algorithm/stale tokens', () => {
    expect(
      formatChallenge({
        scheme: 'Digest',
        params: { realm: 'seamd', nonce: 'abc', algorithm: 'MD5', stale: 'TRUE' },
      }),
    ).toBe('Digest realm="seamd", nonce="abc", algorithm=MD5, stale=TRUE');
    expect(formatChallenge({ scheme: 'Basic', params: { realm: 'a "b"' } })).toBe(
      'Basic realm="a \\"b\\""',
    );
    expect(formatChallenge({ scheme: 'Basic', params: {} })).toBe('Basic');
    expect(errorCode(() => formatChallenge({ scheme: 'Basic', params: { realm: 'a\r\n' } }))).toBe(
      'HDR_BAD_AUTH',
    );
    expect(errorCode(() => formatChallenge({ scheme: 'Ba sic', params: {} }))).toBe('HDR_BAD_AUTH');
  });
});
