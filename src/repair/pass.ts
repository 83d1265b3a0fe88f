/**
 * One repair pass over a recording's spans: up to `legs` repair legs at once, each PLAYing the
 * span's Range (real time for a head, else at the pass's Speed) and matching what comes back
 * against the stored packets around it. Errors are logged (`repair.error`) and kept in the
 * outcome; a span whose content is gone at the origin ends the pass.
 */
import { isSeamdError } from '../errors.js';
import { logEvent } from '../events.js';
import type { Recording } from '../store/index.js';
import { fetchSpan, isGone, type SpanFetchResult } from './fetch.js';
import type { TrackMatcher } from '../store/matcher.js';
import { matchersFor, repairRange } from './plan.js';
import type { Logger } from 'pino';
import type { Leg } from '../upstream/leg.js';
import type { RepairSpan } from './spans.js';

export interface SpanOutcome {
  span: RepairSpan;
  /** The Range asked. */
  range: string;
  matchers: Map<number, TrackMatcher>;
  result?: SpanFetchResult;
  error?: unknown;
}

/** What a pass needs of the repair options (RepairOptions). */
export interface PassOptions {
  readonly leadSec: number;
  readonly tailSec: number;
  readonly speed: number;
}

/** What a pass needs of the repair's dependencies (RepairDeps). */
export interface PassDeps {
  readonly createLeg: (id: string, url: string) => Leg;
  readonly log: Logger;
  readonly signal?: AbortSignal | undefined;
}

export const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs the pass's spans, at most `legs` at once; never throws (errors go in the outcome). */
export async function runPass(
  rec: Recording,
  id: string,
  spans: readonly RepairSpan[],
  o: PassOptions,
  legs: number,
  attempts: number,
  deps: PassDeps,
): Promise<SpanOutcome[]> {
  const outcomes: SpanOutcome[] = [];
  const duration = rec.meta.live ? undefined : rec.meta.durationSec;
  // A retry starts earlier: the answers before may have begun with clipped timestamps.
  const lead = o.leadSec + 0.5 * attempts;
  let next = 0;
  let serial = 0;
  const worker = async (): Promise<void> => {
    while (next < spans.length && !deps.signal?.aborted) {
      const span = spans[next++] as RepairSpan;
      const range = await repairRange(rec, span, lead, o.tailSec, duration);
      // A head needs the stream as a plain playback from the start sends it: with Speed (as
      // with a Range end) the origin prepends parameter sets (measured). Real time for it.
      const speed = span.gaps.some((g) => g.kind === 'head') ? 1 : o.speed;
      const matchers = await matchersFor(rec, span, range, {
        rate: speed,
        run: 4,
        refLeadSec: 12,
        refTailSec: 2,
        durationSec: duration,
      });
      const outcome: SpanOutcome = { span, range: range.header, matchers };
      outcomes.push(outcome);
      try {
        // gst-rtsp-server now and then sends nothing at all to a session that set up only some
        // of the tracks (measured: 3 in 8 video-only PLAYs; never with every track): ask again
        // at once on a new leg with every track.
        for (let tries = 0; tries < 2; tries++) {
          const leg = deps.createLeg(`repair-${id}-${++serial}`, rec.meta.originUrl);
          outcome.result = await fetchSpan({
            leg,
            sdpIdentity: rec.meta.sdpIdentity,
            range: range.header,
            rangeSec: range.to - range.from,
            matchers,
            speed,
            firstPacketMs: 3000,
            ...(tries > 0 ? { setupTracks: rec.meta.tracks.map((t) => t.index) } : {}),
            signal: deps.signal,
          });
          if (outcome.result.endedBy !== 'no-media') break;
        }
      } catch (err) {
        outcome.error = err;
        const code = isSeamdError(err) ? err.code : undefined;
        logEvent(
          deps.log,
          'warn',
          'repair.error',
          { recording: id, range: range.header, code, err: errText(err) },
          'repair leg failed',
        );
        if (isGone(err)) next = spans.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(legs, spans.length) }, worker));
  return outcomes;
}
