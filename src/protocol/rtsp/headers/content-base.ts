/** Base URL for relative URLs in a DESCRIBE answer (RFC 2326 §C.1.1) and control URL resolution. */
import type { RtspHeaders } from '../message.js';
import { trimOws } from '../syntax.js';

const ABSOLUTE_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function resolve(ref: string, base: string): string | undefined {
  if (ABSOLUTE_RE.test(ref)) return ref; // kept verbatim: no normalisation of what the origin sent
  try {
    return new URL(ref, base).href;
  } catch {
    return undefined;
  }
}

/**
 * Content-Base, else Content-Location, else the request URL. A relative header value is resolved
 * against the request URL; one that cannot be resolved is skipped.
 */
export function baseUrlOf(headers: RtspHeaders, requestUrl: string): string {
  for (const name of ['Content-Base', 'Content-Location']) {
    const value = headers.get(name);
    if (value === undefined) continue;
    const v = trimOws(value);
    if (v === '') continue;
    const url = resolve(v, requestUrl);
    if (url !== undefined) return url;
  }
  return requestUrl;
}

/**
 * Resolves an SDP `a=control:` value against the base URL the way deployed clients (live555,
 * ffmpeg, gstreamer) do: `*` or empty means the base itself, an absolute URL is used as is, and a
 * relative one is appended to the base with exactly one `/` between them.
 */
export function resolveControlUrl(base: string, control: string): string {
  const c = trimOws(control);
  if (c === '' || c === '*') return base;
  if (ABSOLUTE_RE.test(c)) return c;
  if (base.endsWith('/')) return c.startsWith('/') ? base + c.slice(1) : base + c;
  return c.startsWith('/') ? base + c : `${base}/${c}`;
}
