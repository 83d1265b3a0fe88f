/**
 * How RTSP requests reach the archive: a DESCRIBE of `rtsp://seamd/<path>?at=…` / `?ago=…`
 * describes a time-shift playback (its SETUPs and PLAY then use it); a PLAY with `Range: clock=…`
 * (or `Require: onvif-replay`) on a session of a live path moves the session from the live source
 * to a playback of the path's archive; a PLAY on a playback seeks it (PAUSE, then PLAY with
 * another clock range). ONVIF replay headers are checked here: an unknown `Require` option or a
 * negative `Scale` (reverse) is 551, a time with no archive or in the future 457.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ProtocolError } from '../errors.js';
import type { RtspRequest } from '../protocol/rtsp/message.js';
import { parseClockRange, parseTimeQuery } from '../protocol/rtsp/headers/clock-range.js';
import { ONVIF_REPLAY, parseReplayHeaders } from '../protocol/rtsp/headers/onvif.js';
import { parseSdp } from '../protocol/sdp/sdp.js';
import type { ArchiveStore } from '../store/segments.js';
import { fail } from './replies.js';
import type { Reply } from './connection.js';
import { parseRtspUrl } from './resolve.js';
import { TimeshiftPlayback } from './timeshift.js';
import type { ViewerSession } from './viewer.js';

export interface TimeshiftAccess {
  readonly log: Logger;
  /** The archive of a path, when it has one. */
  archiveOf?(pathName: string): ArchiveStore | undefined;
}

/** The time a Request-URI's `?at=` / `?ago=` asks for; undefined when it names none (throws 457). */
export function timeQueryOf(uri: string, nowMs = Date.now()): number | undefined {
  const url = parseRtspUrl(uri);
  return url ? parseTimeQuery(url.search, nowMs) : undefined;
}

/** A playback of `pathName`'s archive that starts at `startMs` unless its PLAY says otherwise. */
export function openTimeshift(
  front: TimeshiftAccess,
  pathName: string,
  origin: string,
  startMs: number,
  urlTime = false,
): TimeshiftPlayback {
  const store = front.archiveOf?.(pathName);
  const segments = store?.segments() ?? [];
  const last = segments[segments.length - 1];
  if (!store || !last) throw new ProtocolError('HDR_BAD_RANGE', `no archive of ${pathName}`);
  const seg = store.find(startMs)?.segment ?? last;
  const info = parseSdp(seg.meta.sdp, seg.meta.originUrl.replace(/\/*$/, '/'));
  return new TimeshiftPlayback({
    id: `shift-${randomBytes(4).toString('hex')}`,
    store,
    info,
    origin,
    pathName,
    log: front.log,
    defaultStartMs: startMs,
    urlTime,
  });
}

/**
 * Before a PLAY runs: checks the replay headers and, when the PLAY asks for the archive, makes
 * sure the session plays from a time-shift playback (switching it from the live source). A Reply
 * when the PLAY is refused.
 */
export function prepareTimeshiftPlay(
  front: TimeshiftAccess,
  session: ViewerSession,
  req: RtspRequest,
  range: string | undefined,
  pathName: () => string | undefined,
): Reply | undefined {
  let replay;
  try {
    replay = parseReplayHeaders((name) => req.headers.get(name));
  } catch (err) {
    return fail(400, (err as Error).message);
  }
  const unknown = replay.require.filter((t) => t !== ONVIF_REPLAY);
  if (unknown.length > 0) return { status: 551, headers: { Unsupported: unknown.join(', ') } };
  let clock: boolean;
  try {
    clock = range !== undefined && parseClockRange(range) !== undefined;
  } catch {
    return fail(457, 'bad Range');
  }
  const onvif = replay.require.includes(ONVIF_REPLAY);
  if (replay.scale !== undefined && replay.scale < 0) {
    return fail(551, 'reverse playback is not supported');
  }

  const current = session.source;
  let playback: TimeshiftPlayback;
  if (current instanceof TimeshiftPlayback) {
    playback = current;
  } else {
    const source = current;
    if (!clock && !onvif) return undefined;
    const path = front.archiveOf ? pathName() : undefined;
    const store = path === undefined ? undefined : front.archiveOf?.(path);
    if (path === undefined || !store) {
      if (onvif) return { status: 551, headers: { Unsupported: ONVIF_REPLAY } };
      // On-demand content: the clock range is the origin's to answer.
      return source.shared ? fail(457, 'no archive of this content') : undefined;
    }
    if (!clock) return fail(457, 'replay needs a clock range');
    try {
      playback = openTimeshift(front, path, source.origin, Date.now());
    } catch (err) {
      return fail(457, (err as Error).message);
    }
    session.rebind(playback);
  }
  const cseq = Number(req.headers.get('CSeq') ?? 0);
  playback.setReplayMode({
    rateControl: replay.rateControl,
    onvif,
    intraOnly: replay.intraOnly,
    cseq: Number.isFinite(cseq) ? cseq : 0,
  });
  return undefined;
}
