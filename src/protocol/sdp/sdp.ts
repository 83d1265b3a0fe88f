/**
 * SDP (RFC 8866) as seamd needs it: the origin's DESCRIBE answer reduced to tracks with absolute
 * control URLs, and the description seamd hands to its own viewers.
 *
 * Parsing and writing go through sdp-transform. Before parsing, the text is normalised: a BOM is
 * dropped, any line ending (CRLF, LF, CR) is accepted, each line is trimmed and lines that are
 * not `<lowercase letter>=` are dropped, so `info.sdp` never carries trailing whitespace.
 */
import { createHash } from 'node:crypto';
import { parse as parseSdpText, write as writeSdpText } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { ProtocolError } from '../../errors.js';
import { resolveControl } from './control.js';
import { parseSdpRange, type SdpRange } from './range.js';
import { defaultClockRate, staticPayload } from './static-payloads.js';

export type { SdpRange } from './range.js';

export interface SdpTrack {
  /** Position of the m= line (0-based). */
  index: number;
  /** 'video' | 'audio' | 'application' ... as written on the m= line. */
  mediaType: string;
  /** Absolute control URL: the media a=control resolved against `aggregateControl`. */
  control: string;
  /** First format of the m= line. */
  payloadType: number;
  /** Upper-cased encoding name from a=rtpmap (e.g. 'H264', 'MPEG4-GENERIC'), else the RFC 3551
   * static name for a static payload type, else undefined. */
  encoding: string | undefined;
  /** From a=rtpmap, else the RFC 3551 static default, else 8000 for audio and 90000 otherwise. */
  clockRate: number;
  /** Encoding parameters of a=rtpmap (audio channels), else the RFC 3551 static value. */
  channels: number | undefined;
}

export interface SdpInfo {
  /** sdp-transform's object for the normalised text. Treat as read-only. */
  sdp: SessionDescription;
  /** Absolute URL for aggregate operations: session-level a=control resolved, else the base. */
  aggregateControl: string;
  tracks: SdpTrack[];
  /** From the first parseable session-level a=range, else the first parseable media-level one. */
  range: SdpRange | undefined;
  /** True when there is no range or the range has no end. */
  live: boolean;
  /** Hex sha256 identifying the content; see `contentIdentity`. */
  identity: string;
}

interface RawSection {
  /** Whitespace-separated tokens of the m= line (media, port, proto, formats...). */
  mLine: string[];
}

interface Normalised {
  text: string;
  hasVersion: boolean;
  /** The o= line's value (after `o=`), if any. */
  origin: string | undefined;
  sections: RawSection[];
}

function invalid(message: string): ProtocolError {
  return new ProtocolError('SDP_INVALID', message);
}

function normalise(input: string): Normalised {
  const lines: string[] = [];
  const sections: RawSection[] = [];
  let hasVersion = false;
  let origin: string | undefined;
  for (const raw of input.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (!/^[a-z]=/.test(line)) continue;
    lines.push(line);
    const value = line.slice(2).trim();
    if (line.startsWith('m=')) sections.push({ mLine: value.split(/\s+/).filter(Boolean) });
    else if (sections.length === 0 && line.startsWith('v=')) hasVersion = true;
    else if (sections.length === 0 && line.startsWith('o=')) origin ??= value;
  }
  return { text: lines.join('\r\n') + '\r\n', hasVersion, origin, sections };
}

/** sdp-transform turns integer-looking values into numbers; we want the text back. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Overwrite the m= fields from our own tokenisation: sdp-transform's m= regex rejects valid
 * lines such as `m=video 0/2 RTP/AVP 96`, leaving a media object without a type. */
function fixMediaLine(media: MediaDescription, tokens: string[], index: number): number {
  const [type, port, protocol, ...formats] = tokens;
  const first = formats[0];
  if (type === undefined || port === undefined || protocol === undefined || first === undefined) {
    throw invalid(`m= line ${index} has no format`);
  }
  if (!/^\d{1,3}$/.test(first) || Number(first) > 127) {
    throw invalid(`m= line ${index}: first format ${JSON.stringify(first)} is not an RTP payload`);
  }
  media.type = type;
  media.port = Number.parseInt(port, 10) || 0;
  media.protocol = protocol;
  media.payloads = formats.join(' ');
  return Number(first);
}

function buildTrack(
  media: MediaDescription,
  index: number,
  payloadType: number,
  controlBase: string,
): SdpTrack {
  const rtpmap = media.rtp.find((r) => r.payload === payloadType);
  const fallback = staticPayload(payloadType);
  const codec = rtpmap?.codec.trim();
  return {
    index,
    mediaType: media.type,
    control: resolveControl(asText(media.control), controlBase),
    payloadType,
    encoding: codec ? codec.toUpperCase() : fallback?.encoding,
    clockRate: positiveInt(rtpmap?.rate) ?? fallback?.clockRate ?? defaultClockRate(media.type),
    channels: positiveInt(rtpmap?.encoding) ?? (rtpmap ? undefined : fallback?.channels),
  };
}

function rangeOf(attrs: Array<{ value: string }> | undefined): SdpRange | undefined {
  for (const { value } of attrs ?? []) {
    const m = /^range\s*:(.*)$/i.exec(value);
    const range = m?.[1] === undefined ? undefined : parseSdpRange(m[1]);
    if (range) return range;
  }
  return undefined;
}

/**
 * Content identity: sha256 over the o= line's username, nettype, addrtype and address, the
 * duration of a bounded range (file-backed content) and, per track, mediaType, payloadType,
 * encoding, clockRate, channels and the fmtp of the payload type (for H.264 that carries the
 * SPS/PPS, a fingerprint of the encoding). Left out: sess-version (RFC 8866 only asks servers to
 * bump it on change; some bump it on every DESCRIBE) and sess-id, which gst-rtsp-server 1.22
 * draws afresh for every DESCRIBE of the same file (measured), so it cannot tell content apart.
 * Control URLs are left out, and so is the range of live content (it grows).
 */
function contentIdentity(
  origin: string | undefined,
  sdp: SessionDescription,
  tracks: SdpTrack[],
  range: SdpRange | undefined,
): string {
  const o = (origin ?? '').split(/\s+/);
  const duration =
    range?.end === undefined
      ? null
      : range.end - (typeof range.start === 'number' ? range.start : 0);
  const parts: unknown[] = [[o[0], o[3], o[4], o[5]], duration];
  for (const t of tracks) {
    const media = sdp.media[t.index];
    const fmtp = media?.fmtp.find((f) => f.payload === t.payloadType);
    const config = asText(fmtp?.config)?.trim() ?? null;
    parts.push([
      t.mediaType,
      t.payloadType,
      t.encoding ?? null,
      t.clockRate,
      t.channels ?? null,
      config,
    ]);
  }
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Parse SDP text; baseUrl is the DESCRIBE response's base (Content-Base / Content-Location /
 * request URL). Throws ProtocolError SDP_INVALID when there is no session-level v= line, no m=
 * line, an m= line has no format or its first format is not an RTP payload type (0..127), and
 * URL_INVALID when baseUrl cannot be parsed.
 */
export function parseSdp(text: string, baseUrl: string): SdpInfo {
  const norm = normalise(text);
  if (!norm.hasVersion) throw invalid('no v= line');
  if (norm.sections.length === 0) throw invalid('no m= line');
  const sdp = parseSdpText(norm.text);
  if (sdp.media.length !== norm.sections.length) throw invalid('m= lines could not be read');

  const aggregateControl = resolveControl(asText(sdp.control), baseUrl);
  const tracks = sdp.media.map((media, index) => {
    const pt = fixMediaLine(media, norm.sections[index]?.mLine ?? [], index);
    return buildTrack(media, index, pt, aggregateControl);
  });

  let range = rangeOf(sdp.invalid);
  for (const media of sdp.media) range ??= rangeOf(media.invalid);
  const live = range === undefined || range.end === undefined;
  const identity = contentIdentity(norm.origin, sdp, tracks, range);
  return { sdp, aggregateControl, tracks, range, live, identity };
}

const VIEWER_CONNECTION = { version: 4, ip: '0.0.0.0' };

/**
 * SDP text for seamd's viewers: session a=control:* (aggregate = the Content-Base seamd sends),
 * every m= section a=control:trackID=<index>, the o= line kept verbatim (one is synthesised if
 * the origin sent none), session-level c=IN IP4 0.0.0.0 and every media-level c= replaced by it,
 * t=0 0 added when missing, every other attribute kept (sdp-transform may reorder attributes
 * within a section; rtpmap/fmtp pairs stay intact). CRLF line endings. opts.sessionName replaces
 * s= when given (CR/LF in it become spaces; empty becomes a single space per RFC 8866).
 */
export function rewriteSdpForViewers(info: SdpInfo, opts?: { sessionName?: string }): string {
  const sdp = structuredClone(info.sdp);
  sdp.version = 0;
  sdp.control = '*';
  sdp.connection = { ...VIEWER_CONNECTION };
  sdp.timing ??= { start: 0, stop: 0 };
  if (opts?.sessionName !== undefined) sdp.name = opts.sessionName.replace(/[\r\n]/g, ' ');
  if ((asText(sdp.name) ?? '').trim() === '') sdp.name = ' '; // sdp-transform may omit it
  sdp.media.forEach((media, index) => {
    media.control = `trackID=${index}`;
    if (media.connection) media.connection = { ...VIEWER_CONNECTION };
  });

  const lines = writeSdpText(sdp).split('\r\n');
  const originLine = `o=${originText(info)}`;
  const at = lines.findIndex((l) => l.startsWith('o='));
  if (at >= 0) lines[at] = originLine;
  else lines.splice(1, 0, originLine);
  return lines.join('\r\n');
}

/** The origin's o= value as received (sdp-transform would print a huge sess-version through
 * Number()), or a neutral one. */
function originText(info: SdpInfo): string {
  const o = info.sdp.origin as Partial<SessionDescription['origin']> | undefined;
  if (!o || o.username === undefined) return '- 0 0 IN IP4 0.0.0.0';
  const parts = [o.username, o.sessionId, o.sessionVersion, o.netType, `IP${o.ipVer}`, o.address];
  return parts.map((p) => String(p)).join(' ');
}

function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

/**
 * The track index a viewer's SETUP/PLAY URL names, given the URL seamd advertised as base (with
 * trailing slash): `<base>trackID=1` → 1. Returns undefined when the URL is the aggregate (base
 * with or without trailing slash) and null when it names nothing we know (another path, an
 * index >= trackCount, an unparseable URL). Only the paths are compared: scheme, host, port,
 * query and fragment are ignored, since viewers reach seamd under different names and some
 * clients add or drop the default port. `trackID` matches case-insensitively and a trailing
 * slash after it is tolerated. Throws ProtocolError URL_INVALID when `base` cannot be parsed.
 */
export function trackIndexFromUrl(
  url: string,
  base: string,
  trackCount: number,
): number | undefined | null {
  const basePath = pathOf(base);
  if (basePath === undefined) {
    throw new ProtocolError('URL_INVALID', `cannot parse base URL ${JSON.stringify(base)}`);
  }
  const path = pathOf(url.trim());
  if (path === undefined) return null;
  const prefix = basePath.endsWith('/') ? basePath : `${basePath}/`;
  if (path === prefix || `${path}/` === prefix) return undefined;
  if (!path.startsWith(prefix)) return null;
  const m = /^trackid=(\d{1,9})\/?$/i.exec(path.slice(prefix.length));
  if (!m) return null;
  const index = Number(m[1]);
  return index < trackCount ? index : null;
}
