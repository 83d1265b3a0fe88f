/**
 * Wall-clock time of RTP packets from the sender's RTCP sender reports (RFC 3550 6.4.1): an SR
 * pairs an NTP time with the RTP timestamp of the same instant, so a packet's time is the SR's
 * NTP time plus its timestamp's distance from the SR's, over the clock rate. Until the first SR
 * the first packet's arrival time stands in for one (so the times do not jitter with the
 * network); a mapping implausibly far from the arrival time (an origin whose clock is off) is not
 * used. Pure: times come in as arguments.
 */
import { NTP_UNIX_OFFSET } from './rtcp.js';
import { tsDelta } from './seq.js';

/** A mapping further than this from the arrival time is not believed (ms). */
export const MAX_MAPPING_SKEW_MS = 10 * 60 * 1000;

/** ms since the Unix epoch of a 64-bit NTP timestamp (era 0, 1900-2036, then era 1). */
export function msFromNtp(sec: number, frac: number): number {
  // NTP era 1 begins 2036-02-07: seconds below the Unix offset are taken to be in it.
  const s = sec >= NTP_UNIX_OFFSET ? sec - NTP_UNIX_OFFSET : sec + 0x100000000 - NTP_UNIX_OFFSET;
  return s * 1000 + (frac / 0x100000000) * 1000;
}

export class WallClockMap {
  private srMs: number | undefined;
  private srTs = 0;
  private fromSr = false;

  constructor(readonly clockRate: number) {}

  /** Whether a sender report has been seen. */
  get mapped(): boolean {
    return this.fromSr;
  }

  /** A sender report of this track (its NTP and RTP time, in the packets' timestamp space). */
  onSenderReport(ntpSec: number, ntpFrac: number, rtpTimestamp: number): void {
    this.srMs = msFromNtp(ntpSec, ntpFrac);
    this.srTs = rtpTimestamp;
    this.fromSr = true;
  }

  /** Forgets the mapping (a new upstream session: another timestamp space). */
  reset(): void {
    this.srMs = undefined;
    this.fromSr = false;
  }

  /** The wall-clock time (ms since the epoch) of a packet with RTP timestamp `ts` that arrived at `arrivalMs`. */
  wallOf(ts: number, arrivalMs: number): number {
    if (this.srMs === undefined) {
      this.srMs = arrivalMs;
      this.srTs = ts;
      return arrivalMs;
    }
    const ms = this.srMs + (tsDelta(this.srTs, ts) / this.clockRate) * 1000;
    if (Math.abs(ms - arrivalMs) <= MAX_MAPPING_SKEW_MS) return ms;
    if (!this.fromSr) {
      // A timestamp jump (an origin's new stream): start over from this packet.
      this.srMs = arrivalMs;
      this.srTs = ts;
    }
    return arrivalMs;
  }
}
