/**
 * Origin URLs, the one home for them: parsing for dialing, the sharing key of a source, the
 * `host:port` an origin is counted under, the credentials lookup keys, wire-safe URLs and
 * control URL matching. Default port 554; IPv6 hosts bracketed wherever a port may follow.
 */
import { UpstreamError } from '../errors.js';

/** A user name and password for an origin (from its URL or `upstream.credentials`). */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface OriginUrl {
  /** Host name or address, IPv6 without brackets. */
  host: string;
  port: number;
  /** The URL without userinfo: what goes on the wire and into logs. */
  url: string;
  /** Percent-decoded userinfo, when the URL had some. */
  credentials: Credentials | undefined;
}

export const DEFAULT_RTSP_PORT = 554;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parses an rtsp:// URL. Throws UpstreamError UPSTREAM_CONNECT for anything we cannot dial. */
export function parseOriginUrl(raw: string): OriginUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch (err) {
    throw new UpstreamError(
      'UPSTREAM_CONNECT',
      `bad origin URL ${JSON.stringify(stripUserinfo(raw))}`,
      {
        cause: err,
      },
    );
  }
  if (u.protocol.toLowerCase() !== 'rtsp:') {
    throw new UpstreamError('UPSTREAM_CONNECT', `unsupported scheme ${u.protocol} (only rtsp:)`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new UpstreamError('UPSTREAM_CONNECT', 'origin URL without host');
  const credentials =
    u.username !== '' || u.password !== ''
      ? { username: decode(u.username), password: decode(u.password) }
      : undefined;
  return {
    host,
    port: u.port === '' ? DEFAULT_RTSP_PORT : Number(u.port),
    url: stripUserinfo(raw),
    credentials,
  };
}

/** `host` as it goes before `:port`: IPv6 in brackets, lower case. */
function hostForPort(u: URL): string {
  const h = u.hostname.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/**
 * Origin URL as a sharing key (one source per key): scheme and host lower-cased, the default
 * port dropped, no userinfo, no trailing slash. Throws TypeError on a URL that does not parse.
 */
export function sourceKey(origin: string): string {
  const u = new URL(origin);
  const port = u.port === '' || u.port === String(DEFAULT_RTSP_PORT) ? '' : `:${u.port}`;
  return `rtsp://${hostForPort(u)}${port}${u.pathname.replace(/\/+$/, '')}${u.search}`;
}

/**
 * The origin a URL names, as `host:port` (default port written, IPv6 bracketed): two servers
 * on one machine are two origins. '' when the URL does not parse.
 */
export function originOfUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${hostForPort(u)}:${u.port === '' ? DEFAULT_RTSP_PORT : u.port}`;
  } catch {
    return '';
  }
}

/**
 * Keys under which `upstream.credentials` may hold a URL's credentials, most specific first:
 * `host:port` then `host` (IPv6 both bracketed and bare for the host alone).
 */
export function credentialsKeys(url: string): string[] {
  try {
    const u = new URL(url);
    const host = hostForPort(u);
    const bare = host.replace(/^\[|\]$/g, '');
    const keys = [`${host}:${u.port === '' ? DEFAULT_RTSP_PORT : u.port}`, host];
    if (bare !== host) keys.push(bare);
    return keys;
  } catch {
    return [];
  }
}

/** `rtsp://user:pw@host/x` → `rtsp://host/x`, keeping the rest of the text as written. */
export function stripUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

function pathAndQuery(url: string): string | undefined {
  try {
    const u = new URL(url);
    return decode(u.pathname + u.search).replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

function trimSlashes(s: string): string {
  return s.replace(/\/+$/, '');
}

/**
 * Index of the control URL that `url` names (an RTP-Info url): exact match ignoring trailing
 * slashes, then same path+query (servers report other host names or drop the port), then a
 * relative form that is a suffix of a control URL at a path boundary. undefined if none.
 */
export function matchControlUrl(url: string, controls: readonly string[]): number | undefined {
  const want = trimSlashes(stripUserinfo(url.trim()));
  if (want === '') return undefined;
  const exact = controls.findIndex((c) => trimSlashes(stripUserinfo(c)) === want);
  if (exact >= 0) return exact;
  const wantPath = pathAndQuery(want);
  if (wantPath !== undefined) {
    const byPath = controls.findIndex((c) => pathAndQuery(c) === wantPath);
    if (byPath >= 0) return byPath;
    return undefined;
  }
  // relative: "stream=0", "/path/stream=0", "trackID=1"
  const rel = want.replace(/^\/+/, '');
  const bySuffix = controls.findIndex((c) => {
    const full = trimSlashes(c);
    return full.endsWith(rel) && /[/?&]$/.test(full.slice(0, full.length - rel.length));
  });
  return bySuffix >= 0 ? bySuffix : undefined;
}
