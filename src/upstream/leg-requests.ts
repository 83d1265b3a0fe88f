/**
 * The requests of a leg that need its control channel and media but none of its state: SETUP
 * of one track (a UDP port pair or interleaved channels; the answer read liberally and handed
 * to the media plumbing) and PLAY (aggregate, or per track when the origin answers 459).
 */
import type { Logger } from 'pino';
import { UpstreamError } from '../errors.js';
import { logEvent } from '../events.js';
import { allocateUdpPair, type UdpPair } from '../net/udp-pair.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { LegControl } from './leg-control.js';
import type { LegMedia } from './leg-media.js';
import {
  answeredTransport,
  asError,
  controlUris,
  isOk,
  playHeaders,
  playResultOf,
  sessionOf,
  statusError,
  type OnIgnored,
  type PlayOptions,
  type PlayResult,
} from './leg-rtsp.js';

export interface LegRequests {
  /** The leg's id (logs). */
  readonly leg: string;
  readonly log: Logger;
  readonly control: LegControl;
  readonly media: LegMedia;
  readonly onIgnored: OnIgnored;
}

export interface UpstreamSession {
  id: string;
  timeout: number;
}

export interface TrackToSetUp {
  readonly index: number;
  readonly control: string;
  readonly clockRate: number;
}

/** Where the RTP/RTCP sockets of a UDP track are bound. */
export interface UdpBinding {
  udpHost?: string;
  udpPortMin?: number;
  udpPortMax?: number;
}

/** Runs a leg-rtsp check, logging the error it throws as a SETUP error. */
function checked<T>(ctx: LegRequests, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw ctx.control.logged(asError(err), 'SETUP');
  }
}

/** SETUP one track over UDP; returns the session (the answer's, else `previous`). */
export async function setupUdpTrack(
  ctx: LegRequests,
  bind: UdpBinding,
  track: TrackToSetUp,
  previous: UpstreamSession | undefined,
): Promise<UpstreamSession> {
  const address = ctx.control.remoteAddress;
  if (address === undefined) throw new UpstreamError('UPSTREAM_CLOSED', 'not connected');
  let pair: UdpPair | undefined = await allocateUdpPair({
    family: ctx.control.remoteFamily === 'IPv6' ? 'udp6' : 'udp4',
    ...(bind.udpHost !== undefined ? { host: bind.udpHost } : {}),
    ...(bind.udpPortMin !== undefined ? { portMin: bind.udpPortMin } : {}),
    ...(bind.udpPortMax !== undefined ? { portMax: bind.udpPortMax } : {}),
  });
  try {
    const { control, index, clockRate } = track;
    const asked = `RTP/AVP;unicast;client_port=${pair.rtpPort}-${pair.rtcpPort}`;
    const res = await ctx.control.call('SETUP', control, { Transport: asked });
    const spec = checked(ctx, () => answeredTransport(res, control, 'UDP', ctx.onIgnored));
    const session = checked(ctx, () => sessionOf(res, previous, ctx.onIgnored));
    const ssrc = spec?.ssrc !== undefined ? { ssrc: spec.ssrc } : {};
    ctx.media.addUdpTrack({ index, clockRate, ...ssrc }, pair, {
      address,
      ...(spec?.source !== undefined ? { sources: [spec.source] } : {}),
      ...(spec?.serverPort ? { serverPort: spec.serverPort } : {}),
    });
    pair = undefined; // owned by media now
    return session;
  } finally {
    pair?.close();
  }
}

/** SETUP one track over TCP interleaved; returns the session. */
export async function setupTcpTrack(
  ctx: LegRequests,
  track: TrackToSetUp,
  previous: UpstreamSession | undefined,
): Promise<UpstreamSession> {
  const { control, index, clockRate } = track;
  const asked: [number, number] = [2 * index, 2 * index + 1];
  const transport = `RTP/AVP/TCP;unicast;interleaved=${asked[0]}-${asked[1]}`;
  const res = await ctx.control.call('SETUP', control, { Transport: transport });
  const spec = checked(ctx, () => answeredTransport(res, control, 'TCP', ctx.onIgnored));
  const session = checked(ctx, () => sessionOf(res, previous, ctx.onIgnored));
  const ssrc = spec?.ssrc !== undefined ? { ssrc: spec.ssrc } : {};
  ctx.media.addTcpTrack({ index, clockRate, ...ssrc }, spec?.interleaved ?? asked, (ch, p) =>
    ctx.control.sendFrame(ch, p),
  );
  return session;
}

/** PLAY the set-up tracks: aggregate, or each track when the origin answers 459. */
export async function playTracks(
  ctx: LegRequests,
  info: SdpInfo,
  tracks: readonly number[],
  opts: PlayOptions,
): Promise<PlayResult> {
  const headers = playHeaders(opts);
  const [first = info.aggregateControl, ...more] = controlUris(info, tracks);
  const responses = [await ctx.control.call('PLAY', first, headers, true)];
  if (responses[0]?.status === 459 && more.length === 0 && tracks.length > 0) {
    // 459 Aggregate Operation Not Allowed: PLAY each track instead
    responses.length = 0;
    for (const i of tracks) {
      responses.push(await ctx.control.call('PLAY', info.tracks[i]?.control ?? first, headers));
    }
  } else {
    if (responses[0] && !isOk(responses[0])) {
      throw ctx.control.logged(statusError('PLAY', first, responses[0]), 'PLAY');
    }
    for (const uri of more) responses.push(await ctx.control.call('PLAY', uri, headers));
  }
  return playResultOf(
    responses,
    info,
    (value, err) => {
      const fields = { leg: ctx.leg, value, err: err.message };
      logEvent(ctx.log, 'warn', 'leg.bad_rtp_info', fields, 'unreadable RTP-Info');
    },
    ctx.onIgnored,
  );
}
