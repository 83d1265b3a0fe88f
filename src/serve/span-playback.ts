/**
 * Clips (`rtsp://seamd/clips/<name>`) and scheduled programmes
 * (`rtsp://seamd/<path>/<schedule>/<start>`) as on-demand content: a time-shift playback of the
 * path's archive bounded by the span. Its SDP says `a=range:npt=0-<duration>`; `npt=x-` seeks x
 * seconds into the span; playback ends (BYE) at the span's end.
 */
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import { parseSdp, type SdpInfo } from '../protocol/sdp/sdp.js';
import type { TimeshiftAccess } from './timeshift-methods.js';
import { TimeshiftPlayback } from './timeshift.js';

/** A span of an archived path, as a Request-URI names it. */
export interface SpanRequest {
  readonly path: string;
  readonly fromMs: number;
  readonly toMs: number;
}

const isRange = (a: { value: string }): boolean => /^range\s*:/i.test(a.value);

/** `info` with one session-level `a=range:npt=0-<seconds>` (live ranges removed). */
export function withNptDuration(info: SdpInfo, seconds: number): SdpInfo {
  const sdp = structuredClone(info.sdp);
  const value = `range:npt=0-${seconds.toFixed(3)}`;
  sdp.invalid = [...(sdp.invalid ?? []).filter((a) => !isRange(a)), { value }];
  for (const m of sdp.media) {
    if (m.invalid) m.invalid = m.invalid.filter((a) => !isRange(a));
  }
  return { ...info, sdp, range: { start: 0, end: seconds }, live: false };
}

/** A playback of the span; 457 when the path has no archive yet. */
export function openSpanPlayback(
  front: TimeshiftAccess,
  span: SpanRequest,
  origin: string,
): TimeshiftPlayback {
  const store = front.archiveOf?.(span.path);
  const segments = store?.segments() ?? [];
  const last = segments[segments.length - 1];
  if (!store || !last) throw new ProtocolError('HDR_BAD_RANGE', `no archive of ${span.path}`);
  const seg = store.find(span.fromMs)?.segment ?? last;
  const info = parseSdp(seg.meta.sdp, seg.meta.originUrl.replace(/\/*$/, '/'));
  return new TimeshiftPlayback({
    id: `span-${randomBytes(4).toString('hex')}`,
    store,
    info: withNptDuration(info, (span.toMs - span.fromMs) / 1000),
    origin,
    pathName: span.path,
    log: front.log,
    defaultStartMs: span.fromMs,
    bounds: { fromMs: span.fromMs, toMs: span.toMs },
  });
}
