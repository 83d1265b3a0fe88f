/**
 * From a recording's gap map to the npt spans a repair leg asks the origin for (pure).
 *
 * A gap of one track lies between two stored packets; its npt span is from the npt of the
 * packet before to the npt of the packet after (per track, from the recording's index). A head
 * (packets missing before the first stored one) spans from 0 to the first stored packet, a tail
 * from the last stored packet to the duration the SDP announced. Spans of all tracks are sorted
 * and merged when they overlap or lie within `coalesceSec` of each other: the origin snaps a
 * Range start back to a keyframe anyway, so two nearby spans fetched apart would fetch the
 * stretch between them twice and cost a session set-up each.
 *
 * The Range asked extends a span by `leadSec` before and `tailSec` after: the repair leg needs
 * stored packets on both sides of a gap to align itself by payload (and B-frame reordering puts
 * some packets of a gap slightly before the packet that precedes it in sequence order).
 */

/** One gap of one track, in canonical ext and npt (seconds). */
export interface TrackGap {
  track: number;
  /** First and last missing ext, inclusive. A head's fromExt / a tail's toExt are unknown (NaN). */
  fromExt: number;
  toExt: number;
  /** npt of the stored packet before the gap (0 for a head). */
  fromNpt: number;
  /** npt of the stored packet after the gap (the duration for a tail). */
  toNpt: number;
  kind: 'gap' | 'head' | 'tail';
}

export interface RepairSpan {
  /** npt span covering the gaps (not yet widened by lead/tail). */
  fromNpt: number;
  toNpt: number;
  gaps: TrackGap[];
  /** Tracks with something missing in the span, ascending: the repair leg sets up only these. */
  tracks: number[];
  /** Missing packets known by ext (heads and tails not counted: their size is unknown). */
  packets: number;
}

export interface SpanOptions {
  /** Merge spans closer than this (seconds). */
  coalesceSec: number;
  /** Never merge beyond this span length (seconds); Infinity = no limit. */
  maxSpanSec?: number;
}

function gapPackets(g: TrackGap): number {
  return g.kind === 'gap' ? g.toExt - g.fromExt + 1 : 0;
}

/** Spans for `gaps` (any order), merged per `opts`, ascending by start. */
export function planSpans(gaps: readonly TrackGap[], opts: SpanOptions): RepairSpan[] {
  const sorted = [...gaps].sort((a, b) => a.fromNpt - b.fromNpt || a.toNpt - b.toNpt);
  const spans: RepairSpan[] = [];
  const maxSpan = opts.maxSpanSec ?? Infinity;
  for (const g of sorted) {
    const from = Math.min(g.fromNpt, g.toNpt);
    const to = Math.max(g.fromNpt, g.toNpt);
    const cur = spans[spans.length - 1];
    // A head is fetched on its own: from 0, unranged, at real time (see rangeFor).
    const head = g.kind === 'head' || cur?.gaps.some((x) => x.kind === 'head') === true;
    if (
      cur &&
      !head &&
      from - cur.toNpt <= opts.coalesceSec &&
      Math.max(cur.toNpt, to) - cur.fromNpt <= maxSpan
    ) {
      cur.toNpt = Math.max(cur.toNpt, to);
      cur.gaps.push(g);
      if (!cur.tracks.includes(g.track)) cur.tracks.push(g.track);
      cur.tracks.sort((a, b) => a - b);
      cur.packets += gapPackets(g);
    } else {
      spans.push({
        fromNpt: from,
        toNpt: to,
        gaps: [g],
        tracks: [g.track],
        packets: gapPackets(g),
      });
    }
  }
  return spans;
}

/** Formats npt seconds for a Range header (milliseconds, no trailing zeros). */
export function nptText(seconds: number): string {
  return String(Math.round(Math.max(0, seconds) * 1000) / 1000);
}

/**
 * Added to a Range start. Measured with gst-rtsp-server 1.22 (keyframe every second at 5.0 s):
 * `npt=5.02-` .. `npt=5.9-` are answered `npt=5-` with every timestamp right; `npt=5-` exactly is
 * answered `npt=4.99229025-` (the audio frame before) and sends the previous second's frames
 * stamped as if they were at 4.992 (clipped). A gap inside a keyframe has the keyframe's npt as
 * its start, so starts are nudged past it (less than half a frame of video or audio).
 */
export const RANGE_START_NUDGE_SEC = 0.01;

/**
 * The Range to ask for a span: `npt=<from - lead (+ nudge)>-<to + tail>`, clamped to
 * [0, duration]. An explicit end (gst-rtsp-server keeps an earlier PLAY's end otherwise; repair
 * legs PLAY once), except for a span with a head (`npt=0-`) and one that reaches the duration.
 */
export function rangeFor(
  span: Pick<RepairSpan, 'fromNpt' | 'toNpt'> & { gaps?: readonly Pick<TrackGap, 'kind'>[] },
  leadSec: number,
  tailSec: number,
  durationSec?: number,
): { from: number; to: number; header: string } {
  const start = span.fromNpt - leadSec;
  const from = start > 0 ? start + RANGE_START_NUDGE_SEC : 0;
  let to = span.toNpt + tailSec;
  if (durationSec !== undefined && durationSec > 0) to = Math.min(to, durationSec);
  if (to <= from) to = from + 0.001;
  // A head needs the stream exactly as a playback from the start sends it: with an end, the
  // origin prepends parameter sets (measured). Open-ended; the leg stops once it has it all.
  if (span.gaps?.some((g) => g.kind === 'head')) return { from: 0, to, header: 'npt=0-' };
  // To the end: open-ended. The origin's npt may be a little off the recording's, and an end
  // a hair before the last packet's time would leave it out.
  const end = durationSec !== undefined && durationSec > 0 && to >= durationSec;
  return { from, to, header: `npt=${nptText(from)}-${end ? '' : nptText(to)}` };
}
