/**
 * Per-track receiver statistics for the RTCP receiver reports a leg sends upstream
 * (RFC 3550 §6.4.1, appendix A.1 / A.3 / A.8). Pure: arrival times are passed in (ms).
 */
import type { ReportBlock } from '../protocol/rtp/rtcp.js';
import { ntpMiddle32 } from '../protocol/rtp/rtcp.js';
import { rtpSeq, rtpSsrc, rtpTimestamp } from '../protocol/rtp/rtp.js';

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiverStats {
  /** SSRC of the media sender, from the first RTP packet (or the SETUP answer's ssrc=). */
  ssrc: number | undefined;
  private readonly clockRate: number;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  /** Packets received (duplicates included, as RFC 3550 A.3 counts them). */
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private started = false;
  private jitter = 0;
  private lastTransit: number | undefined;
  private lastSr: { middle: number; arrivalMs: number } | undefined;

  constructor(clockRate: number, ssrc?: number) {
    this.clockRate = clockRate > 0 ? clockRate : 90000;
    this.ssrc = ssrc;
  }

  /** Extended highest sequence number received (cycles + max seq). */
  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.started ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  onRtp(packet: Buffer, arrivalMs: number): void {
    if (packet.length < 12) return;
    const ssrc = rtpSsrc(packet);
    const seq = rtpSeq(packet);
    if (!this.started || ssrc !== this.ssrc) {
      this.restart(ssrc, seq);
    } else {
      const delta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
      if (delta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
        this.maxSeq = seq;
      } else if (delta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // a very large jump: the sender restarted its numbering
        this.restart(ssrc, seq);
      }
      // else: duplicate or reordered packet, counted below
    }
    this.received++;
    this.updateJitter(rtpTimestamp(packet), arrivalMs);
  }

  /** Remember the sender report (LSR/DLSR for the next receiver report). */
  onSenderReport(ntpSec: number, ntpFrac: number, arrivalMs: number): void {
    this.lastSr = { middle: ntpMiddle32(ntpSec, ntpFrac), arrivalMs };
  }

  /** The report block for this interval (undefined before any RTP); resets the interval. */
  reportBlock(nowMs: number): ReportBlock | undefined {
    if (!this.started || this.ssrc === undefined) return undefined;
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval > 0 && lostInterval > 0
        ? Math.min(255, Math.floor((lostInterval * 256) / expectedInterval))
        : 0;
    const dlsr = this.lastSr
      ? Math.max(
          0,
          Math.min(0xffffffff, Math.round(((nowMs - this.lastSr.arrivalMs) / 1000) * 65536)),
        )
      : 0;
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: expected - this.received,
      highestSeq: this.extendedMax >>> 0,
      jitter: Math.min(0xffffffff, Math.floor(this.jitter)),
      lsr: this.lastSr?.middle ?? 0,
      dlsr,
    };
  }

  private restart(ssrc: number, seq: number): void {
    this.ssrc = ssrc;
    this.started = true;
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.cycles = 0;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.jitter = 0;
    this.lastTransit = undefined;
  }

  /** RFC 3550 A.8 interarrival jitter, in timestamp units. */
  private updateJitter(timestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs / 1000) * this.clockRate;
    const transit = arrival - timestamp;
    if (this.lastTransit !== undefined) {
      let d = Math.abs(transit - this.lastTransit);
      // timestamps wrap at 2^32; a wrapped difference is not a real jump
      if (d > 0x80000000) d = Math.abs(d - 0x100000000);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }
}
