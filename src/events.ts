/**
 * The log-event catalog and the one way to log an event, at the bottom of the layers so every
 * module logs through it. Each line carries a stable `event` name from LOG_EVENTS and the
 * numbers behind the decision it reports (counts, thresholds, addresses, durations); the same
 * thing is always logged under the same field name (see `IdFields`), so operators can join
 * lines on it.
 */
import { symbols, type Logger } from 'pino';

/** Stable event names → one-line descriptions (README lists these). Never rename; add. */
export const LOG_EVENTS = {
  'daemon.start': 'the daemon is up: bound addresses, config source, path and allowlist counts',
  'daemon.stop': 'a stop was asked for (signal) and how it ended (duration, exit code)',
  'daemon.reload': 'SIGHUP applied a re-read config: path and allowlist counts',
  'demo.seed':
    'the bundled demo recording was copied into recordings.dir (a path names the demo origin)',
  'daemon.error': 'the daemon could not start or failed fatally; the process exits 1',
  'config.error': 'a config file was rejected (on SIGHUP the old config stays in force)',
  'rtsp.listen': 'the RTSP front end is listening: host and port',
  'conn.open': 'a player opened an RTSP connection: remote address, open connection count',
  'conn.close': 'a player connection closed: remote address, duration, reason',
  'conn.refused': 'a connection was refused by limits: the limit and the current count',
  'conn.timeout':
    'a connection was closed by a limits timeout: reason (header: request not completed in time, 408; idle: no session), remote address',
  'request.bad': 'a malformed request was answered with a 4xx: status and error code',
  'request.error': 'a request handler failed unexpectedly; the player got 500 (a bug: report it)',
  'request.failed':
    "a request failed for a reason of seamd's own (stopping, no UDP port, store): status, code",
  'request.abandoned':
    'a player closed its connection before its DESCRIBE or SETUP was answered (debug)',
  'setup.refused':
    "a viewer's SETUP offered no transport seamd serves (461) or a foreign destination (403)",
  'viewer.join': 'a viewer session started playing: path or URL, source, transport',
  'viewer.leave': 'a viewer session ended by TEARDOWN or disconnect',
  'viewer.timeout': 'a viewer session expired without keepalive: timeout seconds',
  'source.open': 'a source was created for content: origin URL, tracks',
  'source.close': 'a source was released: viewers left, legs closed',
  'leg.open': 'seamd decided to open an upstream leg: reason, loss %, threshold, legs now, URL',
  'leg.close': 'an upstream leg was closed or lost: reason, loss %, threshold, legs now',
  'leg.play': 'an extra leg started: the Range asked (where the viewers are now) and answered',
  'leg.ready': 'an upstream session is set up (leg id, URL, transport, tracks)',
  'leg.ended': 'an upstream session ended (TEARDOWN or lost: reason, error code)',
  'leg.aligned': "a leg's numbering was mapped into canonical space (track, offsets, how)",
  'leg.unaligned': "a leg's payloads never matched the stream: it is not merged and is closed",
  'leg.realign': 'a leg changed SSRC (origin restarted) and is aligned again',
  'leg.keepalive': 'a keepalive to the origin failed (the session may expire)',
  'leg.bad_rtcp': 'an RTCP packet from the origin did not parse and was dropped (debug)',
  'leg.bad_rtp_info': "the origin's RTP-Info did not parse; RTP-Info is only a hint (debug)",
  'leg.ignored_params':
    "parameters of the origin's Transport, Session or RTP-Info answer were left out (debug)",
  'leg.foreign_datagram': 'a UDP datagram from another address than the origin was dropped (debug)',
  'leg.rtcp_send': 'a receiver report could not be sent upstream (debug)',
  'leg.server_request': 'the origin sent a request (e.g. OPTIONS) and was answered (debug)',
  'leg.teardown_failed': 'TEARDOWN got no answer in time; the session was closed anyway (debug)',
  'leg.unknown_channel': 'an interleaved frame on a channel no track uses was ignored (debug)',
  'seam.gap': 'a hole no leg filled within gapTimeoutMs (track, canonical range)',
  'leg.transport': 'an upstream leg switched transport (UDP refused or silent → TCP interleaved)',
  'recordings.open': 'the recordings directory was scanned at start: count, unreadable ones, bytes',
  'recording.start':
    'a session feeds a recording: recording id, origin, live (archive) or file, created or existing, from npt',
  'recording.finish':
    'a recording was closed: state (complete or partial), reason, packets, completeness %',
  'recording.skip':
    'a source is not recorded: why (a complete recording exists, it is being repaired)',
  'recording.fill':
    'what one upstream session added to its recording: packets, npt span, unmapped, completeness before/after',
  'recording.recover':
    'an interrupted recording (crash) was recovered at start: torn bytes cut, now partial',
  'recording.error': 'a recording cannot be read or written: id, error code, reason',
  'recording.evict': 'a recording was deleted: quota (least recently used) or superseded',
  'cache.hit': 'a viewer is served from a recording: recording, completeness, revalidation',
  'cache.miss': 'a recording exists but was not used: why (content changed at the origin)',
  'playout.start': 'a playout from disk started: asked npt, start npt, moved to a keyframe',
  'playout.end': 'a playout reached the end of the recording (BYE sent): packets',
  'repair.request':
    'a repair of a recording was asked for (recording, reason) and what the schedule made of it',
  'repair.start': 'a repair began: recording, completeness %, missing packets, gaps, Speed, legs',
  'gap.repaired':
    'a span of a recording was filled: recording, track, packets, npt span, bytes fetched/written',
  'repair.span':
    'one repair leg ended: per track wanted, filled, uncertain timestamps, leg packets (debug)',
  'repair.error': 'a repair leg failed: recording, Range, error code (the span is retried)',
  'repair.done':
    'a repair ended: status (repaired, pending, failed, gone), completeness before/after, bytes',
  'repair.prefetch': 'content in repair.prefetch was recorded before anyone asked (or failed)',
  'upstream.error': 'the origin refused, timed out or answered nonsense: URL, status, error code',
  'upstream.refused':
    'a telemetry policy allows no upstream session for the content and there is no recording (503)',
  'telemetry.decision':
    'a telemetry rule matched trouble (upstream, last-mile, origin-wide): rule, numbers, action',
  'telemetry.clear': 'trouble a decision was taken for is over (not seen for telemetry.windowSec)',
  'source.failover':
    "a source's legs to a lossy origin were closed: a clean mirror leg serves it (rule, loss %)",
  'http.listen': "the operators' HTTP listener (/metrics, /api/status) is up: host and port",
  'http.error': 'an operator HTTP request failed unexpectedly (500; a bug: report it)',
  'transparent.refused':
    'a Request-URI named a host not in transparent.allow: host, resolved address',
  'archive.start':
    'a live path is archived around the clock: path, origin, retention, segments and span on disk',
  'archive.gap':
    "the archive's session was lost (from) / is back (from, to, seconds): an outage in the archive",
  'archive.segment':
    'an archive segment was closed: path, segment, section, from/to, packets, bytes',
  'archive.expire': 'an archive segment was dropped: retention or quota (path, segment, from/to)',
  'archive.recover': 'an archive segment a crash left open was recovered at start (torn bytes cut)',
  'archive.retry': 'the archive session could not be had; retried with backoff (debug)',
  'archive.error': 'an archive segment could not be written, closed or removed: path, reason',
  'timeshift.start':
    'a viewer plays a live path from its archive: asked time, actual start, keyframe, gap skipped',
  'timeshift.end': 'a time-shift playback reached the end it was asked for (BYE sent)',
  'clip.add':
    'a clip appeared (config or seamd clips add): name, path, from/to, where from; shadowed: the config has one of that name',
  'clip.rm': 'a clip is gone (config or seamd clips rm): name, path; its segments may expire again',
} as const satisfies Readonly<Record<string, string>>;

export type LogEvent = keyof typeof LOG_EVENTS;
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Who a line is about, one field name per kind of thing across every event: a leg is always
 * `leg` (its id), never `id`; a source `source`; a viewer session `viewer`; a recording
 * `recording`; a player connection `conn`; a playout from disk `playback`.
 */
export interface IdFields {
  readonly leg?: string;
  readonly source?: string;
  readonly viewer?: string;
  readonly recording?: string;
  readonly conn?: string;
  readonly playback?: string;
  /** `id` is ambiguous across events: use one of the fields above. */
  readonly id?: never;
  readonly event?: never;
}

export type LogFields = IdFields & Readonly<Record<string, unknown>>;

/**
 * `log[level]({ event, ...fields }, msg)`. Put the numbers in `fields`, a short human sentence in
 * `msg`. Don't use pino's own keys (`level`, `time`, `msg`, `pid`) as field names.
 */
export function logEvent(
  log: Logger,
  level: LogLevelName,
  event: LogEvent,
  fields: LogFields = {},
  msg?: string,
): void {
  if (watched > 0) tell(log, event, fields);
  if (msg === undefined) log[level]({ event, ...fields });
  else log[level]({ event, ...fields }, msg);
}

/** Who follows the events logged through a logger (see watchEvents). */
export type EventWatcher = (event: LogEvent, fields: LogFields) => void;

const watchers = new WeakMap<object, Set<EventWatcher>>();
let watched = 0;

/** A logger and all its children write to one destination stream: watchers are kept per stream. */
function streamOf(log: Logger): object | undefined {
  const stream: unknown = (log as unknown as Record<symbol, unknown>)[symbols.streamSym];
  return typeof stream === 'object' && stream !== null ? stream : undefined;
}

function tell(log: Logger, event: LogEvent, fields: LogFields): void {
  const stream = streamOf(log);
  const set = stream ? watchers.get(stream) : undefined;
  if (set) for (const fn of set) fn(event, fields);
}

/**
 * Calls `fn` for every event logged through `log` or a logger derived from it, whatever the
 * log level (the operators' timeline). Returns the unsubscribe.
 */
export function watchEvents(log: Logger, fn: EventWatcher): () => void {
  const stream = streamOf(log);
  if (!stream) return () => undefined;
  const set = watchers.get(stream) ?? new Set<EventWatcher>();
  watchers.set(stream, set);
  set.add(fn);
  watched++;
  return () => {
    if (set.delete(fn)) watched--;
  };
}
