/**
 * How much of the content a recording holds. Inside a track, gaps between the first and the
 * last stored packet are counted exactly. When meta.json knows the duration the origin announced
 * (file-backed content), a head or tail the recording never got (a viewer stopped early, a crash)
 * counts as missing too: estimated from the track's packet rate over the seconds not covered.
 * Slack of END_SLACK_SEC at each end: the last packet of a 20 s clip sits a frame before 20 s.
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

export function trackCompleteness(
  t: CountedTrack,
  durationSec: number | undefined,
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
      if (start > HEAD_SLACK_SEC) headPackets = Math.max(1, Math.round(start * rate));
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

export function completenessOf(rec: Recording): Completeness {
  const duration = rec.meta.live ? undefined : rec.meta.durationSec;
  const tracks = rec.tracks.map((t) => trackCompleteness(t, duration));
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
