/**
 * One track of a playout: a bounded read-ahead queue over the recording's packets (refilled
 * asynchronously), where the track is on the media clock, and its sender-report counters.
 */
import type { StoredPacket } from '../store/reader.js';
import type { ChunkReader } from './chunk-cache.js';
import { TrackQueue } from './track-queue.js';

/**
 * Read-ahead per track, in media time: fill up to READ_AHEAD_SEC beyond the next packet due
 * (at most MAX_QUEUED packets); the playout refills once less than REFILL_BELOW_SEC is queued.
 * Counted in time, not packets, so a high-rate track never starves between refills.
 */
export const READ_AHEAD_SEC = 0.5;
export const REFILL_BELOW_SEC = 0.25;
const MAX_QUEUED = 8192;

export class TrackCursor extends TrackQueue<StoredPacket> {
  eof: boolean;
  filling: Promise<void> | undefined;
  /** Running maximum of media time sent (B-frames go out right after their predecessor). */
  maxNpt = -Infinity;

  constructor(
    index: number,
    clockRate: number,
    private readonly reader: ChunkReader | undefined,
    readonly ssrc: number | undefined,
    /** RTP time of the playout's start npt on this track. */
    readonly rtptimeAtStart: number | undefined,
  ) {
    super(index, clockRate);
    this.eof = reader === undefined;
  }

  /** Seconds of media queued beyond the next packet due. */
  get queuedSec(): number {
    const first = this.queue[this.head];
    const last = this.queue[this.queue.length - 1];
    return first && last ? last.npt - first.npt : 0;
  }

  /** Whether the read-ahead wants topping up. */
  get low(): boolean {
    return !this.eof && this.queuedSec < REFILL_BELOW_SEC;
  }

  /** When the next packet is due, in npt seconds. */
  nextDue(): number | undefined {
    const p = this.peek();
    return p === undefined ? undefined : Math.max(this.maxNpt, p.npt);
  }

  /** Reads ahead READ_AHEAD_SEC of media (one fill at a time); stops after `endNpt`. */
  fill(endNpt: number | undefined, onError: (err: Error) => void): Promise<void> {
    const reader = this.reader;
    if (this.eof || this.filling || !reader) return this.filling ?? Promise.resolve();
    this.filling = (async () => {
      this.compact();
      while (this.queue.length < MAX_QUEUED && this.queuedSec < READ_AHEAD_SEC) {
        const packets = await reader.next();
        if (!packets) {
          this.eof = true;
          break;
        }
        for (const p of packets) {
          if (endNpt !== undefined && p.npt > endNpt) {
            this.eof = true;
            break;
          }
          this.queue.push(p);
        }
        if (this.eof) break;
      }
    })()
      .catch((err: unknown) => {
        this.eof = true;
        onError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.filling = undefined;
      });
    return this.filling;
  }
}

/** Packets go out this much before their time (players buffer; timers are coarse). */
export const LEAD_MS = 20;
/** A playout's RTCP sender reports, one per track this often. */
export const SR_INTERVAL_MS = 1000;
/**
 * Fast start: a PLAY's first second of media goes out ahead of the clock, and the playout then
 * stays that far ahead of it (players buffer it).
 */
export const FAST_START_LEAD_MS = 1000;
/**
 * A UDP viewer's fast start is paced: nothing tells seamd what the path to it can take, and a
 * second of media at once can overflow its receive buffer (a 16 Mbit/s stream's second is ~2 MB;
 * Linux's default buffer is 208 KiB). The lead grows while the playout sends at this multiple of
 * real time, so the first second is ahead after a third of a second.
 */
export const UDP_FAST_START_SPEED = 4;
/**
 * The lead grows by at most this much wall time's worth per wake-up: a wake-up that comes late
 * (a busy core) sends the media that fell due meanwhile, not a bigger burst on top of it.
 */
export const RAMP_STEP_MAX_MS = 10;

/**
 * A playout at its full lead sleeps at least this long between wake-ups when the lead allows it
 * (a packet then goes out between BATCH_MS and nothing less than its lead early, never less
 * than LEAD_MS): at 25 frames/s a wake-up sends a frame and the audio beside it instead of
 * waking again for every audio packet between frames. Below a frame's interval, so a wake-up's
 * burst stays about a frame, as without batching.
 */
export const BATCH_MS = 35;
/** The longest a playout sleeps between wake-ups, even with nothing due. */
export const MAX_SLEEP_MS = 50;

/** How far ahead of the clock a playout sends: `maxMs`, reached at `speed` times real time. */
export interface LeadPlan {
  readonly maxMs: number;
  /** Infinity: the whole lead at once (TCP's flow control paces it). */
  readonly speed: number;
}

/** TCP: a second at once; UDP: a second at UDP_FAST_START_SPEED; without fast start: LEAD_MS. */
export function leadFor(fastStart: boolean, reliable: boolean): LeadPlan {
  if (!fastStart) return { maxMs: LEAD_MS, speed: Infinity };
  return { maxMs: FAST_START_LEAD_MS, speed: reliable ? Infinity : UDP_FAST_START_SPEED };
}

/** The lead after `elapsedMs` more of wall time at `leadMs` (the clock runs at 1, sending at `speed`). */
export function grownLead(plan: LeadPlan, leadMs: number, elapsedMs: number): number {
  if (leadMs >= plan.maxMs) return plan.maxMs;
  if (plan.speed === Infinity) return plan.maxMs;
  const step = Math.min(Math.max(0, elapsedMs), RAMP_STEP_MAX_MS) * (plan.speed - 1);
  return Math.min(plan.maxMs, leadMs + step);
}

/**
 * How long the pump sleeps (ms) when its next packet enters the horizon in `gapMs` of media
 * time (Infinity: nothing queued). While the lead grows the horizon moves at the plan's speed;
 * at the full lead it moves with the clock, and the pump sleeps at least min(BATCH_MS, lead −
 * LEAD_MS): a packet may go out that much later than its lead allows and is still LEAD_MS early.
 */
export function sleepMs(plan: LeadPlan, leadMs: number, gapMs: number): number {
  if (gapMs === Infinity) return MAX_SLEEP_MS;
  if (leadMs < plan.maxMs) return Math.min(MAX_SLEEP_MS, Math.max(1, gapMs / plan.speed));
  const batch = Math.min(BATCH_MS, leadMs - LEAD_MS);
  return Math.min(MAX_SLEEP_MS, Math.max(1, gapMs, batch));
}
