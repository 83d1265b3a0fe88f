/**
 * WWW-Authenticate and Authorization header vectors of another RTSP library, taken as test data.
 *
 * Source: gortsplib (https://github.com/bluenviron/gortsplib), MIT License,
 * Copyright (c) 2020 aler9. Package pkg/headers:
 * - valid: `casesAuthenticate` in authenticate_test.go and `casesAuthorization` in
 *   authorization_test.go at commit 9b93574c4d1ff0e72e3673d4362410b01d063c68 (the "IP Camera"
 *   and "IPCAM" ones come from real cameras);
 * - invalid: `TestAutenticatehUnmarshalErrors` / `TestAuthorizationUnmarshalErrors` at commit
 *   55fa72f0c2734060a522ee551e2f3392e9832547 (the last one with error tables; "empty" and
 *   "2 values" are about header counts and are left out);
 * - fuzz seeds: testdata/fuzz/FuzzAuthenticateUnmarshal/* and FuzzAuthorizationUnmarshal/* at
 *   9b93574c (inputs only: the fuzz test asks just that the parser does not crash).
 *
 * Expectations are seamd's. WWW-Authenticate comes from an origin: `challenges` is what it
 * parses to (undefined: HDR_BAD_AUTH) and `picked` the scheme seamd would answer (undefined: none
 * usable). Authorization comes from a viewer and is read strictly: `params` or, when undefined,
 * HDR_BAD_AUTH. seamd does not check viewers' credentials today, so no status follows from it.
 */
import type { AuthChallenge } from '../../../../src/protocol/rtsp/headers/auth.js';

export interface AuthenticateVector {
  name: string;
  input: string;
  challenges: AuthChallenge[] | undefined;
  picked: 'Basic' | 'Digest' | undefined;
  note?: string;
}

const NONCE = '8b84a3b789283a8bea8da7fa7d41f08b';

export const GORTSPLIB_AUTHENTICATE: AuthenticateVector[] = [
  {
    name: 'basic',
    input: 'Basic realm="4419b63f5e51"',
    challenges: [{ scheme: 'Basic', params: { realm: '4419b63f5e51' } }],
    picked: 'Basic',
  },
  {
    name: 'digest 1',
    input: `Digest realm="4419b63f5e51", nonce="${NONCE}", stale="FALSE"`,
    challenges: [
      { scheme: 'Digest', params: { realm: '4419b63f5e51', nonce: NONCE, stale: 'FALSE' } },
    ],
    picked: 'Digest',
  },
  {
    name: 'digest 2',
    input: `Digest realm="4419b63f5e51", nonce="${NONCE}", stale=FALSE`,
    challenges: [
      { scheme: 'Digest', params: { realm: '4419b63f5e51', nonce: NONCE, stale: 'FALSE' } },
    ],
    picked: 'Digest',
  },
  {
    name: 'digest 3',
    input:
      'Digest realm="4419b63f5e51",nonce="133767111917411116111311118211673010032",  stale="FALSE"',
    challenges: [
      {
        scheme: 'Digest',
        params: {
          realm: '4419b63f5e51',
          nonce: '133767111917411116111311118211673010032',
          stale: 'FALSE',
        },
      },
    ],
    picked: 'Digest',
  },
  {
    name: 'digest after failed auth',
    input:
      'Digest realm="Please log in with a valid username",' +
      'nonce="752a62306daf32b401a41004555c7663",opaque="",stale=FALSE',
    challenges: [
      {
        scheme: 'Digest',
        params: {
          realm: 'Please log in with a valid username',
          nonce: '752a62306daf32b401a41004555c7663',
          opaque: '',
          stale: 'FALSE',
        },
      },
    ],
    picked: 'Digest',
  },
  {
    name: 'digest md5 explicit',
    input: `Digest realm="4419b63f5e51", nonce="${NONCE}", stale="FALSE", algorithm="MD5"`,
    challenges: [
      {
        scheme: 'Digest',
        params: { realm: '4419b63f5e51', nonce: NONCE, stale: 'FALSE', algorithm: 'MD5' },
      },
    ],
    picked: 'Digest',
  },
  {
    name: 'digest sha256',
    input:
      'Digest realm="IP Camera(AB705)", nonce="fcc86deace979a488b2bfb89f4d0812c", ' +
      'algorithm="SHA-256", stale="FALSE"',
    challenges: [
      {
        scheme: 'Digest',
        params: {
          realm: 'IP Camera(AB705)',
          nonce: 'fcc86deace979a488b2bfb89f4d0812c',
          algorithm: 'SHA-256',
          stale: 'FALSE',
        },
      },
    ],
    picked: undefined,
    note: 'parsed, but seamd answers Digest with MD5 only (gortsplib also does SHA-256)',
  },
  {
    name: 'no keys',
    input: 'Basic',
    challenges: [{ scheme: 'Basic', params: {} }],
    picked: 'Basic',
    note:
      'gortsplib refuses a challenge without parameters; RFC 2617 wants a realm, but Basic ' +
      'credentials do not depend on it, so seamd can still answer an origin that forgets it',
  },
  { name: 'invalid keys', input: 'Basic key1="k', challenges: undefined, picked: undefined },
  {
    name: 'invalid method',
    input: 'Testing key1=val1',
    challenges: [{ scheme: 'Testing', params: { key1: 'val1' } }],
    picked: undefined,
    note: 'an unknown scheme parses (RFC 7235 is extensible) and is never picked',
  },
  { name: 'fuzz 593a6affc7d1fcee', input: 'Basic ="', challenges: undefined, picked: undefined },
  {
    name: 'fuzz 5fb42e6dcbfb41cb',
    input: 'Digest ',
    challenges: [{ scheme: 'Digest', params: {} }],
    picked: undefined,
  },
  {
    name: 'fuzz 771e938e4458e983',
    input: '0',
    challenges: [{ scheme: '0', params: {} }],
    picked: undefined,
  },
  { name: 'fuzz 8643a79bab153d1b', input: ' ', challenges: [], picked: undefined },
  { name: 'fuzz 9a1c51bbe1216ed5', input: 'Digest ="', challenges: undefined, picked: undefined },
  {
    name: 'fuzz c44cf6083afc355b',
    input: 'Basic ',
    challenges: [{ scheme: 'Basic', params: {} }],
    picked: 'Basic',
  },
  {
    name: 'fuzz cfd8b2b783bff8d8',
    input: 'Digest realm,nonce=""algorithm',
    challenges: undefined,
    picked: undefined,
  },
];

export interface AuthorizationVector {
  name: string;
  input: string;
  params: Record<string, string> | undefined;
  note?: string;
}

export const GORTSPLIB_AUTHORIZATION: AuthorizationVector[] = [
  {
    name: 'basic',
    input: 'Basic bXl1c2VyOm15cGFzcw==',
    params: { token68: 'bXl1c2VyOm15cGFzcw==', username: 'myuser', password: 'mypass' },
  },
  {
    name: 'digest',
    input:
      'Digest username="Mufasa", realm="testrealm@host.com", ' +
      'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ' +
      'response="e966c932a9242554e42c8ee200cec7f6", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    params: {
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      response: 'e966c932a9242554e42c8ee200cec7f6',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    },
  },
  {
    name: 'digest with empty field',
    input:
      'Digest username="", realm="IPCAM", nonce="5d17cd12b9fa8a85ac5ceef0926ea5a6", ' +
      'uri="rtsp://localhost:8554/mystream", response="c072ae90eb4a27f4cdcb90d62266b2a1"',
    params: {
      username: '',
      realm: 'IPCAM',
      nonce: '5d17cd12b9fa8a85ac5ceef0926ea5a6',
      uri: 'rtsp://localhost:8554/mystream',
      response: 'c072ae90eb4a27f4cdcb90d62266b2a1',
    },
  },
  {
    name: 'digest explicit md5',
    input:
      'Digest username="Mufasa", realm="testrealm@host.com", ' +
      'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", ' +
      'response="e966c932a9242554e42c8ee200cec7f6", ' +
      'opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm="MD5"',
    params: {
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      response: 'e966c932a9242554e42c8ee200cec7f6',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: 'MD5',
    },
  },
  {
    name: 'digest sha256',
    input:
      'Digest username="admin", realm="IP Camera(AB705)", ' +
      'nonce="1ad195c2b2ca5a03784e53f88e16f579", uri="rtsp://192.168.80.76/", ' +
      'response="9e2324f104f3ce507d17e44a78fc1293001fe84805bde65d2aaa9be97a5a8913", ' +
      'algorithm="SHA-256"',
    params: {
      username: 'admin',
      realm: 'IP Camera(AB705)',
      nonce: '1ad195c2b2ca5a03784e53f88e16f579',
      uri: 'rtsp://192.168.80.76/',
      response: '9e2324f104f3ce507d17e44a78fc1293001fe84805bde65d2aaa9be97a5a8913',
      algorithm: 'SHA-256',
    },
  },
  { name: 'invalid', input: 'Invalid', params: undefined },
  { name: 'basic invalid 1', input: 'Basic aaa', params: undefined },
  { name: 'basic invalid 2', input: 'Basic aW52YWxpZA==', params: undefined },
  { name: 'digest invalid', input: 'Digest test="v', params: undefined },
  { name: 'fuzz 5fb42e6dcbfb41cb', input: 'Digest ', params: undefined },
  { name: 'fuzz 771e938e4458e983', input: '0', params: undefined },
  { name: 'fuzz 8643a79bab153d1b', input: ' ', params: undefined },
  { name: 'fuzz 9a1c51bbe1216ed5', input: 'Digest ="', params: undefined },
  { name: 'fuzz c44cf6083afc355b', input: 'Basic ', params: undefined },
  {
    name: 'fuzz d3421c855dd22114',
    input: 'Digest username,realm,nonce,uri,response,algorithm',
    params: undefined,
  },
  { name: 'fuzz e77c46eef8802889', input: 'Basic 0', params: undefined },
];
