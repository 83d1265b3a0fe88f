/**
 * Typed errors with stable codes. Code strings are part of seamd's interface: logs and tests
 * match on them, so never rename one; add new ones instead.
 */
/**
 * Each error class owns one range of codes (the arrays below); a contract test checks that a
 * code belongs to exactly one class, that names are unique and that every code has the RTSP
 * status a viewer gets for it.
 */
export const PROTOCOL_CODES = [
  // RTSP framing / message syntax
  'RTSP_LINE_TOO_LONG',
  'RTSP_TOO_MANY_HEADERS',
  'RTSP_BODY_TOO_LARGE',
  'RTSP_FRAME_TOO_LARGE',
  'RTSP_BAD_START_LINE',
  'RTSP_BAD_VERSION',
  'RTSP_BAD_HEADER',
  'RTSP_BAD_CONTENT_LENGTH',
  // RTSP header values
  'HDR_BAD_CSEQ',
  'HDR_BAD_SESSION',
  'HDR_BAD_TRANSPORT',
  'HDR_BAD_RANGE',
  'HDR_BAD_RTP_INFO',
  'HDR_BAD_AUTH',
  // SDP / URLs
  'SDP_INVALID',
  'URL_INVALID',
  // RTP / RTCP
  'RTP_TOO_SHORT',
  'RTP_BAD_VERSION',
  'RTP_BAD_LENGTH',
  'RTCP_TOO_SHORT',
  'RTCP_BAD_VERSION',
  'RTCP_BAD_LENGTH',
] as const;

export const UPSTREAM_CODES = [
  'UPSTREAM_CONNECT',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_CLOSED',
  'UPSTREAM_STATUS',
  'UPSTREAM_AUTH',
  'UPSTREAM_PROTOCOL',
  'UPSTREAM_NO_TRANSPORT',
  /** A leg's payloads do not match the content of the source it was opened for. */
  'UPSTREAM_CONTENT_MISMATCH',
] as const;

export const CONFIG_CODES = ['CONFIG_INVALID', 'CONFIG_READ'] as const;

export const STORE_CODES = [
  'STORE_CORRUPT',
  'STORE_VERSION',
  'STORE_IO',
  'STORE_INVALID',
  'STORE_LOCKED',
] as const;

export const REPAIR_CODES = ['REPAIR_GONE', 'REPAIR_FAILED'] as const;

export const RUNTIME_CODES = [
  /** No UDP port (pair) could be bound. */
  'PORT_ALLOC',
  /** seamd is stopping: no new session is started. */
  'STOPPING',
  /** An operation that the object's state does not allow (a bug or a raced request). */
  'INVALID_STATE',
  /** A rule forbids opening an upstream session for this content, and no recording has it. */
  'UPSTREAM_NOT_ALLOWED',
] as const;

export type ProtocolCode = (typeof PROTOCOL_CODES)[number];
export type UpstreamCode = (typeof UPSTREAM_CODES)[number];
export type ConfigCode = (typeof CONFIG_CODES)[number];
export type StoreCode = (typeof STORE_CODES)[number];
export type RepairCode = (typeof REPAIR_CODES)[number];
export type RuntimeCode = (typeof RUNTIME_CODES)[number];
export type ErrorCode =
  ProtocolCode | UpstreamCode | ConfigCode | StoreCode | RepairCode | RuntimeCode;

export class SeamdError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Malformed bytes or values from the wire (RTSP, SDP, RTP, RTCP). */
export class ProtocolError extends SeamdError<ProtocolCode> {}

/** The origin refused, timed out, dropped or answered nonsense. */
export class UpstreamError extends SeamdError<UpstreamCode> {
  /** RTSP status the origin answered, when there was one. */
  readonly status: number | undefined;
  constructor(code: UpstreamCode, message: string, options?: { cause?: unknown; status?: number }) {
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
export class ConfigError extends SeamdError<ConfigCode> {}

/** Runtime conditions of the daemon itself: ports, stopping, state machines. */
export class RuntimeError extends SeamdError<RuntimeCode> {}

export function isSeamdError(err: unknown): err is SeamdError<ErrorCode> {
  return err instanceof SeamdError;
}

/**
 * The RTSP status a viewer gets when a request fails with this code: one table for the front
 * end (malformed requests) and the method handlers (upstream failures). Upstream statuses are
 * refined by `viewerStatusOf` (a 404/410 or 503 from the origin is passed on as such).
 */
export const RTSP_STATUS: Readonly<Record<ErrorCode, number>> = {
  RTSP_LINE_TOO_LONG: 400,
  RTSP_TOO_MANY_HEADERS: 400,
  RTSP_BODY_TOO_LARGE: 413,
  RTSP_FRAME_TOO_LARGE: 400,
  RTSP_BAD_START_LINE: 400,
  RTSP_BAD_VERSION: 505,
  RTSP_BAD_HEADER: 400,
  RTSP_BAD_CONTENT_LENGTH: 400,
  HDR_BAD_CSEQ: 400,
  HDR_BAD_SESSION: 454,
  HDR_BAD_TRANSPORT: 461,
  HDR_BAD_RANGE: 457,
  HDR_BAD_RTP_INFO: 400,
  HDR_BAD_AUTH: 400,
  SDP_INVALID: 502,
  URL_INVALID: 400,
  RTP_TOO_SHORT: 400,
  RTP_BAD_VERSION: 400,
  RTP_BAD_LENGTH: 400,
  RTCP_TOO_SHORT: 400,
  RTCP_BAD_VERSION: 400,
  RTCP_BAD_LENGTH: 400,
  UPSTREAM_CONNECT: 502,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_CLOSED: 502,
  UPSTREAM_STATUS: 502,
  UPSTREAM_AUTH: 502,
  UPSTREAM_PROTOCOL: 502,
  UPSTREAM_NO_TRANSPORT: 502,
  UPSTREAM_CONTENT_MISMATCH: 502,
  CONFIG_INVALID: 503,
  CONFIG_READ: 503,
  STORE_CORRUPT: 503,
  STORE_VERSION: 503,
  STORE_IO: 503,
  STORE_INVALID: 503,
  STORE_LOCKED: 503,
  REPAIR_GONE: 404,
  REPAIR_FAILED: 503,
  PORT_ALLOC: 503,
  STOPPING: 503,
  INVALID_STATE: 455,
  UPSTREAM_NOT_ALLOWED: 503,
};

/** What a viewer is answered for `err` (any thrown value: a non-seamd error is a 502). */
export function viewerStatusOf(err: unknown): number {
  if (err instanceof UpstreamError && err.code === 'UPSTREAM_STATUS') {
    if (err.status === 404 || err.status === 410) return 404;
    if (err.status === 503) return 503;
  }
  return isSeamdError(err) ? RTSP_STATUS[err.code] : 502;
}
