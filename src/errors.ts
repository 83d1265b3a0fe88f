/**
 * Typed errors with stable codes. Code strings are part of seamd's interface: logs and tests
 * match on them, so never rename one; add new ones instead.
 */
export type ErrorCode =
  // RTSP framing / message syntax
  | 'RTSP_LINE_TOO_LONG'
  | 'RTSP_TOO_MANY_HEADERS'
  | 'RTSP_BODY_TOO_LARGE'
  | 'RTSP_FRAME_TOO_LARGE'
  | 'RTSP_BAD_START_LINE'
  | 'RTSP_BAD_VERSION'
  | 'RTSP_BAD_HEADER'
  | 'RTSP_BAD_CONTENT_LENGTH'
  // RTSP header values
  | 'HDR_BAD_CSEQ'
  | 'HDR_BAD_SESSION'
  | 'HDR_BAD_TRANSPORT'
  | 'HDR_BAD_RANGE'
  | 'HDR_BAD_RTP_INFO'
  | 'HDR_BAD_AUTH'
  // SDP / URLs
  | 'SDP_INVALID'
  | 'URL_INVALID'
  // RTP / RTCP
  | 'RTP_TOO_SHORT'
  | 'RTP_BAD_VERSION'
  | 'RTP_BAD_LENGTH'
  | 'RTCP_TOO_SHORT'
  | 'RTCP_BAD_VERSION'
  | 'RTCP_BAD_LENGTH'
  // upstream (origin) side
  | 'UPSTREAM_CONNECT'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_CLOSED'
  | 'UPSTREAM_STATUS'
  | 'UPSTREAM_AUTH'
  | 'UPSTREAM_PROTOCOL'
  | 'UPSTREAM_NO_TRANSPORT'
  // config / daemon
  | 'CONFIG_INVALID'
  | 'CONFIG_READ'
  | 'PORT_ALLOC'
  // recordings on disk
  | 'STORE_CORRUPT'
  | 'STORE_VERSION'
  | 'STORE_IO'
  | 'STORE_INVALID'
  | 'STORE_LOCKED'
  // repair of recordings
  | 'REPAIR_GONE'
  | 'REPAIR_FAILED';

export class SeamdError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Malformed bytes or values from the wire (RTSP, SDP, RTP, RTCP). */
export class ProtocolError extends SeamdError {}

/** The origin refused, timed out, dropped or answered nonsense. */
export class UpstreamError extends SeamdError {
  /** RTSP status the origin answered, when there was one. */
  readonly status: number | undefined;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.status = options?.status;
  }
}

/**
 * The origin could not be had (refused or dropped the connection, did not answer in time, or
 * failed with a 5xx): a recording of the content is better than an error. A 404/410 from an
 * origin that answered means the content is gone, and an auth or protocol failure is not
 * an outage either.
 */
export function isOriginUnavailable(err: unknown): boolean {
  if (!(err instanceof UpstreamError)) return false;
  if (err.code === 'UPSTREAM_STATUS') return (err.status ?? 0) >= 500;
  return (
    err.code === 'UPSTREAM_CONNECT' ||
    err.code === 'UPSTREAM_TIMEOUT' ||
    err.code === 'UPSTREAM_CLOSED'
  );
}

/** A config file that cannot be used; message names the key and the reason. */
export class ConfigError extends SeamdError {}

export function isSeamdError(err: unknown): err is SeamdError {
  return err instanceof SeamdError;
}
