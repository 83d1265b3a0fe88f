/**
 * How much of the content a recording holds. Inside a track, gaps between the first and the
 * last stored packet are counted exactly. When meta.json knows the duration the origin announced
 * (file-backed content), a head or tail the recording never got (a viewer stopped early, a crash)
 * counts as missing too: estimated from the track's packet rate over the seconds not covered.
 * Slack of END_SLACK_SEC at each end: the last packet of a 20 s clip sits a frame before 20 s.
 * Completeness from npt X (what a viewer starting at X gets) counts from the stored packet at or
 * before X (the npt seek) to the end: gaps after it, the tail, and the head only if X lies before
 * the first stored packet.
 */
import type { Recording, RecordingTrack } from './reader.js';

export const END_SLACK_SEC = 0.5;
/**
 * npt 0 is exact (meta startRtpTime, else the first packet), so a first packet later than this
 * means packets are missing before it (repair fills them: src/repair/plan.ts).
 */
export const HEAD_SLACK_SEC = 0.001;

export interface TrackCompleteness {
  readonly received: number;
  /** Missing inside the stored span (the gap map). */
  readonly gapPackets: number;
  /** Estimated packets missing before the first / after the last stored packet. */
  readonly headPackets: number;
  readonly tailPackets: number;
  /** received / (received + all missing), in percent, floored to 4 decimals. */
  readonly percent: number;
}

export interface Completeness {
  readonly received: number;
  readonly missing: number;
  readonly percent: number;
  /** Nothing missing at all: no gaps, no head, no tail. */
  readonly whole: boolean;
  readonly tracks: readonly TrackCompleteness[];
}

/** received / expected in percent, floored to 4 decimals (100 only when nothing is missing). */
export function percentOf(received: number, expected: number): number {
  if (expected === 0) return 0;
  return Math.floor((received / expected) * 1e6 + 1e-6) / 1e4;
}

/** What completeness needs of a track: a RecordingTrack, or a recording's in-memory state. */
export type CountedTrack = Pick<
  RecordingTrack,
  'count' | 'firstExt' | 'durationSec' | 'missing' | 'nptOf'
>;

/** What completeness from an npt needs of a track: the gap map and the npt seek too. */
export type SeekableTrack = CountedTrack & Pick<RecordingTrack, 'lastExt' | 'gaps' | 'seekNpt'>;

/** `fromSec`: only the head between it and the first stored packet counts as missing. */
export function trackCompleteness(
  t: CountedTrack,
  durationSec: number | undefined,
  fromSec = 0,
): TrackCompleteness {
  const gapPackets = t.missing();
  let headPackets = 0;
  let tailPackets = 0;
  const first = t.firstExt;
  if (durationSec !== undefined && durationSec > 0) {
    if (first === undefined) {
      headPackets = 1; // nothing at all: certainly incomplete, size unknown
    } else {
      const start = Math.max(0, t.nptOf(first) ?? 0);
      const end = t.durationSec;
      const span = Math.max(end - start, 1e-3);
      const rate = (t.count + gapPackets) / span;
      const head = start - Math.max(0, fromSec);
      if (head > HEAD_SLACK_SEC) headPackets = Math.max(1, Math.round(head * rate));
      const tail = durationSec - end;
      if (tail > END_SLACK_SEC) tailPackets = Math.max(1, Math.round(tail * rate));
    }
  }
  const missing = gapPackets + headPackets + tailPackets;
  return {
    received: t.count,
    gapPackets,
    headPackets,
    tailPackets,
    percent: percentOf(t.count, t.count + missing),
  };
}

/** Completeness of a track from npt `fromSec` to its end. */
export function trackCompletenessFrom(
  t: SeekableTrack,
  durationSec: number | undefined,
  fromSec: number,
): TrackCompleteness {
  const all = trackCompleteness(t, durationSec, fromSec);
  const first = t.firstExt;
  const last = t.lastExt;
  const from = fromSec > 0 ? t.seekNpt(fromSec) : undefined;
  if (first === undefined || last === undefined || from === undefined || from <= first) return all;
  let gapPackets = 0;
  for (const [a, b] of t.gaps()) if (b >= from) gapPackets += b - Math.max(a, from) + 1;
  const received = last - from + 1 - gapPackets;
  const { tailPackets } = all;
  const percent = percentOf(received, received + gapPackets + tailPackets);
  return { received, gapPackets, headPackets: 0, tailPackets, percent };
}

/** The whole recording's completeness, or (`fromSec` > 0) that of its part from that npt on. */
export function completenessOf(rec: Recording, fromSec = 0): Completeness {
  const duration = rec.meta.live ? undefined : rec.meta.durationSec;
  const tracks = rec.tracks.map((t) => trackCompletenessFrom(t, duration, fromSec));
  let received = 0;
  let missing = 0;
  for (const t of tracks) {
    received += t.received;
    missing += t.gapPackets + t.headPackets + t.tailPackets;
  }
  return {
    received,
    missing,
    percent: percentOf(received, received + missing),
    whole: missing === 0 && received > 0,
    tracks,
  };
}
