/**
 * Resolution of SDP `a=control` values (RFC 2326 C.1.1 / RFC 7826 appendix D.1.1).
 *
 * RFC 2326 says relative control URLs follow RFC 1808 resolution, but that rule would drop the
 * last path segment of a base without a trailing slash (`rtsp://h/cam` + `track1` →
 * `rtsp://h/track1`), which no deployed server expects. We do what ffmpeg, GStreamer's rtspsrc
 * and live555's RTSPClient do: concatenate base and control, inserting one `/` when neither the
 * base ends with nor the control starts with one. The query string of a base is not treated
 * specially (Dahua-style bases such as `.../realmonitor?channel=1&subtype=0/` rely on that).
 */
import { ProtocolError } from '../../errors.js';

/** Absolute RTSP URLs are used as-is. Other schemes are not recognised: a relative control may
 * legitimately contain `://` inside a query value. */
const ABSOLUTE_RTSP = /^rtsp[su]?:\/\//i;

/** True when `value` is an absolute rtsp://, rtsps:// or rtspu:// URL. */
export function isAbsoluteRtspUrl(value: string): boolean {
  return ABSOLUTE_RTSP.test(value);
}

function checkBase(base: string): void {
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch (err) {
    throw new ProtocolError('URL_INVALID', `cannot parse base URL ${JSON.stringify(base)}`, {
      cause: err,
    });
  }
  if (parsed.host === '') {
    throw new ProtocolError('URL_INVALID', `base URL ${JSON.stringify(base)} has no host`);
  }
}

/**
 * Resolve an SDP a=control value against a base URL (RFC 2326 C.1.1): undefined, empty or `*` →
 * base; absolute rtsp:// / rtsps:// / rtspu:// URL → itself; otherwise base + ('/' unless base
 * ends with '/' or control starts with '/') + control, never producing a doubled slash at the
 * join. The value is trimmed first. The result is
 * built from the original strings (no URL normalisation, so servers see exactly what they
 * advertised). Throws ProtocolError URL_INVALID for an unparseable base.
 */
export function resolveControl(control: string | undefined, base: string): string {
  checkBase(base);
  const value = control?.trim() ?? '';
  if (isAbsoluteRtspUrl(value)) return value;
  if (value === '' || value === '*') return base;
  const baseSlash = base.endsWith('/');
  if (value.startsWith('/')) return baseSlash ? base + value.slice(1) : base + value;
  return baseSlash ? base + value : `${base}/${value}`;
}
