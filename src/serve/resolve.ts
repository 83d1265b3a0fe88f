/**
 * Which origin a viewer's Request-URI names (DESIGN decision 7: never an open proxy).
 *
 * 1. Path map: the first path segment is a configured path name → `paths.<name>.origin`
 *    (anything after the name, e.g. `/trackID=1`, stays with the viewer's URL).
 * 2. Transparent: the URI names another host (an operator redirected port-554 traffic to
 *    seamd) → relayed to that host only when the allowlist admits it.
 * 3. Anything else: 404 (seamd's own host, unknown path) or 403 (a host not on the allowlist).
 *
 * Pure: DNS answers come in as an argument.
 */
import type { Allowlist } from '../daemon/allowlist.js';
import type { SeamConfig } from '../daemon/config-schema.js';

export interface PathTarget {
  readonly name: string;
  readonly origin: string;
  readonly mirrors: readonly string[];
  readonly transport: 'udp' | 'tcp' | 'auto';
  readonly seam: SeamConfig;
}

export interface ResolveContext {
  readonly paths: ReadonlyMap<string, PathTarget>;
  readonly allow: Allowlist;
  /** `host:port` pairs that mean seamd itself (its listen address, localhost, ...). */
  readonly selfHosts: ReadonlySet<string>;
  /** Upstream transport for transparent targets (`upstream.transport`). */
  readonly defaultTransport: 'udp' | 'tcp' | 'auto';
  /** Seaming settings for transparent targets (the global `seam` section). */
  readonly defaultSeam: SeamConfig;
}

export type Resolution =
  | {
      readonly ok: true;
      readonly kind: 'path' | 'transparent';
      /** The presentation URL as the viewer addressed it, without track suffix or query. */
      readonly viewerBase: string;
      readonly origin: string;
      readonly mirrors: readonly string[];
      readonly transport: 'udp' | 'tcp' | 'auto';
      readonly seam: SeamConfig;
      readonly pathName: string | undefined;
    }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

const TRACK_SUFFIX = /\/trackID=\d+\/?$/;

/** Parses an rtsp:// Request-URI; undefined for anything else. */
export function parseRtspUrl(uri: string): URL | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:' && url.protocol !== 'rtspu:') {
      return undefined;
    }
    // `rtsp:x/y` has no authority: not an rtsp:// URL, and no presentation URL can be made of it.
    if (!url.href.startsWith(`${url.protocol}//`)) return undefined;
    return url;
  } catch {
    return undefined;
  }
}

/** The presentation part of a viewer URL: no userinfo, no query, no `/trackID=N` suffix. */
export function presentationUrl(url: URL): string {
  const path = url.pathname.replace(TRACK_SUFFIX, '').replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/** Lower-cased host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

export function resolveTarget(
  uri: string,
  ctx: ResolveContext,
  resolvedAddress?: string,
): Resolution {
  const url = parseRtspUrl(uri);
  if (!url) return { ok: false, status: 400, reason: 'Request-URI is not an rtsp:// URL' };
  const viewerBase = presentationUrl(url);
  const host = hostOf(url);
  const first = decodeSegment(url.pathname.split('/')[1] ?? '');
  const mapped = first === undefined ? undefined : ctx.paths.get(first);
  if (mapped) {
    // Only the path name itself (plus an optional track suffix) names the mapped content.
    const rest = url.pathname.slice(1 + (url.pathname.split('/')[1] ?? '').length);
    if (rest === '' || rest === '/' || TRACK_SUFFIX.test(rest)) {
      return {
        ok: true,
        kind: 'path',
        viewerBase,
        origin: mapped.origin,
        mirrors: mapped.mirrors,
        transport: mapped.transport,
        seam: mapped.seam,
        pathName: mapped.name,
      };
    }
    return { ok: false, status: 404, reason: `no such content under path "${mapped.name}"` };
  }
  if (ctx.selfHosts.has(`${host}:${url.port === '' ? '554' : url.port}`)) {
    return { ok: false, status: 404, reason: `no path named "${first ?? ''}"` };
  }
  if (!ctx.allow.allows(host, resolvedAddress)) {
    return { ok: false, status: 403, reason: `host ${host} is not in transparent.allow` };
  }
  const port = url.port === '' ? '' : `:${url.port}`;
  return {
    ok: true,
    kind: 'transparent',
    viewerBase,
    origin: `rtsp://${url.hostname.toLowerCase()}${port}${url.pathname.replace(TRACK_SUFFIX, '')}${url.search}`,
    mirrors: [],
    transport: ctx.defaultTransport,
    seam: ctx.defaultSeam,
    pathName: undefined,
  };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Origin URL as a sharing key: scheme and host lower-cased, default port, no userinfo. */
export function sourceKey(origin: string): string {
  const url = new URL(origin);
  const port = url.port === '' || url.port === '554' ? '' : `:${url.port}`;
  return `rtsp://${url.hostname.toLowerCase()}${port}${url.pathname.replace(/\/+$/, '')}${url.search}`;
}
