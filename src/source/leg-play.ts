/** Helpers for starting a leg: its URL, checking its content, PLAY with the players' fallback. */
import { UpstreamError } from '../errors.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { Leg, PlayOptions, PlayResult } from '../upstream/leg.js';

export function optsFor(range: string | undefined): PlayOptions {
  return range === undefined ? {} : { range };
}

/**
 * Some origins refuse a first PLAY with a Range (gst-rtsp-server answers 503); players then PLAY
 * from the start, PAUSE, and PLAY with the Range. Do the same.
 */
export async function playWithFallback(leg: Leg, opts: PlayOptions): Promise<PlayResult> {
  try {
    return await leg.play(opts);
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (opts.range === undefined || status !== 503 || leg.state === 'closed') throw err;
    await leg.play({});
    await leg.pause();
    return leg.play(opts);
  }
}

/** Why a leg's SDP is not the same content as the source's (track layout and codecs). */
export function incompatible(a: SdpInfo, b: SdpInfo): string | undefined {
  if (a.tracks.length !== b.tracks.length) {
    return `${b.tracks.length} tracks, want ${a.tracks.length}`;
  }
  for (const [i, t] of a.tracks.entries()) {
    const u = b.tracks[i];
    if (
      !u ||
      u.mediaType !== t.mediaType ||
      u.encoding !== t.encoding ||
      u.clockRate !== t.clockRate
    ) {
      return `track ${i} differs`;
    }
  }
  return undefined;
}

/** The URL of extra leg number `index` (1 on): the mirrors in turn, else the origin (`urls[0]`). */
export function extraLegUrl(urls: readonly string[], index: number): string {
  const mirrors = urls.slice(1);
  return mirrors.length > 0 ? (mirrors[(index - 1) % mirrors.length] ?? '') : (urls[0] ?? '');
}

/** DESCRIBE and SETUP an extra leg; throws when its origin describes other content than `info`. */
export async function setupSameContent(leg: Leg, info: SdpInfo): Promise<void> {
  const described = await leg.describe();
  const why = incompatible(info, described.info);
  if (why) throw new UpstreamError('UPSTREAM_CONTENT_MISMATCH', `different content: ${why}`);
  await leg.setup();
}
