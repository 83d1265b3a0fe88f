/**
 * The merge half of the Seamer: shared state, and what happens to an aligned leg's packet
 * (mapped into canonical space; first arrival wins; a leg aligned by payload fills a hole only
 * where its mapping is verified, see guard.ts, and all its duplicates are checked against their
 * canonical twins). seamer.ts adds legs, alignment and the public API.
 */
import { rtpTimestamp, setRtpSeq, setRtpSsrc, setRtpTimestamp } from '../protocol/rtp/rtp.js';
import { tsClose, tsSlackFor } from './aligner.js';
import { FILL_DROP, FILL_NOW, MappingGuard } from './guard.js';
import { payloadHash } from './payload-hash.js';
import {
  ALIGNED,
  EventBuffer,
  MISMATCH_LIMIT,
  resolveOptions,
  type Aligning,
  type SeamLeg,
  type LegTrack,
  type SeamerOptions,
} from './seam-types.js';
import { ACCEPT, DUPLICATE, LATE, TrackSequencer } from './sequencer.js';

export abstract class SeamMerge {
  /** Options with defaults applied. */
  protected readonly o: ReturnType<typeof resolveOptions>;
  protected readonly seqs: TrackSequencer[] = [];
  protected readonly canonSsrc: number[] = [];
  /** Per track, legs aligning on it. */
  protected readonly aligning: Aligning[][] = [];
  protected readonly alignQueue: Aligning[] = [];
  protected readonly legs = new Map<string, SeamLeg>();
  /** The same legs as an array (iterated per packet: no iterator object). */
  protected legList: SeamLeg[] = [];
  /** Per track, timestamps this close (mapped) count as equal (tsSlackFor its clock rate). */
  protected readonly slack: number[] = [];
  /** Per track, the aligned legs that define canonical space (no guard), and the legs with a
   * guard there: recounted whenever a leg's alignment or guard changes (noteLegs), not per
   * packet. */
  protected readonly trusted: number[] = [];
  protected guardedOn: Aligning[][] = [];

  protected readonly events = new EventBuffer();
  protected readonly out = this.events.out;

  constructor(opts: SeamerOptions) {
    const o = (this.o = resolveOptions(opts));
    for (let t = 0; t < o.tracks; t++) {
      this.seqs.push(new TrackSequencer(t, o.sequencer, this.events));
      this.canonSsrc.push(NaN);
      this.aligning.push([]);
      this.slack.push(tsSlackFor(o.clockRates[t] ?? 90000));
      this.trusted.push(0);
      this.guardedOn.push([]);
    }
  }

  /** After a leg was aligned, realigned or removed: recounts `trusted` and `guardedOn` (new
   * arrays: a loop over the old ones, e.g. in accept, is not disturbed). */
  protected noteLegs(): void {
    for (let t = 0; t < this.o.tracks; t++) {
      let trusted = 0;
      const guarded: Aligning[] = [];
      for (const leg of this.legList) {
        const lt = leg.tracks[t];
        if (lt?.status !== ALIGNED) continue;
        if (lt.guard === undefined) trusted++;
        else guarded.push({ leg, lt, track: t });
      }
      this.trusted[t] = trusted;
      this.guardedOn[t] = guarded;
    }
  }

  /**
   * An aligned leg's packet: map, then first arrival wins. A leg aligned by payload fills a hole
   * only where its mapping is verified (guard.ts); its duplicates are all checked.
   */
  protected forward(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    e: number,
    packet: Buffer,
    start: number,
    end: number,
    now: number,
  ): void {
    const seq = this.seqs[track] as TrackSequencer;
    const c = e + lt.seqOffset;
    if (c < lt.floor) {
      lt.late++;
      return;
    }
    const cls = seq.classify(c);
    const g = lt.guard;
    if (cls === LATE) {
      lt.late++;
      return;
    }
    if (cls === DUPLICATE) {
      lt.duplicates++;
      if (g === undefined || e < lt.fromExt) return; // nothing to check
    } else if (g !== undefined) {
      if (e < lt.fromExt) {
        lt.dropped++;
        return;
      }
      // No leg that defines canonical space is aligned here to deliver the twins a check needs:
      // this leg carries the track on the mapping it has (as the reference would). (A leg with
      // a guard is not trusted itself: any trusted leg aligned here is another one.)
      if (e > g.hi && this.trusted[track] === 0) {
        g.trust(e);
        this.releaseWaiting(l, lt, track, now);
      }
    }
    // Every packet left is hashed, here and once (one call site keeps this function small
    // enough for the optimizer): a first arrival for the history, a guarded leg's copy for its
    // check. A filler that waits is checked against its twin by this hash, so the push that
    // outputs the twin does not pay for it.
    const h = payloadHash(packet, start, end);
    if (g === undefined) {
      this.accept(l, lt, track, c, packet, start, end, h, now);
    } else if (cls === DUPLICATE) {
      this.checked(l, lt, track, e, h, this.twinAgrees(lt, track, c, packet, h), now);
    } else {
      const v = g.filler(e, packet, start, end, h, now);
      if (v === FILL_NOW) this.accept(l, lt, track, c, packet, start, end, h, now);
      else if (v === FILL_DROP) lt.dropped++;
    }
  }

  /** Rewrites an aligned leg's packet (payload hash h) into canonical space and merges it (it
   * was ACCEPT). */
  protected accept(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    c: number,
    packet: Buffer,
    start: number,
    end: number,
    h: number,
    now: number,
  ): void {
    const seq = this.seqs[track] as TrackSequencer;
    const ts = (rtpTimestamp(packet) + lt.tsOffset) >>> 0;
    setRtpSeq(packet, c);
    setRtpTimestamp(packet, ts);
    setRtpSsrc(packet, this.canonSsrc[track] ?? 0);
    lt.contributed++;
    seq.accept(c, ts, h, packet, l.name, now);
    const waiting = this.aligning[track] as Aligning[];
    if (waiting.length > 0) this.notifyCanonical(waiting, seq, c, h);
    const guarded = this.guardedOn[track] as Aligning[];
    for (let k = 0; k < guarded.length; k++) {
      const { leg: o, lt: ot } = guarded[k] as Aligning;
      const w = ot.guard?.waitingCount ? ot.guard.take(c - ot.seqOffset) : undefined;
      if (w === undefined) continue;
      // A leg ahead of canonical space held this packet back: now it can be checked.
      ot.duplicates++;
      this.checked(o, ot, track, w.e, w.hash, this.twinAgrees(ot, track, c, w.packet, w.hash), now);
    }
  }

  /** Does the leg's packet carry the payload and (mapped) timestamp of canonical packet c? */
  protected twinAgrees(lt: LegTrack, track: number, c: number, packet: Buffer, h: number): boolean {
    const seq = this.seqs[track] as TrackSequencer;
    const s = c & seq.mask;
    if (seq.hash[s] !== h) return false;
    const ts = (rtpTimestamp(packet) + lt.tsOffset) >>> 0;
    return tsClose(seq.ts[s] ?? 0, ts, this.slack[track] ?? 0);
  }

  /** A checked packet of a guarded leg: widen the verified span and fill what it now covers, or
   * close it (and realign after MISMATCH_LIMIT disagreements in a row). */
  protected checked(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    e: number,
    h: number,
    ok: boolean,
    now: number,
  ): void {
    const g = lt.guard as MappingGuard;
    if (!ok) {
      g.broken(e);
      if (++lt.bad >= MISMATCH_LIMIT) this.realign(l, lt, track, lt.ssrc, 'mismatch');
      return;
    }
    lt.bad = 0;
    g.matched(e, h);
    this.releaseWaiting(l, lt, track, now);
  }

  /** Fills with the leg's waiting packets that its verified span now covers. */
  private releaseWaiting(l: SeamLeg, lt: LegTrack, track: number, now: number): void {
    const g = lt.guard as MappingGuard;
    const seq = this.seqs[track] as TrackSequencer;
    for (let w = g.nextReleasable(); w !== undefined; w = g.nextReleasable()) {
      const c = w.e + lt.seqOffset;
      const cls = seq.classify(c);
      if (cls === ACCEPT) this.accept(l, lt, track, c, w.packet, w.start, w.end, w.hash, now);
      else if (cls === DUPLICATE) lt.duplicates++;
      else lt.late++;
    }
  }

  protected othersAligned(l: SeamLeg, track: number): boolean {
    const legs = this.legList;
    for (let k = 0; k < legs.length; k++) {
      const o = legs[k] as SeamLeg;
      if (o !== l && o.tracks[track]?.status === ALIGNED) return true;
    }
    return false;
  }

  protected notifyCanonical(waiting: Aligning[], seq: TrackSequencer, c: number, h: number): void {
    for (const a of waiting) {
      const p = a.lt.pending;
      if (p === undefined || p.result !== undefined) continue;
      if (p.onCanonical(c, h, seq)) this.alignQueue.push(a);
    }
  }

  /** A leg's guard goes (realign, removal): its waiting fillers count as dropped. */
  protected dropGuard(lt: LegTrack): void {
    lt.dropped += (lt.guard?.dropped ?? 0) + (lt.guard?.waitingCount ?? 0);
    lt.guard = undefined;
    lt.fromExt = -Infinity;
  }

  /** Forget a leg's mapping on a track; its next packet starts alignment from scratch. */
  protected abstract realign(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    ssrc: number,
    reason: 'ssrc-change' | 'mismatch',
  ): void;
}
