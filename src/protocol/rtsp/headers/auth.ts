/**
 * WWW-Authenticate / Authorization (RFC 2326 §12.5, §12.44; RFC 2617 Basic and Digest with MD5).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ProtocolError } from '../../../errors.js';
import { hasCtl, isToken, quote, setOwn } from '../syntax.js';

export interface AuthChallenge {
  /** 'Basic' | 'Digest' | other, as sent */
  scheme: string;
  /** lower-case keys, unquoted values; a bare token68 credential is kept under `token68` */
  params: Record<string, string>;
}

function bad(why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_AUTH', `bad authentication header: ${why}`);
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_RE = /^[A-Za-z0-9\-._~+/]+=*/;

/** Cursor over one header value. */
class Lexer {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string | undefined {
    return this.s[this.pos];
  }
  skipWs(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  /** skips whitespace and commas; returns whether at least one comma was skipped */
  skipSeparators(): boolean {
    let comma = false;
    for (let c = this.peek(); c === ' ' || c === '\t' || c === ','; c = this.peek()) {
      if (c === ',') comma = true;
      this.pos++;
    }
    return comma;
  }
  token(): string {
    const from = this.pos;
    while (!this.done && TOKEN_CHAR.test(this.s[this.pos] ?? '')) this.pos++;
    return this.s.slice(from, this.pos);
  }
  quoted(): string {
    let out = '';
    this.pos++; // opening quote
    while (!this.done) {
      const c = this.s[this.pos++];
      if (c === '"') return out;
      if (c === '\\') {
        if (this.done) break;
        out += this.s[this.pos++];
      } else {
        out += c;
      }
    }
    throw bad('unterminated quoted string');
  }
  /** an unquoted value: everything up to the next comma, trailing whitespace dropped */
  bare(): string {
    const comma = this.s.indexOf(',', this.pos);
    const end = comma < 0 ? this.s.length : comma;
    const value = this.s.slice(this.pos, end).replace(/[ \t]+$/, '');
    this.pos = end;
    return value;
  }
  /** a `token68` (e.g. Basic credentials) standing alone up to the next comma or the end */
  token68(): string | undefined {
    const m = TOKEN68_RE.exec(this.s.slice(this.pos));
    if (!m) return undefined;
    const rest = this.s.slice(this.pos + m[0].length).replace(/^[ \t]+/, '');
    if (rest !== '' && !rest.startsWith(',')) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
}

/**
 * Reads `scheme [token68 | param *("," param)]` and stops before the next challenge's scheme.
 * Liberal: unquoted values run up to the next comma, and a missing comma between params is tolerated.
 */
function readChallenge(lx: Lexer): AuthChallenge {
  const scheme = lx.token();
  if (!scheme) throw bad(`expected auth scheme at ${JSON.stringify(lx.s.slice(lx.pos))}`);
  const params: Record<string, string> = {};
  const afterScheme = lx.pos;
  lx.skipWs();
  if (lx.peek() === '=') throw bad(`expected auth scheme, got parameter ${scheme}`);
  if (lx.pos > afterScheme) {
    const t68 = lx.token68();
    if (t68 !== undefined) {
      params.token68 = t68;
      return { scheme, params };
    }
  }
  for (;;) {
    lx.skipSeparators();
    if (lx.done) break;
    const nameAt = lx.pos;
    const name = lx.token();
    if (!name) throw bad(`unexpected ${JSON.stringify(lx.s.slice(lx.pos))}`);
    lx.skipWs();
    if (lx.peek() !== '=') {
      lx.pos = nameAt; // the next challenge's scheme
      break;
    }
    lx.pos++;
    lx.skipWs();
    setOwn(params, name.toLowerCase(), lx.peek() === '"' ? lx.quoted() : lx.bare());
    lx.skipWs();
  }
  return { scheme, params };
}

function parseChallenges(value: string): AuthChallenge[] {
  if (hasCtl(value)) throw bad('control character');
  const lx = new Lexer(value);
  const out: AuthChallenge[] = [];
  lx.skipSeparators();
  while (!lx.done) {
    out.push(readChallenge(lx));
    lx.skipSeparators();
  }
  return out;
}

/**
 * All challenges of all WWW-Authenticate values, in order. With `ignored` (an origin's answer),
 * a value that does not parse is skipped and described there, so that a good challenge in
 * another value is still used; without it the first bad value throws HDR_BAD_AUTH.
 */
export function parseWwwAuthenticate(values: string[], ignored?: string[]): AuthChallenge[] {
  return values.flatMap((v) => {
    try {
      return parseChallenges(v);
    } catch (err) {
      if (!ignored) throw err;
      ignored.push(`${v} (${err instanceof Error ? err.message : String(err)})`);
      return [];
    }
  });
}

/** What a Digest Authorization must carry to be checked at all (RFC 2617 §3.2.2). */
const DIGEST_CREDENTIAL_PARAMS = ['username', 'realm', 'nonce', 'uri', 'response'];

/**
 * Server side, strict (a viewer's request): the credentials of one Authorization header, Basic
 * (also yields username/password) or Digest with all of its required parameters.
 */
export function parseAuthorization(v: string): AuthChallenge {
  const list = parseChallenges(v);
  const [ch] = list;
  if (!ch || list.length !== 1) throw bad('expected exactly one credential');
  const scheme = ch.scheme.toLowerCase();
  if (scheme === 'digest') {
    const missing = DIGEST_CREDENTIAL_PARAMS.filter((k) => ch.params[k] === undefined);
    if (missing.length > 0) throw bad(`Digest without ${missing.join(', ')}`);
  } else if (scheme !== 'basic') {
    throw bad(`unsupported scheme ${JSON.stringify(ch.scheme)}`);
  }
  if (scheme === 'basic') {
    const t68 = ch.params.token68;
    if (t68 === undefined) throw bad('Basic without credentials');
    const decoded = Buffer.from(t68, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw bad('Basic credentials without ":"');
    ch.params.username = decoded.slice(0, colon);
    ch.params.password = decoded.slice(colon + 1);
  }
  return ch;
}

function isMd5(ch: AuthChallenge): boolean {
  const alg = ch.params.algorithm;
  return alg === undefined || alg.toUpperCase() === 'MD5';
}

function qopList(ch: AuthChallenge): string[] | undefined {
  const qop = ch.params.qop;
  return qop === undefined ? undefined : qop.split(',').map((q) => q.trim().toLowerCase());
}

function usableDigest(ch: AuthChallenge): boolean {
  if (ch.scheme.toLowerCase() !== 'digest' || !isMd5(ch)) return false;
  if (ch.params.nonce === undefined || ch.params.realm === undefined) return false;
  const qop = qopList(ch);
  return qop === undefined || qop.includes('auth');
}

/** Digest (MD5, qop auth or none) first, then Basic; undefined when nothing is usable. */
export function pickChallenge(ch: AuthChallenge[]): AuthChallenge | undefined {
  return ch.find(usableDigest) ?? ch.find((c) => c.scheme.toLowerCase() === 'basic');
}

function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

/** RFC 2617 §3.2.2.1 request-digest (MD5; qop "auth" or none). */
export function computeDigestResponse(p: {
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}): string {
  const ha1 = md5(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = md5(`${p.method}:${p.uri}`);
  if (p.qop === undefined) return md5(`${ha1}:${p.nonce}:${ha2}`);
  return md5(`${ha1}:${p.nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:${p.qop}:${ha2}`);
}

function checkText(s: string, what: string): string {
  if (hasCtl(s)) throw bad(`control character in ${what}`);
  return s;
}

export function buildAuthorization(
  ch: AuthChallenge,
  cred: { username: string; password: string },
  method: string,
  uri: string,
  opts?: { cnonce?: string; nc?: number },
): string {
  const scheme = ch.scheme.toLowerCase();
  checkText(cred.username, 'username');
  checkText(cred.password, 'password');
  if (scheme === 'basic') {
    if (cred.username.includes(':')) throw bad('Basic username holds ":"');
    return `Basic ${Buffer.from(`${cred.username}:${cred.password}`, 'utf8').toString('base64')}`;
  }
  if (scheme !== 'digest') throw bad(`unsupported scheme ${ch.scheme}`);
  if (!usableDigest(ch))
    throw bad('unsupported Digest challenge (need realm, nonce, MD5, qop auth)');
  const realm = checkText(ch.params.realm ?? '', 'realm');
  const nonce = checkText(ch.params.nonce ?? '', 'nonce');
  checkText(uri, 'uri');
  const useQop = qopList(ch) !== undefined;
  const nc = (opts?.nc ?? 1).toString(16).padStart(8, '0');
  if (useQop && (!Number.isInteger(opts?.nc ?? 1) || nc.length !== 8 || (opts?.nc ?? 1) < 1)) {
    throw bad(`nonce count ${opts?.nc}`);
  }
  const cnonce = opts?.cnonce ?? randomBytes(8).toString('hex');
  const response = computeDigestResponse({
    ...cred,
    realm,
    nonce,
    method,
    uri,
    ...(useQop ? { qop: 'auth' as const, nc, cnonce: checkText(cnonce, 'cnonce') } : {}),
  });
  const parts = [
    `username=${quote(cred.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(uri)}`,
    `response="${response}"`,
  ];
  if (ch.params.algorithm !== undefined) parts.push('algorithm=MD5');
  if (useQop) parts.push(`qop=auth`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (ch.params.opaque !== undefined) {
    parts.push(`opaque=${quote(checkText(ch.params.opaque, 'opaque'))}`);
  }
  return `Digest ${parts.join(', ')}`;
}

/** Parameters sent as bare tokens rather than quoted strings (RFC 2617 grammar). */
const UNQUOTED = new Set(['algorithm', 'stale', 'nc']);

/** WWW-Authenticate value for one challenge, e.g. `Digest realm="x", nonce="y"`. */
export function formatChallenge(ch: AuthChallenge): string {
  if (!isToken(ch.scheme)) throw bad(`scheme ${JSON.stringify(ch.scheme)}`);
  const entries = Object.entries(ch.params);
  const t68 = ch.params.token68;
  if (t68 !== undefined && entries.length === 1) {
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(t68)) throw bad('token68');
    return `${ch.scheme} ${t68}`;
  }
  const parts = entries.map(([k, v]) => {
    if (!isToken(k) || k !== k.toLowerCase()) throw bad(`parameter name ${JSON.stringify(k)}`);
    checkText(v, k);
    return `${k}=${UNQUOTED.has(k) && isToken(v) ? v : quote(v)}`;
  });
  return parts.length > 0 ? `${ch.scheme} ${parts.join(', ')}` : ch.scheme;
}
