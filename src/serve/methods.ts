/**
 * RTSP methods as seamd answers them to players (RFC 2326 §10). Each handler turns a request
 * into a reply; status codes carry what seamd cannot do (400, 403, 404, 405, 454, 455, 457, 459,
 * 460, 461, 501, 502, 503, 504); failures of the source are answered in replies.ts.
 */
import type { Logger } from 'pino';
import { RTSP_STATUS, RuntimeError } from '../errors.js';
import { logEvent } from '../events.js';
import type { RtspRequest } from '../protocol/rtsp/message.js';
import { parseCSeq } from '../protocol/rtsp/headers/cseq.js';
import { formatRange, parseRange } from '../protocol/rtsp/headers/range.js';
import { formatRtpInfo, type RtpInfoEntry } from '../protocol/rtsp/headers/rtp-info.js';
import { formatSession, parseSession } from '../protocol/rtsp/headers/session.js';
import { formatTransport, parseTransport } from '../protocol/rtsp/headers/transport.js';
import { rewriteSdpForViewers, trackIndexFromUrl } from '../protocol/sdp/sdp.js';
import type { SourceRegistry } from '../source/registry.js';
import type { Clock } from './clock.js';
import type { Described, Reply, ViewerConnection } from './connection.js';
import { negotiateTransport } from './negotiate.js';
import { abandoned, fail, sourceFailure } from './replies.js';
import { parseRtspUrl, presentationUrl, type Resolution } from './resolve.js';
import { ViewerSession } from './viewer.js';
import { openSpanPlayback } from './span-playback.js';
import {
  openTimeshift,
  prepareTimeshiftPlay,
  timeQueryOf,
  type TimeshiftAccess,
} from './timeshift-methods.js';

export const PUBLIC_METHODS = [
  'OPTIONS',
  'DESCRIBE',
  'SETUP',
  'PLAY',
  'PAUSE',
  'TEARDOWN',
  'GET_PARAMETER',
  'SET_PARAMETER',
] as const;
/** Methods RTSP defines that seamd knowingly refuses (405 + Allow), as opposed to unknown (501). */
const REFUSED_METHODS = new Set(['ANNOUNCE', 'RECORD', 'REDIRECT']);

export interface FrontState extends TimeshiftAccess {
  readonly log: Logger;
  readonly registry: SourceRegistry;
  readonly sessionTimeoutSec: number;
  /** The time source viewer sessions are created with. */
  readonly clock: Clock;
  resolve(uri: string, conn: ViewerConnection): Promise<Resolution>;
  /** Session lookup across connections: 454 when unknown or bound to another connection. */
  findSession(id: string): ViewerSession | undefined;
  addSession(conn: ViewerConnection, session: ViewerSession): void;
  endSession(session: ViewerSession, reason: string): void;
  startPlaying(session: ViewerSession): void;
  /** seamd's UDP media ports (server_port) for viewers. */
  udpPorts(): { rtp: number; rtcp: number };
}

const allow = PUBLIC_METHODS.join(', ');

export async function handleRequest(
  front: FrontState,
  conn: ViewerConnection,
  req: RtspRequest,
): Promise<Reply> {
  const cseq = req.headers.get('CSeq');
  if (cseq === undefined) return fail(400, 'missing CSeq');
  try {
    parseCSeq(cseq);
  } catch {
    return fail(400, 'bad CSeq');
  }
  try {
    return await dispatch(front, conn, req, req.method.toUpperCase());
  } catch (err) {
    // A request the session's state does not allow (PLAY while a PLAY is in flight, ...).
    if (err instanceof RuntimeError && err.code === 'INVALID_STATE') {
      return fail(RTSP_STATUS.INVALID_STATE, err.message);
    }
    throw err;
  }
}

async function dispatch(
  front: FrontState,
  conn: ViewerConnection,
  req: RtspRequest,
  method: string,
): Promise<Reply> {
  switch (method) {
    case 'OPTIONS':
      touchIfSession(front, conn, req);
      return { status: 200, headers: { Public: allow } };
    case 'DESCRIBE':
      return describe(front, conn, req);
    case 'SETUP':
      return setup(front, conn, req);
    case 'PLAY':
      return play(front, conn, req);
    case 'PAUSE':
      return pause(front, conn, req);
    case 'TEARDOWN':
      return teardown(front, conn, req);
    case 'GET_PARAMETER':
    case 'SET_PARAMETER':
      return parameter(front, conn, req, method);
    default:
      if (REFUSED_METHODS.has(method)) return { status: 405, headers: { Allow: allow } };
      return { status: 501, headers: { Allow: allow } };
  }
}

/** The session a request names: bound to this connection, or an error reply. */
function sessionOf(
  front: FrontState,
  conn: ViewerConnection,
  req: RtspRequest,
): { session: ViewerSession | undefined; error?: Reply } {
  const header = req.headers.get('Session');
  if (header === undefined) return { session: undefined };
  let id: string;
  try {
    id = parseSession(header).id;
  } catch {
    return { session: undefined, error: fail(454, 'bad Session header') };
  }
  const session = front.findSession(id);
  if (!session || session.connectionId !== conn.id) {
    return { session: undefined, error: fail(454) };
  }
  session.touch();
  return { session };
}

function touchIfSession(front: FrontState, conn: ViewerConnection, req: RtspRequest): void {
  sessionOf(front, conn, req);
}

function sessionHeader(front: FrontState, s: ViewerSession): string {
  return formatSession({ id: s.id, timeout: front.sessionTimeoutSec });
}

async function describe(
  front: FrontState,
  conn: ViewerConnection,
  req: RtspRequest,
): Promise<Reply> {
  const resolution = await front.resolve(req.uri, conn);
  if (!resolution.ok) return fail(resolution.status, resolution.reason);
  let described: Described | undefined;
  try {
    described = await acquire(front, conn, resolution, req.uri);
  } catch (err) {
    return sourceFailure(front.log, conn, 'DESCRIBE', err);
  }
  if (!described) return abandoned(front.log, conn, 'DESCRIBE');
  const sdp = rewriteSdpForViewers(described.source.info);
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/sdp',
      'Content-Base': `${resolution.viewerBase}/`,
    },
    body: Buffer.from(sdp, 'utf8'),
  };
}

/**
 * Opens (or shares) the source for a presentation and remembers it on the connection;
 * undefined (the source released again) when the player left meanwhile.
 */
async function acquire(
  front: FrontState,
  conn: ViewerConnection,
  resolution: Extract<Resolution, { ok: true }>,
  uri: string,
): Promise<Described | undefined> {
  // `?at=` / `?ago=` on a path: its archive, from that time.
  const at = resolution.pathName === undefined ? undefined : timeQueryOf(uri);
  const span = resolution.span;
  const source = span
    ? openSpanPlayback(front, span, resolution.origin)
    : at !== undefined && resolution.pathName !== undefined
      ? openTimeshift(front, resolution.pathName, resolution.origin, at, true)
      : await front.registry.acquire({
          origin: resolution.origin,
          mirrors: resolution.mirrors,
          transport: resolution.transport,
          pathName: resolution.pathName,
          seam: resolution.seam,
          fastStart: resolution.fastStart,
        });
  if (at !== undefined || span) source.retain();
  if (conn.isClosed) {
    source.release();
    return undefined;
  }
  const previous = conn.described.get(resolution.viewerBase);
  const described: Described = { source, resolution };
  conn.described.set(resolution.viewerBase, described);
  previous?.source.release();
  return described;
}

async function setup(front: FrontState, conn: ViewerConnection, req: RtspRequest): Promise<Reply> {
  const url = parseRtspUrl(req.uri);
  if (!url) return fail(400, 'Request-URI is not an rtsp:// URL');
  const transportHeader = req.headers.get('Transport');
  if (transportHeader === undefined) return fail(400, 'missing Transport');
  let offers;
  try {
    offers = parseTransport(transportHeader);
  } catch {
    return fail(400, 'bad Transport header');
  }
  const { session: existing, error } = sessionOf(front, conn, req);
  if (error) return error;

  const base = presentationUrl(url);
  let described = conn.described.get(base);
  if (!described) {
    // Players that cached the SDP may SETUP without DESCRIBE on this connection.
    const resolution = await front.resolve(req.uri, conn);
    if (!resolution.ok) return fail(resolution.status, resolution.reason);
    try {
      described = await acquire(front, conn, resolution, req.uri);
    } catch (err) {
      return sourceFailure(front.log, conn, 'SETUP', err);
    }
    if (!described) return abandoned(front.log, conn, 'SETUP');
  }
  const { source } = described;
  const trackCount = source.info.tracks.length;
  let track = trackIndexFromUrl(req.uri, `${base}/`, trackCount);
  if (track === null) return fail(404, 'no such track');
  if (track === undefined) {
    if (trackCount !== 1) return fail(459, 'SETUP the tracks, not the aggregate');
    track = 0;
  }
  if (existing && existing.source !== source) return fail(459, 'session belongs to other content');
  existing?.expectSetup();

  const used = new Set<number>();
  for (const s of conn.sessions.values()) {
    for (const [i, t] of s.tracks) {
      if (t.kind === 'tcp' && !(s === existing && i === track))
        used.add(t.rtpChannel).add(t.rtcpChannel);
    }
  }
  const negotiated = negotiateTransport(offers, {
    remoteAddress: conn.remoteAddress,
    usedChannels: used,
    suggestedChannel: 2 * track,
  });
  if (!negotiated.ok) {
    const fields = { conn: conn.id, status: negotiated.status, reason: negotiated.reason };
    logEvent(front.log, 'info', 'setup.refused', fields, 'viewer transport refused');
    return fail(negotiated.status, negotiated.reason);
  }
  try {
    await source.ensureSetup();
  } catch (err) {
    return sourceFailure(front.log, conn, 'SETUP', err);
  }
  if (conn.isClosed) return abandoned(front.log, conn, 'SETUP');
  const session =
    existing ?? new ViewerSession(conn.id, conn.remoteAddress, source, base, conn, front.clock);
  if (!existing) {
    session.fastStart = described.resolution.fastStart;
    source.retain();
    front.addSession(conn, session);
  }
  session.tracks.set(track, negotiated.transport);
  const t = negotiated.transport;
  const answer =
    t.kind === 'tcp'
      ? formatTransport({
          protocol: 'RTP',
          profile: 'AVP',
          lowerTransport: 'TCP',
          delivery: 'unicast',
          interleaved: [t.rtpChannel, t.rtcpChannel],
          extra: {},
        })
      : formatTransport({
          protocol: 'RTP',
          profile: 'AVP',
          lowerTransport: 'UDP',
          delivery: 'unicast',
          clientPort: [t.rtpPort, t.rtcpPort],
          serverPort: [front.udpPorts().rtp, front.udpPorts().rtcp],
          extra: {},
        });
  return { status: 200, headers: { Transport: answer, Session: sessionHeader(front, session) } };
}

async function play(front: FrontState, conn: ViewerConnection, req: RtspRequest): Promise<Reply> {
  const { session, error } = sessionOf(front, conn, req);
  if (error) return error;
  if (!session) return fail(454, 'PLAY needs a Session');
  if (session.tracks.size === 0) return fail(455, 'nothing set up');
  const scope = trackIndexFromUrl(
    req.uri,
    `${session.viewerBase}/`,
    session.source.info.tracks.length,
  );
  if (scope === null) return fail(404, 'no such presentation in this session');
  if (scope !== undefined && session.tracks.size > 1) return fail(460, 'PLAY the aggregate URL');
  let range: string | undefined;
  const rangeHeader = req.headers.get('Range');
  if (rangeHeader !== undefined) {
    try {
      range = formatRange(parseRange(rangeHeader));
    } catch {
      return fail(457, 'bad Range');
    }
  }
  // The path the viewer asked for (a shared live source may have been opened for another).
  const pathName = () => conn.described.get(session.viewerBase)?.resolution.pathName;
  const refused = prepareTimeshiftPlay(front, session, req, range, pathName);
  if (refused) return refused;
  if (session.state === 'playing' && session.source.shared) {
    return { status: 200, headers: { Session: sessionHeader(front, session) } };
  }
  session.beginPlay();
  let start;
  try {
    start = await session.source.play(range, {
      fastStart: session.fastStart,
      reliable: session.usesTcp,
    });
  } catch (err) {
    session.playFailed();
    return sourceFailure(front.log, conn, 'PLAY', err);
  }
  if (start.burst) session.prime(start.burst);
  const rtpInfo: RtpInfoEntry[] = [];
  for (const index of [...session.tracks.keys()].sort((a, b) => a - b)) {
    const t = start.tracks[index];
    const entry: RtpInfoEntry = { url: `${session.viewerBase}/trackID=${index}` };
    if (t?.seq !== undefined) entry.seq = t.seq;
    if (t?.rtptime !== undefined) entry.rtptime = t.rtptime;
    rtpInfo.push(entry);
  }
  const headers: Record<string, string> = { Session: sessionHeader(front, session) };
  if (start.range !== undefined) headers.Range = start.range;
  if (rtpInfo.length > 0) headers['RTP-Info'] = formatRtpInfo(rtpInfo);
  return { status: 200, headers, after: () => front.startPlaying(session) };
}

async function pause(front: FrontState, conn: ViewerConnection, req: RtspRequest): Promise<Reply> {
  const { session, error } = sessionOf(front, conn, req);
  if (error) return error;
  if (!session) return fail(454, 'PAUSE needs a Session');
  session.expectPause();
  try {
    await session.source.pause();
  } catch (err) {
    // The source is still playing (or gone): the session stays as it was.
    return sourceFailure(front.log, conn, 'PAUSE', err);
  }
  if (session.state === 'closed') return fail(454, 'session ended');
  session.paused();
  return { status: 200, headers: { Session: sessionHeader(front, session) } };
}

function teardown(front: FrontState, conn: ViewerConnection, req: RtspRequest): Reply {
  const { session, error } = sessionOf(front, conn, req);
  if (error) return error;
  if (!session) return fail(454, 'TEARDOWN needs a Session');
  front.endSession(session, 'teardown');
  return { status: 200 };
}

function parameter(
  front: FrontState,
  conn: ViewerConnection,
  req: RtspRequest,
  method: string,
): Reply {
  const { session, error } = sessionOf(front, conn, req);
  if (error) return error;
  const headers: Record<string, string> = session ? { Session: sessionHeader(front, session) } : {};
  // An empty GET/SET_PARAMETER is a keepalive; seamd exposes no parameters yet.
  if (method === 'SET_PARAMETER' && req.body.length > 0) return { status: 451, headers };
  return { status: 200, headers };
}
