/**
 * Stateless RTSP helpers of a leg: turning origin answers into typed errors, reading the
 * SETUP answer's Transport and Session, building PLAY headers and mapping RTP-Info to tracks.
 */
import { UpstreamError } from '../errors.js';
import type { RtspResponse } from '../protocol/rtsp/message.js';
import {
  parseRtpInfo,
  parseSession,
  parseTransport,
  type TransportSpec,
} from '../protocol/rtsp/headers/index.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import { matchControlUrl } from './url.js';

export const DEFAULT_SESSION_TIMEOUT_S = 60;

export interface PlayOptions {
  /** Range header value, e.g. `npt=2-` */
  range?: string;
  scale?: number;
  speed?: number;
}

export interface RtpInfoMapped {
  url: string;
  /** The track the url names, undefined when it matches no control URL. */
  trackIndex: number | undefined;
  seq?: number;
  rtptime?: number;
}

export interface PlayResult {
  /** The answer's Range header, as sent. */
  range: string | undefined;
  rtpInfo: RtpInfoMapped[];
  status: number;
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export function isOk(res: RtspResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/**
 * A non-2xx answer as an error: UPSTREAM_NO_TRANSPORT for a SETUP refused for its transport
 * (461, or any 4xx/5xx whose reason mentions the transport), else UPSTREAM_STATUS; `.status` set.
 */
export function statusError(method: string, uri: string, res: RtspResponse): UpstreamError {
  const refusedTransport =
    method === 'SETUP' &&
    (res.status === 461 || (res.status >= 400 && /transport/i.test(res.reason)));
  return new UpstreamError(
    refusedTransport ? 'UPSTREAM_NO_TRANSPORT' : 'UPSTREAM_STATUS',
    `${method} ${uri}: origin answered ${res.status} ${res.reason}`.trimEnd(),
    { status: res.status },
  );
}

/**
 * The first spec of a SETUP answer's Transport (undefined when absent: we then assume what we
 * asked for). Throws UPSTREAM_PROTOCOL when unparseable, UPSTREAM_NO_TRANSPORT when the lower
 * transport is not the one asked for.
 */
export function answeredTransport(
  res: RtspResponse,
  control: string,
  asked: 'UDP' | 'TCP',
): TransportSpec | undefined {
  const value = res.headers.get('Transport');
  if (value === undefined) return undefined;
  let spec: TransportSpec | undefined;
  try {
    spec = parseTransport(value)[0];
  } catch (err) {
    throw new UpstreamError(
      'UPSTREAM_PROTOCOL',
      `SETUP ${control}: bad Transport answer: ${asError(err).message}`,
      { cause: err },
    );
  }
  if (spec && spec.lowerTransport !== asked) {
    throw new UpstreamError(
      'UPSTREAM_NO_TRANSPORT',
      `SETUP ${control}: asked ${asked}, origin answered ${spec.lowerTransport}`,
    );
  }
  return spec;
}

/**
 * The session of a SETUP answer; keeps `previous` when the answer has no Session header (later
 * SETUPs may omit it). Throws UPSTREAM_PROTOCOL when there is none at all or it is malformed.
 */
export function sessionOf(
  res: RtspResponse,
  previous: { id: string; timeout: number } | undefined,
): { id: string; timeout: number } {
  const value = res.headers.get('Session');
  if (value === undefined) {
    if (previous) return previous;
    throw new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP answered without a Session header');
  }
  try {
    const s = parseSession(value);
    return {
      id: s.id,
      timeout: s.timeout ?? previous?.timeout ?? DEFAULT_SESSION_TIMEOUT_S,
    };
  } catch (err) {
    throw new UpstreamError('UPSTREAM_PROTOCOL', `SETUP: bad Session ${JSON.stringify(value)}`, {
      cause: err,
    });
  }
}

export function playHeaders(opts: PlayOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (opts.range !== undefined) headers.Range = opts.range;
  if (opts.scale !== undefined) headers.Scale = String(opts.scale);
  if (opts.speed !== undefined) headers.Speed = String(opts.speed);
  return headers;
}

/**
 * URLs for session-wide requests (PLAY, PAUSE, TEARDOWN): the aggregate control when the SDP
 * declares one at session level or more than one track is set up, else each track's control.
 */
export function controlUris(info: SdpInfo, tracks: readonly number[]): string[] {
  if (info.sdp.control !== undefined || tracks.length > 1) return [info.aggregateControl];
  return tracks.map((i) => info.tracks[i]?.control ?? info.aggregateControl);
}

/** Range and RTP-Info of PLAY answers (RTP-Info URLs mapped to track indexes). */
export function playResultOf(
  responses: RtspResponse[],
  info: SdpInfo,
  onBadRtpInfo: (value: string, err: Error) => void,
): PlayResult {
  const controls = info.tracks.map((t) => t.control);
  const rtpInfo: RtpInfoMapped[] = [];
  let range: string | undefined;
  for (const res of responses) {
    range ??= res.headers.get('Range');
    for (const value of res.headers.getAll('RTP-Info')) {
      try {
        for (const e of parseRtpInfo(value)) {
          const idx = matchControlUrl(e.url, controls);
          rtpInfo.push({
            ...e,
            trackIndex: idx === undefined ? undefined : info.tracks[idx]?.index,
          });
        }
      } catch (err) {
        onBadRtpInfo(value, asError(err));
      }
    }
  }
  return { range, rtpInfo, status: responses[responses.length - 1]?.status ?? 0 };
}
