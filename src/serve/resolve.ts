/**
 * Which origin a viewer's Request-URI names (seamd is never an open proxy).
 *
 * 1. The URI names seamd itself (see `self.ts`): the first path segment must be a configured
 *    path name → `paths.<name>.origin` (a `/trackID=N` suffix stays with the viewer's URL);
 *    any other path is 404.
 * 2. Any other host is transparent (an operator redirected port-554 traffic to seamd): relayed
 *    to that host only when the allowlist admits it, else 403, whatever its path. The path map
 *    never answers for another host: a player asking its own camera for `/stream1` must not get
 *    the operator's `stream1`.
 *
 * Pure: DNS answers come in as an argument.
 */
import type { Allowlist } from './allowlist.js';
import type { SeamConfig } from '../seam/config.js';
import type { SelfCheck } from './self.js';

export interface PathTarget {
  readonly name: string;
  readonly origin: string;
  readonly mirrors: readonly string[];
  readonly transport: 'udp' | 'tcp' | 'auto';
  readonly seam: SeamConfig;
  /** `paths.<name>.fastStart`; unset: `defaultFastStart`. */
  readonly fastStart?: boolean;
}

export interface ResolveContext {
  readonly paths: ReadonlyMap<string, PathTarget>;
  readonly allow: Allowlist;
  /** Hosts that mean seamd itself: only URIs naming one of these use the path map. */
  readonly selfHosts: SelfCheck;
  /** Upstream transport for transparent targets (`upstream.transport`). */
  readonly defaultTransport: 'udp' | 'tcp' | 'auto';
  /** Seaming settings for transparent targets (the global `seam` section). */
  readonly defaultSeam: SeamConfig;
  /** `serve.fastStart` (unset: on). */
  readonly defaultFastStart?: boolean;
  /** A named span of an archive (`clips/<name>`, `<path>/<schedule>/<start>`): its segments. */
  readonly spanOf?: (segments: readonly string[]) => ArchiveSpan | undefined;
}

/** A stretch of a path's archive a Request-URI names (wall-clock ms). */
export interface ArchiveSpan {
  readonly path: string;
  readonly fromMs: number;
  readonly toMs: number;
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
      /** Viewers start at the last keyframe (live) or ahead of the clock (from disk). */
      readonly fastStart: boolean;
      /** A clip or programme: played from the path's archive, bounded. */
      readonly span?: ArchiveSpan;
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
  const port = url.port === '' ? 554 : Number(url.port);
  const self =
    ctx.selfHosts.has(host, port) ||
    (resolvedAddress !== undefined && ctx.selfHosts.has(resolvedAddress, port));
  if (self) {
    const span = spanOfUrl(url, ctx);
    const spanPath = span && ctx.paths.get(span.path);
    if (span && spanPath) {
      const { name, origin, mirrors, transport, seam } = spanPath;
      const fastStart = spanPath.fastStart ?? ctx.defaultFastStart ?? true;
      const base = { viewerBase, origin, mirrors, transport, seam, fastStart };
      return { ok: true, kind: 'path', ...base, pathName: name, span };
    }
    const segment = url.pathname.split('/')[1] ?? '';
    const first = decodeSegment(segment);
    const mapped = first === undefined ? undefined : ctx.paths.get(first);
    if (!mapped) return { ok: false, status: 404, reason: `no path named "${first ?? segment}"` };
    // Only the path name itself (plus an optional track suffix) names the mapped content.
    const rest = url.pathname.slice(1 + segment.length);
    if (rest !== '' && rest !== '/' && !TRACK_SUFFIX.test(rest)) {
      return { ok: false, status: 404, reason: `no such content under path "${mapped.name}"` };
    }
    return {
      ok: true,
      kind: 'path',
      viewerBase,
      origin: mapped.origin,
      mirrors: mapped.mirrors,
      transport: mapped.transport,
      seam: mapped.seam,
      pathName: mapped.name,
      fastStart: mapped.fastStart ?? ctx.defaultFastStart ?? true,
    };
  }
  if (!ctx.allow.allows(host, resolvedAddress)) {
    return { ok: false, status: 403, reason: `host ${host} is not in transparent.allow` };
  }
  const portSuffix = url.port === '' ? '' : `:${url.port}`;
  return {
    ok: true,
    kind: 'transparent',
    viewerBase,
    origin: `rtsp://${url.hostname.toLowerCase()}${portSuffix}${url.pathname.replace(TRACK_SUFFIX, '')}${url.search}`,
    mirrors: [],
    transport: ctx.defaultTransport,
    seam: ctx.defaultSeam,
    pathName: undefined,
    fastStart: ctx.defaultFastStart ?? true,
  };
}

function spanOfUrl(url: URL, ctx: ResolveContext): ArchiveSpan | undefined {
  if (!ctx.spanOf) return undefined;
  const raw = url.pathname.replace(TRACK_SUFFIX, '').split('/').slice(1);
  if (raw.length < 2 || raw.length > 3) return undefined;
  const parts = raw.map(decodeSegment);
  return parts.every((p): p is string => p !== undefined) ? ctx.spanOf(parts) : undefined;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
