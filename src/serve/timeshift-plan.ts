/**
 * Where a time-shift PLAY starts: the asked time (a clock range, `npt=x-` after the URL's time,
 * or that time itself), then the keyframe at or before it in the segment holding it, found with
 * one binary search over the segments and one over that segment's index. In a gap: the first
 * keyframe after it; before the archive: its first keyframe; a time in the future, a range in
 * another unit or no archive at all: 457.
 */
import { ProtocolError } from '../errors.js';
import { keyframeCodec } from '../protocol/rtp/keyframe.js';
import { parseClockRange } from '../protocol/rtsp/headers/clock-range.js';
import { parseRange } from '../protocol/rtsp/headers/range.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { ArchiveStore, Segment } from '../store/segments.js';

/** A time this far past now is "the future" (clocks of player and seamd differ a little). */
const FUTURE_SLACK_MS = 1000;
/** Segments looked at for a keyframe before giving up (tiny segments at outages). */
const MAX_SEGMENTS_TRIED = 8;

export interface TimeshiftPlan {
  readonly askedMs: number;
  /** Wall-clock time of the first packet played (the keyframe). */
  readonly startMs: number;
  readonly endMs: number | undefined;
  /** 'inside' the archive, after a 'gap', 'before-start' of the archive, or at its 'end'. */
  readonly where: 'inside' | 'gap' | 'before-start' | 'end';
  /** Whether it starts at a keyframe (the video codec's keyframes are known). */
  readonly keyframe: boolean;
  /** The track whose keyframe the start is (the others start at that time). */
  readonly keyTrack: number;
  /** Per track: the segment and log offset reading starts at. */
  readonly tracks: ReadonlyArray<{ segment: Segment; offset: number }>;
}

function bad(why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_RANGE', why);
}

/**
 * The asked start and end (wall-clock ms) of a PLAY's Range. `npt=now-` is the live edge, or
 * with `urlTime` (the playback was opened by a `?at=`/`?ago=` URL, whose time is the start of
 * that stream) the URL's time: players send it for a stream whose SDP says `npt=now-`.
 */
export function askedTimes(
  range: string | undefined,
  defaultStartMs: number,
  nowMs: number,
  urlTime = false,
): { startMs: number; endMs: number | undefined } {
  if (range === undefined) return { startMs: defaultStartMs, endMs: undefined };
  const clock = parseClockRange(range);
  if (clock) return clock;
  const spec = parseRange(range);
  if (spec.unit !== 'npt')
    throw bad(`the archive is played by clock or npt ranges, not ${spec.unit}`);
  const start =
    spec.start === 'now'
      ? urlTime
        ? defaultStartMs
        : nowMs
      : defaultStartMs + (typeof spec.start === 'number' ? spec.start * 1000 : 0);
  const end = spec.end === undefined ? undefined : defaultStartMs + spec.end * 1000;
  return { startMs: start, endMs: end };
}

export async function planTimeshift(
  store: ArchiveStore,
  info: SdpInfo,
  range: string | undefined,
  defaultStartMs: number,
  nowMs: number,
  urlTime = false,
): Promise<TimeshiftPlan> {
  const asked = askedTimes(range, defaultStartMs, nowMs, urlTime);
  const segments = store.segments();
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (!first || !last) throw bad(`no archive of ${store.path}`);
  if (asked.startMs > nowMs + FUTURE_SLACK_MS) {
    throw bad(`${new Date(asked.startMs).toISOString()} is in the future`);
  }
  const videoTrack = info.tracks.findIndex((t) => keyframeCodec(t.encoding) !== undefined);
  const keyTrack = videoTrack >= 0 ? videoTrack : 0;
  const found = store.find(asked.startMs);
  let where: TimeshiftPlan['where'];
  let seg: Segment;
  if (!found) {
    where = 'end';
    seg = last;
  } else {
    seg = found.segment;
    where = found.inside ? 'inside' : seg === first ? 'before-start' : 'gap';
  }
  for (let tries = 0; tries < MAX_SEGMENTS_TRIED; tries++) {
    const index = await store.indexOf(seg);
    const key =
      where === 'inside' || where === 'end'
        ? (index.atOrBefore(keyTrack, asked.startMs, true) ??
          index.atOrAfter(keyTrack, asked.startMs, true))
        : index.atOrAfter(keyTrack, -Infinity, true);
    if (key) {
      const tracks = info.tracks.map((_, t) => ({
        segment: seg,
        offset: t === keyTrack ? key.offset : (index.atOrBefore(t, key.wallMs, false)?.offset ?? 0),
      }));
      return {
        askedMs: asked.startMs,
        startMs: key.wallMs,
        endMs: asked.endMs,
        where,
        keyframe: videoTrack >= 0,
        keyTrack,
        tracks,
      };
    }
    const next = store.next(seg);
    if (!next) break;
    seg = next;
    if (where === 'inside' || where === 'end') where = 'gap';
  }
  throw bad(`nothing playable in the archive of ${store.path} at that time yet`);
}
