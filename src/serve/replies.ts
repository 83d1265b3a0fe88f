/**
 * Refusals as replies: the one code → status table (errors.ts `viewerStatusOf`) turned into
 * answers for players, and the log line saying who failed (the origin, a policy, seamd itself).
 */
import type { Logger } from 'pino';
import { RuntimeError, UpstreamError, isSeamdError, viewerStatusOf } from '../errors.js';
import { logEvent } from '../events.js';
import type { Reply, ViewerConnection } from './connection.js';

/** A refusal; `reason` goes to the player in X-Seamd-Reason. */
export function fail(status: number, reason?: string): Reply {
  return reason ? { status, headers: { 'X-Seamd-Reason': reason } } : { status };
}

/**
 * The source refused a telemetry policy's "no upstream session" and there is no recording: not
 * an origin failure.
 */
function isPolicyRefusal(err: unknown): boolean {
  return err instanceof RuntimeError && err.code === 'UPSTREAM_NOT_ALLOWED';
}

/** What the player reads in X-Seamd-Reason for an origin failure answered with `status`. */
function originReason(err: UpstreamError, status: number): string {
  if (status === 404) return 'origin: not found';
  if (status === 504) return 'origin timed out';
  if (status === 503) return 'origin unavailable';
  return `origin: ${err.message}`.slice(0, 200);
}

/**
 * A request the source could not serve: the answer comes from the one code → status table
 * (errors.ts `viewerStatusOf`), the log line says who failed (the origin, a policy, seamd).
 */
export function sourceFailure(
  log: Logger,
  conn: ViewerConnection,
  method: string,
  err: unknown,
): Reply {
  const status = viewerStatusOf(err);
  const reason = err instanceof Error ? err.message : String(err);
  if (isPolicyRefusal(err)) {
    logEvent(
      log,
      'info',
      'upstream.refused',
      { conn: conn.id, method, status, reason },
      'no upstream session allowed and no recording: refused',
    );
    return fail(status, 'no upstream session allowed and no recording');
  }
  if (err instanceof UpstreamError) {
    const fields = { conn: conn.id, method, code: err.code, status: err.status, reason };
    logEvent(log, 'warn', 'upstream.error', fields, 'origin failed a viewer request');
    return fail(status, originReason(err, status));
  }
  if (isSeamdError(err)) {
    const fields = { conn: conn.id, method, code: err.code, status, reason };
    logEvent(log, 'warn', 'request.failed', fields, 'request could not be served');
    return fail(status, reason.slice(0, 200));
  }
  logEvent(log, 'error', 'upstream.error', { conn: conn.id, method, err }, 'upstream failure');
  return fail(status);
}

/** The player closed its connection while its request waited for the source. */
export function abandoned(log: Logger, conn: ViewerConnection, method: string): Reply {
  logEvent(
    log,
    'debug',
    'request.abandoned',
    { conn: conn.id, method },
    'player left before the answer',
  );
  // Never written: the connection is closed.
  return { status: 500 };
}
