/**
 * Reading what a repair needs from a recording: its gaps in npt (spans.ts plans them) and, for
 * one span, the stored packets around it that a repair leg aligns against (matcher.ts).
 */
import type { Recording, RecordingTrack } from '../store/index.js';
import { END_SLACK_SEC, HEAD_SLACK_SEC } from '../store/completeness.js';
import { tsDelta } from '../seam/seq.js';
import { TrackMatcher, type RefPacket } from './matcher.js';
import type { RepairSpan, TrackGap } from './spans.js';

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
 * Every gap of every track, plus a head / tail when the SDP announced a duration. Ends in
 * `skipEnds` (`<track>:head`, `<track>:tail`) were asked for in this run and found nothing.
 */
export async function gapsOf(
  rec: Recording,
  opts: { skipEnds?: ReadonlySet<string> } = {},
): Promise<TrackGap[]> {
  const out: TrackGap[] = [];
  const duration = rec.meta.live ? undefined : rec.meta.durationSec;
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
    // A lost first packet of the first frame has that frame's npt (0): it cannot be seen. While
    // there are gaps to repair anyway, the head is checked once (a short real-time leg from 0).
    const probeHead = t.gaps().length > 0;
    if ((firstNpt > HEAD_SLACK_SEC || probeHead) && !opts.skipEnds?.has(`${t.index}:head`)) {
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
    if (!opts.skipEnds?.has(`${t.index}:tail`) && (await tailMissing(t, media, duration))) {
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
