/** Session (RFC 2326 §12.37): `session-id [ ";" "timeout" "=" delta-seconds ]`. */
import { ProtocolError } from '../../../errors.js';
import { parseUint, trimOws } from '../syntax.js';

export interface SessionHeader {
  id: string;
  /** seconds; absent means the server default (60 s) */
  timeout?: number;
}

/**
 * RFC 2326 allows ALPHA / DIGIT / `$-_.+`; servers in the wild also use other visible ASCII
 * (base64 `/=`, `:` ...). We accept any visible ASCII except the separators `;` and `,`.
 */
const SESSION_ID_RE = /^[\x21-\x2b\x2d-\x3a\x3c-\x7e]{1,1024}$/;
const MAX_TIMEOUT = 0xffffffff;

function bad(v: string, why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_SESSION', `bad Session ${JSON.stringify(v)}: ${why}`);
}

export function isValidSessionId(id: string): boolean {
  return SESSION_ID_RE.test(id);
}

/**
 * Parses a Session header. Strict by default (a viewer's malformed timeout is HDR_BAD_SESSION);
 * with `ignored`, liberal (an origin's answer): a malformed timeout is left out (the default then
 * applies) and described in `ignored`. Unknown parameters are always skipped (RFC 7826 adds some).
 */
export function parseSession(v: string, ignored?: string[]): SessionHeader {
  const [first = '', ...params] = v.split(';');
  const id = trimOws(first);
  if (!isValidSessionId(id)) throw bad(v, 'session id');
  const out: SessionHeader = { id };
  for (const p of params) {
    const param = trimOws(p);
    if (param === '') continue;
    const eq = param.indexOf('=');
    const name = trimOws(eq < 0 ? param : param.slice(0, eq)).toLowerCase();
    if (name !== 'timeout') continue; // unknown parameters are ignored (RFC 7826 is extensible)
    const timeout = eq < 0 ? undefined : parseUint(trimOws(param.slice(eq + 1)), MAX_TIMEOUT);
    if (timeout !== undefined) out.timeout = timeout;
    else if (ignored) ignored.push(param);
    else throw bad(v, 'timeout');
  }
  return out;
}

export function formatSession(s: SessionHeader): string {
  if (!isValidSessionId(s.id)) throw bad(s.id, 'session id');
  if (s.timeout === undefined) return s.id;
  if (!Number.isInteger(s.timeout) || s.timeout < 0 || s.timeout > MAX_TIMEOUT) {
    throw bad(s.id, `timeout ${s.timeout}`);
  }
  return `${s.id};timeout=${s.timeout}`;
}
