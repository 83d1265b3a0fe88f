/**
 * One track of a playout: a bounded read-ahead queue over the recording's packets (refilled
 * asynchronously), where the track is on the media clock, and its sender-report counters.
 */
import type { StoredPacket } from '../store/reader.js';
import type { ChunkReader } from './chunk-cache.js';

/**
 * Read-ahead per track, in media time: fill up to READ_AHEAD_SEC beyond the next packet due
 * (at most MAX_QUEUED packets); the playout refills once less than REFILL_BELOW_SEC is queued.
 * Counted in time, not packets, so a high-rate track never starves between refills.
 */
export const READ_AHEAD_SEC = 0.5;
export const REFILL_BELOW_SEC = 0.25;
const MAX_QUEUED = 8192;

export class TrackCursor {
  queue: StoredPacket[] = [];
  head = 0;
  eof: boolean;
  filling: Promise<void> | undefined;
  /** Running maximum of media time sent (B-frames go out right after their predecessor). */
  maxNpt = -Infinity;
  packets = 0;
  octets = 0;
  byeSent = false;

  constructor(
    readonly index: number,
    readonly clockRate: number,
    private readonly reader: ChunkReader | undefined,
    readonly ssrc: number | undefined,
    /** RTP time of the playout's start npt on this track. */
    readonly rtptimeAtStart: number | undefined,
  ) {
    this.eof = reader === undefined;
  }

  get available(): number {
    return this.queue.length - this.head;
  }

  peek(): StoredPacket | undefined {
    return this.queue[this.head];
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
      if (this.head > 0) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
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
/**
 * Fast start for a TCP viewer: a PLAY's first second of media goes out at once (TCP's flow
 * control paces it), and the playout then stays that far ahead of the clock (players buffer
 * it). A UDP viewer gets no lead: a second of media at once can overflow its receive buffer, and
 * nothing tells seamd what the path to it can take.
 */
export const FAST_START_LEAD_MS = 1000;

/** How far ahead of the clock a playout sends. */
export function leadFor(fastStart: boolean, reliable: boolean): number {
  return fastStart && reliable ? FAST_START_LEAD_MS : LEAD_MS;
}
