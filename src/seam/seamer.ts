/**
 * The per-source merge engine: one Seamer per source, all its tracks. Legs push raw RTP
 * packets; the Seamer normalizes each leg into canonical space (aligner.ts), merges per track
 * with first arrival wins (sequencer.ts) and returns events. Pure and clock-injected, so it
 * can be tested packet by packet: no sockets, files or timers; `nowMs` comes with every call.
 *
 * Canonical space: the first leg ever added is the reference; on each track its extended
 * sequence numbers and timestamps ARE canonical (offset 0) and its first SSRC becomes the
 * track's canonical SSRC for the source's life. Every other leg gets a mapping per track,
 * (seqOffset on extended numbers, tsOffset mod 2^32), from payload-hash alignment (optionally
 * proposed by RTP-Info). Until aligned a leg's packets are held; once aligned they are replayed
 * through the merge and may fill holes where the mapping is verified.
 *
 * Ownership: packets pushed become the Seamer's. Output packets are the pushed buffers with
 * sequence number, timestamp and SSRC rewritten in place (zero copy); unaligned legs' packets
 * and, with a reorder window, not-yet-released packets are kept until used.
 *
 * Returned events: `push` and `tick` return the SAME array every call, and the 'packet' event
 * objects in it are reused too. Consume them (or copy what you keep) before the next call, and
 * do not call push/tick from inside that loop (e.g. from a synchronous event listener).
 *
 * Legs aligned by payload are checked as they go (merge.ts, guard.ts): every duplicate's payload
 * hash and mapped timestamp are compared with the canonical packet it duplicates, and such a
 * leg fills a hole only where runs of matching packets before and after it verify the mapping
 * there (its packets from before its confirming run never; past its last checked packet they
 * wait). A first arrival is output at once only from a leg that defines canonical space, or
 * where nobody could check it. Three disagreements in a row → 'realign' (reason 'mismatch'):
 * the origin moved under the leg without an SSRC change (a seek), or a rare wrong alignment
 * (see aligner.ts) is undone.
 */
import { RuntimeError } from '../errors.js';
import {
  rtpPayloadEnd,
  rtpPayloadOffset,
  rtpSeq,
  rtpSsrc,
  rtpTimestamp,
} from '../protocol/rtp/rtp.js';
import {
  DUPLICATE_HELD,
  HELD,
  PendingAlignment,
  TOO_OLD,
  tsSlackFor,
  type AlignResult,
} from './aligner.js';
import { MappingGuard } from './guard.js';
import { payloadHash } from './payload-hash.js';
import {
  ALIGNED,
  FAILED,
  IDLE,
  newLegTrack,
  PENDING,
  type Aligning,
  type SeamLeg,
  type LegStats,
  type LegTrack,
  type SeamEvent,
} from './seam-types.js';
import { SeamMerge } from './merge.js';
import { seqDelta, tsAdd } from '../protocol/rtp/seq.js';
import type { TrackSequencer } from './sequencer.js';

export type { LegStats, PacketEvent, SeamerOptions, SeamEvent } from './seam-types.js';

export class Seamer extends SeamMerge {
  private anyLegAdded = false;

  /**
   * Adds a leg. The first leg ever added is the reference. `hint` (per track, from PLAY's
   * RTP-Info) with `hintCanonical` (where canonical space is expected to be at those values)
   * proposes an offset that a short payload run must still confirm; without hintCanonical the
   * hint is not used.
   */
  addLeg(
    leg: string,
    hint?: Array<{ seq?: number; rtptime?: number } | undefined>,
    hintCanonical?: Array<{ ext: number; ts: number } | undefined>,
  ): void {
    if (this.legs.has(leg)) throw new RuntimeError('INVALID_STATE', `leg ${leg} already added`);
    const tracks: LegTrack[] = [];
    for (let t = 0; t < this.o.tracks; t++) tracks.push(newLegTrack());
    this.legs.set(leg, { name: leg, reference: !this.anyLegAdded, tracks, hint, hintCanonical });
    this.legList = [...this.legs.values()];
    this.anyLegAdded = true;
  }

  removeLeg(leg: string): void {
    const l = this.legs.get(leg);
    if (!l) return;
    l.tracks.forEach((lt, t) => {
      if (lt.status === PENDING) this.stopAligning(lt, t);
    });
    this.legs.delete(leg);
    this.legList = [...this.legs.values()];
    this.noteLegs();
  }

  /**
   * One packet of `leg` on `track`, arrived at `nowMs`. Hot path: for an aligned leg O(1)
   * amortized, no allocation. Returns the reused event array (see the file comment).
   */
  push(leg: string, track: number, packet: Buffer, nowMs: number): SeamEvent[] {
    this.events.begin();
    const l = this.legs.get(leg);
    if (l === undefined) return this.out;
    const lt = l.tracks[track];
    if (lt === undefined) throw new RangeError(`track ${track} outside 0..${this.o.tracks - 1}`);
    const start = packet.length >= 12 ? rtpPayloadOffset(packet) : -1;
    if (start < 0) {
      lt.dropped++;
      return this.out;
    }
    const end = rtpPayloadEnd(packet);

    const ssrc = rtpSsrc(packet);
    if (ssrc !== lt.ssrc) {
      if (lt.ssrc !== lt.ssrc) {
        lt.ssrc = ssrc;
      } else if (ssrc === lt.prevSsrc) {
        lt.dropped++; // a straggler from before the restart
        return this.out;
      } else {
        this.realign(l, lt, track, ssrc, 'ssrc-change');
      }
    }
    const e = lt.ext.extend(rtpSeq(packet));
    if (lt.status === IDLE) this.startAlignment(l, lt, track, e, packet, nowMs);
    if (lt.status === ALIGNED) {
      lt.guard?.expire(nowMs);
      this.forward(l, lt, track, e, packet, start, end, nowMs);
    } else if (lt.status === PENDING) {
      this.hold(l, lt, track, e, packet, start, end);
    } else {
      lt.dropped++;
    }
    if (this.alignQueue.length > 0) this.drainAlignQueue(nowMs);
    this.seqs[track]?.maintain(nowMs);
    return this.out;
  }

  /** Declares gaps that timed out and releases held packets (reorder window). Same array rule. */
  tick(nowMs: number): SeamEvent[] {
    this.events.begin();
    for (const l of this.legList) for (const lt of l.tracks) lt.guard?.expire(nowMs);
    for (const seq of this.seqs) seq.maintain(nowMs);
    return this.out;
  }

  canonicalSsrc(track: number): number | undefined {
    const s = this.canonSsrc[track];
    return s === undefined || s !== s ? undefined : s;
  }

  /** The highest canonical packet output on the track (for RTP-Info of viewers joining later). */
  lastOutput(track: number): { ext: number; seq: number; ts: number } | undefined {
    const seq = this.seqs[track];
    if (seq === undefined || seq.outExt < 0) return undefined;
    return { ext: seq.outExt, seq: seq.outExt & 0xffff, ts: seq.outTs };
  }

  legStats(leg: string): LegStats | undefined {
    const l = this.legs.get(leg);
    if (!l) return undefined;
    return {
      contributed: l.tracks.map((lt) => lt.contributed),
      duplicates: l.tracks.map((lt) => lt.duplicates),
      aligned: l.tracks.map((lt) => lt.status === ALIGNED),
      held: l.tracks.map((lt) => lt.pending?.held ?? 0),
      late: l.tracks.map((lt) => lt.late),
      dropped: l.tracks.map(
        (lt) => lt.dropped + (lt.pending?.evicted ?? 0) + (lt.guard?.dropped ?? 0),
      ),
    };
  }

  /** A leg's RTP timestamp in canonical space (e.g. its RTCP SR), if the leg is aligned. */
  mapTimestamp(leg: string, track: number, legTs: number): number | undefined {
    const lt = this.legs.get(leg)?.tracks[track];
    return lt?.status === ALIGNED ? tsAdd(legTs, lt.tsOffset) : undefined;
  }

  /** A leg's 16-bit sequence number in canonical space (e.g. its RTP-Info), if aligned. */
  mapSeq(leg: string, track: number, legSeq: number): number | undefined {
    const lt = this.legs.get(leg)?.tracks[track];
    return lt?.status === ALIGNED ? (legSeq + lt.seqOffset) & 0xffff : undefined;
  }

  // ---- internals ----

  /** First packet of a leg on a track (or the first after a restart): how does it map? */
  private startAlignment(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    e: number,
    packet: Buffer,
    now: number,
  ): void {
    const seq = this.seqs[track] as TrackSequencer;
    const othersAligned = this.othersAligned(l, track);
    if (seq.empty && !othersAligned) {
      // Canonical space of this track is not defined yet: the reference defines it; another
      // leg waits for the reference unless the reference is gone (or restarting).
      if (l.reference || lt.restart || !this.referenceWillDefine(track)) {
        this.alignAs(l, lt, track, 0, 0, 'reference', -Infinity);
      } else {
        this.beginAligning(l, lt, track, e, packet);
      }
    } else if (lt.restart && !othersAligned) {
      // The origin restarted and nobody else carries this track: continue canonical space
      // right after what was accepted last, timestamps advanced by the wall-clock gap.
      const c0 = seq.highest + 1;
      const rate = this.o.clockRates[track] ?? 90000;
      const ts0 = tsAdd(seq.topTs, Math.round(((now - seq.topTime) * rate) / 1000));
      const tsOffset = (ts0 - rtpTimestamp(packet)) >>> 0;
      this.alignAs(l, lt, track, c0 - e, tsOffset, 'reference', c0);
    } else {
      this.beginAligning(l, lt, track, e, packet);
    }
  }

  /** Is the reference leg still there and about to define this track with its first packet? */
  private referenceWillDefine(track: number): boolean {
    for (const o of this.legList) {
      if (!o.reference) continue;
      const rt = o.tracks[track];
      return rt !== undefined && rt.status === IDLE && !rt.restart;
    }
    return false;
  }

  private beginAligning(l: SeamLeg, lt: LegTrack, track: number, e: number, packet: Buffer): void {
    const p = new PendingAlignment(
      this.o.holdCapacity,
      this.o.alignRun,
      this.o.hintRun,
      tsSlackFor(this.o.clockRates[track] ?? 90000),
    );
    const hint = l.hint?.[track];
    const where = l.hintCanonical?.[track];
    if (!lt.restart && hint?.seq !== undefined && where !== undefined) {
      const hintExt = e + seqDelta(rtpSeq(packet), hint.seq);
      const tsOffset = hint.rtptime === undefined ? NaN : (where.ts - hint.rtptime) >>> 0;
      p.setHint(where.ext - hintExt, tsOffset);
    }
    lt.pending = p;
    lt.status = PENDING;
    (this.seqs[track] as TrackSequencer).retainIndex();
    (this.aligning[track] as Aligning[]).push({ leg: l, lt, track });
  }

  /** Leaves the aligning state (aligned, failed, removed or restarted). */
  private stopAligning(lt: LegTrack, track: number): void {
    const list = this.aligning[track] as Aligning[];
    const i = list.findIndex((a) => a.lt === lt);
    if (i >= 0) list.splice(i, 1);
    const q = this.alignQueue.findIndex((a) => a.lt === lt);
    if (q >= 0) this.alignQueue.splice(q, 1);
    (this.seqs[track] as TrackSequencer).releaseIndex();
    lt.dropped += lt.pending?.evicted ?? 0;
    lt.pending = undefined;
  }

  private hold(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    e: number,
    packet: Buffer,
    start: number,
    end: number,
  ): void {
    const p = lt.pending as PendingAlignment;
    const added = p.add(e, payloadHash(packet, start, end), rtpTimestamp(packet), packet);
    if (added === DUPLICATE_HELD) lt.duplicates++;
    else if (added === TOO_OLD) lt.dropped++;
    if (p.result !== undefined) return; // confirmed, waiting in the queue
    const seq = this.seqs[track] as TrackSequencer;
    if (added === HELD && p.onLegPacket(e, seq)) {
      this.alignQueue.push({ leg: l, lt, track });
    } else if (p.seen >= this.o.giveUp && seq.empty && !this.othersAligned(l, track)) {
      // Nothing ever defined this track (the reference never carried it): this leg does.
      p.result = {
        seqOffset: 0,
        tsOffset: 0,
        via: 'reference',
        fromExt: -Infinity,
        toExt: -Infinity,
      };
      this.alignQueue.push({ leg: l, lt, track });
    } else if (p.seen >= this.o.giveUp) {
      const reason = p.failureReason(seq.empty);
      lt.dropped += p.held;
      this.stopAligning(lt, track);
      lt.status = FAILED;
      this.out.push({ kind: 'unaligned', leg: l.name, track, reason });
    }
  }

  /** Confirmed alignments: announce, then replay the held packets through the merge (which may
   * confirm further legs: the queue runs until empty). */
  private drainAlignQueue(now: number): void {
    for (let a = this.alignQueue.shift(); a !== undefined; a = this.alignQueue.shift()) {
      const { leg: l, lt, track } = a;
      const p = lt.pending as PendingAlignment;
      const r = p.result as AlignResult;
      this.stopAligning(lt, track);
      this.alignAs(l, lt, track, r.seqOffset, r.tsOffset, r.via, -Infinity, r);
      p.forEachHeld((e, packet) => {
        if (lt.status !== ALIGNED) return;
        this.forward(l, lt, track, e, packet, rtpPayloadOffset(packet), rtpPayloadEnd(packet), now);
      });
    }
  }

  private alignAs(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    seqOffset: number,
    tsOffset: number,
    via: 'reference' | 'hint' | 'hash',
    floor: number,
    run?: { fromExt: number; toExt: number },
  ): void {
    lt.status = ALIGNED;
    lt.restart = false;
    lt.seqOffset = seqOffset;
    lt.tsOffset = tsOffset;
    lt.floor = floor;
    // A leg that defines canonical space is trusted; one aligned by payload is guarded.
    const guarded = via !== 'reference' && run !== undefined;
    lt.fromExt = guarded ? run.fromExt : -Infinity;
    lt.guard = guarded ? new MappingGuard(run.fromExt, run.toExt) : undefined;
    lt.bad = 0;
    this.noteLegs();
    if (this.canonSsrc[track] !== this.canonSsrc[track]) this.canonSsrc[track] = lt.ssrc;
    this.out.push({ kind: 'aligned', leg: l.name, track, seqOffset, tsOffset, via });
  }

  /** Forget a leg's mapping on a track; its next packet starts alignment from scratch. */
  protected realign(
    l: SeamLeg,
    lt: LegTrack,
    track: number,
    ssrc: number,
    reason: 'ssrc-change' | 'mismatch',
  ): void {
    this.out.push({ kind: 'realign', leg: l.name, track, reason });
    if (lt.status === PENDING) {
      lt.dropped += lt.pending?.held ?? 0;
      this.stopAligning(lt, track);
    }
    if (ssrc !== lt.ssrc) {
      lt.prevSsrc = lt.ssrc;
      lt.ssrc = ssrc;
    }
    lt.ext.reset();
    lt.status = IDLE;
    lt.restart = true;
    this.dropGuard(lt);
    this.noteLegs();
  }
}
