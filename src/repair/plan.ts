/**
 * Reading what a repair needs from a recording: its gaps in npt (spans.ts plans them), where a
 * span's Range must start (the stored keyframe before its first gap) and, for one span, the
 * stored packets around it that a repair leg aligns against (matcher.ts).
 */
import type { Recording, RecordingTrack } from '../store/index.js';
import { END_SLACK_SEC, HEAD_SLACK_SEC } from '../store/completeness.js';
import { tsDelta } from '../protocol/rtp/seq.js';
import { parseSdp } from '../protocol/sdp/sdp.js';
import { payloadEquals, TrackMatcher, type RefPacket } from '../store/matcher.js';
import { keyframeCodec, startsKeyframe, type KeyframeCodec } from '../protocol/rtp/keyframe.js';
import { rangeFor, type RepairSpan, type TrackGap } from './spans.js';

/**
 * Whether the end of track `t` is missing. The last frame ends a frame before the announced
 * duration, so: more than 1.5 frame steps (the median timestamp step of the last packets)
 * between the last stored packet and the duration, or, for video, a last packet without the
 * marker bit (RTP video marks the last packet of a frame: the last frame is incomplete).
 */
async function tailMissing(t: RecordingTrack, media: string | undefined, duration: number) {
  const last = t.lastExt;
  if (last === undefined) return true;
  const steps: number[] = [];
  let prevTs: number | undefined;
  let marker = true;
  for await (const p of t.readRange(Math.max(t.firstExt ?? 0, last - 64), last)) {
    if (prevTs !== undefined && p.ts !== prevTs) steps.push(Math.abs(tsDelta(prevTs, p.ts)));
    prevTs = p.ts;
    marker = p.marker;
  }
  steps.sort((a, b) => a - b);
  const step = (steps[steps.length >> 1] ?? 0) / t.clockRate;
  if (media === 'video' && !marker) return true;
  return duration - t.durationSec > Math.min(END_SLACK_SEC, 1.5 * step + 0.001);
}

/**
 * Whether a track whose keyframes can be told starts as its later keyframes do: its first stored
 * packet holds the same bytes as the first packet of the next stored keyframe's access unit (a
 * file's stream repeats its parameter sets there: a lost SPS of the first keyframe leaves a
 * first packet that does not). True for other tracks, and when no later keyframe is stored near.
 */
async function startsLikeKeyframes(rec: Recording, t: RecordingTrack): Promise<boolean> {
  const k = keyframeTracks(rec).find((x) => x.t === t);
  const first = t.firstExt;
  if (!k || first === undefined) return true;
  let head: Buffer | undefined;
  let prevMarker = false;
  for await (const p of t.readRange(first, first + 4096)) {
    if (!head) head = Buffer.from(p.packet);
    else if (prevMarker && startsKeyframe(p.packet, k.codec)) return payloadEquals(head, p.packet);
    prevMarker = p.marker;
  }
  return true;
}

/**
 * Every gap of every track, plus a head / tail when the SDP announced a duration. Ends in
 * `skipEnds` (`<track>:head`, `<track>:tail`) were asked for in this run and found nothing.
 */
export async function gapsOf(
  rec: Recording,
  opts: { skipEnds?: ReadonlySet<string> } = {},
): Promise<TrackGap[]> {
  const out: TrackGap[] = [];
  const duration = rec.meta.live ? undefined : rec.meta.durationSec;
  const anyGaps = rec.tracks.some((t) => t.gaps().length > 0);
  for (const t of rec.tracks) {
    for (const [a, b] of t.gaps()) {
      const fromNpt = t.nptOf(a - 1) ?? 0;
      const toNpt = t.nptOf(b + 1) ?? fromNpt;
      out.push({ track: t.index, fromExt: a, toExt: b, fromNpt, toNpt, kind: 'gap' });
    }
    if (duration === undefined || duration <= 0) continue;
    const first = t.firstExt;
    const last = t.lastExt;
    if (first === undefined || last === undefined) continue; // nothing to align against
    const firstNpt = t.nptOf(first) ?? 0;
    // A lost first packet of the first frame has that frame's npt (0), and a lost last packet of
    // the file may be of a frame shown before the last one (B-frames): neither can be seen by
    // npt. While there are gaps to repair anyway, both ends of every track are checked once (a
    // short real-time leg from 0; a leg from the last keyframe to the end).
    const probe = anyGaps;
    const headless = firstNpt > HEAD_SLACK_SEC || !(await startsLikeKeyframes(rec, t));
    if ((headless || probe) && !opts.skipEnds?.has(`${t.index}:head`)) {
      out.push({
        track: t.index,
        fromExt: NaN,
        toExt: first - 1,
        fromNpt: 0,
        toNpt: firstNpt,
        kind: 'head',
      });
    }
    const media = rec.meta.tracks[t.index]?.media;
    if (
      !opts.skipEnds?.has(`${t.index}:tail`) &&
      (probe || (await tailMissing(t, media, duration)))
    ) {
      out.push({
        track: t.index,
        fromExt: last + 1,
        toExt: NaN,
        fromNpt: t.durationSec,
        toNpt: duration,
        kind: 'tail',
      });
    }
  }
  return out;
}

/** Missing packets known by ext over all tracks. */
export function missingOf(rec: Recording): number {
  return rec.tracks.reduce((n, t) => n + t.missing(), 0);
}

/** Stored packets of `t` with npt in [from, to] (widened by a few packets each side). */
async function refPackets(t: RecordingTrack, from: number, to: number): Promise<RefPacket[]> {
  const a = t.seekNpt(Math.max(0, from));
  const b = t.seekNpt(to);
  const first = t.firstExt;
  const last = t.lastExt;
  if (a === undefined || b === undefined || first === undefined || last === undefined) return [];
  const out: RefPacket[] = [];
  for await (const p of t.readRange(Math.max(first, a - 16), Math.min(last, b + 64))) {
    out.push({ ext: p.ext, ts: p.ts, packet: Buffer.from(p.packet) });
  }
  return out;
}

/** A Range ending this close to the content's end also fills its tail. */
const EDGE_SEC = 0.5;

/**
 * A matcher per track of `span`, fed with the stored packets from `refLeadSec` before the Range
 * start (the origin snaps back to a keyframe: its first packets must find their twins) to
 * `refTailSec` after its end.
 */
export async function matchersFor(
  rec: Recording,
  span: RepairSpan,
  range: { from: number; to: number },
  o: {
    rate: number;
    run: number;
    refLeadSec: number;
    refTailSec: number;
    /** The duration the SDP announced (file-backed content). */
    durationSec?: number | undefined;
  },
): Promise<Map<number, TrackMatcher>> {
  const out = new Map<number, TrackMatcher>();
  for (const track of span.tracks) {
    const t = rec.track(track);
    const gaps = span.gaps.filter((g) => g.track === track);
    const wanted = gaps
      .filter((g) => g.kind === 'gap')
      .map((g): [number, number] => [g.fromExt, g.toExt]);
    // A Range to the very end also brings whatever follows the last stored packet: fill it
    // too (a lost last packet of the last frame has that frame's npt and is not seen as a
    // tail otherwise). Not so at the start: a ranged PLAY prepends parameter sets there.
    const head = gaps.find((g) => g.kind === 'head');
    const tail =
      gaps.find((g) => g.kind === 'tail') ??
      (o.durationSec !== undefined && range.to >= o.durationSec - EDGE_SEC ? true : undefined);
    const ref = await refPackets(t, range.from - o.refLeadSec, range.to + o.refTailSec);
    out.set(
      track,
      new TrackMatcher({
        ref,
        wanted,
        head: head && t.firstExt !== undefined ? { beforeExt: t.firstExt } : undefined,
        tail: tail && t.lastExt !== undefined ? { afterExt: t.lastExt } : undefined,
        clockRate: t.clockRate,
        rate: o.rate,
        run: o.run,
      }),
    );
  }
  return out;
}

/** How far back (seconds) a keyframe is looked for before a gap; none there: that far back. */
const KEYFRAME_LOOKBACK_SEC = 12;

/** The tracks whose keyframes can be told, with their codec. */
function keyframeTracks(rec: Recording): Array<{ t: RecordingTrack; codec: KeyframeCodec }> {
  let encodings: Array<string | undefined>;
  try {
    encodings = parseSdp(rec.meta.sdp, rec.meta.originUrl).tracks.map((t) => t.encoding);
  } catch {
    return [];
  }
  const out: Array<{ t: RecordingTrack; codec: KeyframeCodec }> = [];
  for (const t of rec.tracks) {
    const codec = keyframeCodec(encodings[t.index]);
    if (codec && t.count > 0) out.push({ t, codec });
  }
  return out;
}

/**
 * npt of the last stored keyframe of `t` before `gap`: in ext order before the gap on the gap's
 * own track, else at or before the npt of the packet before the gap. Undefined when none is
 * stored within KEYFRAME_LOOKBACK_SEC.
 */
async function keyframeBefore(
  t: RecordingTrack,
  codec: KeyframeCodec,
  gap: TrackGap,
): Promise<number | undefined> {
  const first = t.firstExt;
  const to = gap.track === t.index ? gap.fromExt - 1 : t.seekNpt(gap.fromNpt);
  const from = t.seekNpt(gap.fromNpt - KEYFRAME_LOOKBACK_SEC);
  if (first === undefined || to === undefined || from === undefined || !(to >= first)) {
    return undefined;
  }
  let key: number | undefined;
  for await (const p of t.readRange(Math.max(first, from - 64), to)) {
    if (startsKeyframe(p.packet, codec) && (gap.track === t.index || p.npt <= gap.fromNpt)) {
      key = p.npt;
    }
  }
  return key;
}

/**
 * Where a span's Range starts (before any lead): at the last stored keyframe before each of its
 * gaps (the origin answers from the keyframe at or before the time asked, and an answer from a
 * later keyframe would lack the last packets of the GOP before it: they are exactly those before
 * a keyframe). Without a video track whose keyframes can be told, the span's own start.
 */
export async function spanStartNpt(rec: Recording, span: RepairSpan): Promise<number> {
  const tracks = keyframeTracks(rec);
  if (tracks.length === 0) return span.fromNpt;
  if (span.gaps.some((g) => g.kind === 'head')) return 0;
  let start = span.fromNpt;
  for (const { t, codec } of tracks) {
    // The earliest keyframe needed is the one before the earliest gap: by ext on this track, by
    // npt on the others (one look-up each: a span may hold hundreds of gaps).
    const own = span.gaps.filter((g) => g.track === t.index);
    const others = span.gaps.filter((g) => g.track !== t.index);
    const first = [
      own.reduce<TrackGap | undefined>((a, g) => (a && a.fromExt <= g.fromExt ? a : g), undefined),
      others.reduce<TrackGap | undefined>(
        (a, g) => (a && a.fromNpt <= g.fromNpt ? a : g),
        undefined,
      ),
    ];
    for (const g of first) {
      if (!g) continue;
      const key = await keyframeBefore(t, codec, g);
      start = Math.min(start, key ?? Math.max(0, g.fromNpt - KEYFRAME_LOOKBACK_SEC));
    }
  }
  return Math.max(0, start);
}

/** The Range for `span` (spans.ts rangeFor), started at the keyframe before its gaps. */
export async function repairRange(
  rec: Recording,
  span: RepairSpan,
  leadSec: number,
  tailSec: number,
  durationSec?: number,
): Promise<{ from: number; to: number; header: string }> {
  const fromNpt = await spanStartNpt(rec, span);
  return rangeFor({ ...span, fromNpt }, leadSec, tailSec, durationSec);
}
