/**
 * Stateless RTSP helpers of a leg: turning origin answers into typed errors, reading the
 * SETUP answer's Transport and Session, building PLAY headers and mapping RTP-Info to tracks.
 */
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
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

/**
 * Told what the liberal parse of an origin's answer left out: the header, its value and one
 * description per parameter ignored (an empty or malformed optional value, an unused one).
 */
export type OnIgnored = (header: string, value: string, ignored: string[]) => void;

/** Parameters of the origin's answers that were left out: worth knowing (debug), not a fault. */
export function logIgnored(
  log: Logger,
  leg: string,
  header: string,
  value: string,
  ignored: string[],
): void {
  const fields = { leg, header, value, ignored };
  logEvent(
    log,
    'debug',
    'leg.ignored_params',
    fields,
    `parameters of the origin's ${header} left out`,
  );
}

function parseReporting<T>(
  header: string,
  value: string,
  parse: (v: string, ignored: string[]) => T,
  onIgnored: OnIgnored | undefined,
): T {
  const ignored: string[] = [];
  const out = parse(value, ignored);
  if (ignored.length > 0) onIgnored?.(header, value, ignored);
  return out;
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
 * asked for). Read liberally: unusable parameters are left out and reported to `onIgnored`.
 * Throws UPSTREAM_PROTOCOL when the transport id is unreadable, UPSTREAM_NO_TRANSPORT when the
 * lower transport is not the one asked for.
 */
export function answeredTransport(
  res: RtspResponse,
  control: string,
  asked: 'UDP' | 'TCP',
  onIgnored?: OnIgnored,
): TransportSpec | undefined {
  const value = res.headers.get('Transport');
  if (value === undefined) return undefined;
  let spec: TransportSpec | undefined;
  try {
    spec = parseReporting('Transport', value, parseTransport, onIgnored)[0];
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
 * SETUPs may omit it). A malformed timeout is left out (reported to `onIgnored`). Throws
 * UPSTREAM_PROTOCOL when there is no Session at all or its id is malformed.
 */
export function sessionOf(
  res: RtspResponse,
  previous: { id: string; timeout: number } | undefined,
  onIgnored?: OnIgnored,
): { id: string; timeout: number } {
  const value = res.headers.get('Session');
  if (value === undefined) {
    if (previous) return previous;
    throw new UpstreamError('UPSTREAM_PROTOCOL', 'SETUP answered without a Session header');
  }
  try {
    const s = parseReporting('Session', value, parseSession, onIgnored);
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

/**
 * Range and RTP-Info of PLAY answers (RTP-Info URLs mapped to track indexes). RTP-Info parameters
 * left out (unknown, malformed) go to `onIgnored`; a header with no usable entry to onBadRtpInfo.
 */
export function playResultOf(
  responses: RtspResponse[],
  info: SdpInfo,
  onBadRtpInfo: (value: string, err: Error) => void,
  onIgnored?: OnIgnored,
): PlayResult {
  const controls = info.tracks.map((t) => t.control);
  const rtpInfo: RtpInfoMapped[] = [];
  let range: string | undefined;
  for (const res of responses) {
    range ??= res.headers.get('Range');
    for (const value of res.headers.getAll('RTP-Info')) {
      try {
        for (const e of parseReporting('RTP-Info', value, parseRtpInfo, onIgnored)) {
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
