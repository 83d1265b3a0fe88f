/**
 * Maps one repair leg's packets of one track onto a recording's canonical numbering (pure).
 *
 * The recording is the reference: its stored packets around the span (`ref`, canonical ext,
 * timestamp and whole packet). A repair leg has its own random SSRC / sequence / timestamp base,
 * and inside one upstream session a seek keeps counting sequence numbers but jumps timestamps,
 * so nothing is trusted but payloads:
 *
 * 1. Offsets: a leg packet whose payload hash occurs exactly once among the reference packets
 *    votes for seqOffset = refExt - legExt. An offset with `run` votes is confirmed.
 * 2. Anchors: leg packets whose twin at legExt + offset (confirmed) holds the same payload bytes.
 *    A ref that comes without its bytes (a recording being fed keeps only hashes in memory) is an
 *    anchor by hash first; the anchors a fill relies on are then read back (`read`) and compared
 *    byte for byte before anything is filled, and one that differs is never an anchor again.
 * 3. A leg packet that is not an anchor fills canonical ext legExt + o when the nearest anchors
 *    before and after it (in the leg's sequence) both have offset o, the canonical ext is one the
 *    recording misses, and both anchors predict the same canonical timestamp for it (within
 *    `tol`). Anchors that disagree mean a seek or a timestamp the origin clipped (packets before
 *    a Range start are stamped oddly): nothing between them is used. Before the first anchor
 *    (a head, or a gap right at the leg's start) or after the last (a tail) the nearest anchor
 *    and the nearest one of another frame on that side must agree.
 * 4. Timestamps: the origin stamps a `rate` (Speed) session's timestamps divided by the rate
 *    (measured with gst-rtsp-server 1.22), and audio after a seek is now and then a tick off. So
 *    the canonical timestamp is predicted from the nearest anchor, canonTs(anchor) +
 *    (legTs - legTs(anchor)) x rate, and snapped to the track's timestamp grid (the gcd of the
 *    stored packets' timestamp steps: 3600 for 25 fps video at 90 kHz, 1024 for AAC) when the
 *    prediction is within `tol` of a grid point. Audio timestamps from a file are on a grid only
 *    to a tick (1024 now and then 1023): then the step seen most is the grid and a repaired
 *    packet may be a tick off, as a rate-1 prediction may be (the origin's own rounding after a
 *    seek). Without any grid a rate-1 prediction is used as is; a rate > 1 one is not trusted
 *    (counted in `uncertainTs`, left for a rate-1 retry).
 *
 * The packet written is the leg's packet with the canonical sequence number, timestamp and SSRC
 * (the SSRC of the stored packets) put in; payload, marker and payload type are the origin's.
 */
import { rtpPayloadHash } from '../seam/payload-hash.js';
import {
  approximateGrid,
  gcd,
  MIN_GRID_TOLERANCES,
  otherFrame,
  payloadEquals,
  type Anchor,
} from './matcher-parts.js';
import { tsSlackFor } from '../seam/aligner.js';

export { payloadEquals } from './matcher-parts.js';
import { SeqExtender, tsAdd, tsDelta } from '../protocol/rtp/seq.js';
import {
  rtpPayloadOffset,
  rtpSeq,
  rtpSsrc,
  rtpTimestamp,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
} from '../protocol/rtp/rtp.js';

/**
 * A stored canonical packet of the recording: the packet itself, or (a recording being fed) only
 * its payload hash, the packet being read through `read` when a mapping must be verified.
 */
export interface RefPacket {
  ext: number;
  ts: number;
  packet?: Buffer;
  /** rtpPayloadHash of the packet (computed from `packet` when absent). */
  hash?: number;
}

export interface TrackMatcherOptions {
  /** Stored packets around the span, any order, distinct exts. */
  ref: readonly RefPacket[];
  /** Missing exts (inclusive ranges) this leg should fill. */
  wanted: ReadonlyArray<readonly [number, number]>;
  /** Also fill packets before the recording's first stored ext / after its last. */
  head?: { beforeExt: number } | undefined;
  tail?: { afterExt: number } | undefined;
  clockRate: number;
  /** Speed asked of the origin (timestamps come divided by it). Default 1. */
  rate?: number;
  /** Unique-payload votes that confirm an offset. Default 4. */
  run?: number;
  /**
   * Reads a stored packet of `ref` that came without its bytes: the anchors a fill relies on
   * are compared byte for byte with it before anything is filled.
   */
  read?: (ext: number) => Buffer | undefined;
  /** SSRC of the stored packets (else the first ref packet's). */
  ssrc?: number;
}

interface LegPacket {
  ext: number;
  ts: number;
  hash: number;
  packet: Buffer;
}

/** Times resolve() starts over after an anchor whose hash matched but whose bytes did not. */
const MAX_REJECT_PASSES = 16;

export class TrackMatcher {
  private readonly ref = new Map<number, RefPacket>();
  private readonly refHash = new Map<number, number>();
  /** Leg exts whose hash-matched twin turned out to differ (never anchors). */
  private readonly rejected = new Set<number>();
  /** Leg exts verified byte for byte, with the offset they were verified at. */
  private readonly verified = new Map<number, number>();
  private readonly refHashes = new Map<number, number[]>();
  private readonly legPackets = new Map<number, LegPacket>();
  private readonly ext = new SeqExtender();
  private legSsrc = NaN;
  private readonly canonSsrc: number;
  private readonly rate: number;
  private readonly run: number;
  private readonly tol: number;
  /** Timestamp grid of the stored packets (0: none). */
  readonly grid: number;
  private readonly wanted: ReadonlyArray<readonly [number, number]>;
  private readonly filledMap = new Map<number, Buffer>();
  private wantedTotal = 0;
  private readonly opts: TrackMatcherOptions;

  /** Leg packets and bytes received (all, matched or not). */
  legCount = 0;
  legBytes = 0;
  /** Leg packets of another SSRC than the first (ignored). */
  foreign = 0;
  /** Packets (at the last resolve) that would fill a hole but whose timestamp is uncertain. */
  uncertainTs = 0;

  constructor(opts: TrackMatcherOptions) {
    this.opts = opts;
    this.rate = opts.rate ?? 1;
    this.run = opts.run ?? 4;
    this.tol = Math.max(tsSlackFor(opts.clockRate), 2 * Math.ceil(this.rate));
    const sorted = [...opts.ref].sort((a, b) => a.ext - b.ext);
    let g = 0;
    for (let i = 0; i < sorted.length; i++) {
      const r = sorted[i] as RefPacket;
      this.ref.set(r.ext, r);
      const h = r.hash ?? (r.packet ? rtpPayloadHash(r.packet) : undefined);
      if (h !== undefined) {
        this.refHash.set(r.ext, h);
        const list = this.refHashes.get(h);
        if (list) list.push(r.ext);
        else this.refHashes.set(h, [r.ext]);
      }
      const prev = sorted[i - 1];
      if (prev) {
        const d = Math.abs(tsDelta(prev.ts, r.ts));
        if (d > 0) g = gcd(d, g);
      }
    }
    this.grid = g >= MIN_GRID_TOLERANCES * this.tol ? g : approximateGrid(sorted, this.tol);
    const p0 = sorted[0]?.packet;
    this.canonSsrc = opts.ssrc ?? (p0 ? rtpSsrc(p0) : 0);
    this.wanted = opts.wanted;
    for (const [a, b] of opts.wanted) this.wantedTotal += b - a + 1;
  }

  /** One packet of the repair leg (copied; the caller may reuse the buffer). */
  push(packet: Buffer): void {
    this.legCount++;
    this.legBytes += packet.length;
    if (packet.length < 12 || rtpPayloadOffset(packet) < 0) return;
    const ssrc = rtpSsrc(packet);
    if (this.legSsrc !== this.legSsrc) this.legSsrc = ssrc;
    else if (ssrc !== this.legSsrc) {
      this.foreign++;
      return;
    }
    const e = this.ext.extend(rtpSeq(packet));
    if (this.legPackets.has(e)) return;
    const copy = Buffer.from(packet);
    this.legPackets.set(e, {
      ext: e,
      ts: rtpTimestamp(copy),
      hash: rtpPayloadHash(copy) ?? 0,
      packet: copy,
    });
  }

  /** Missing exts (by the gap map) this matcher is asked to fill. */
  get wantedCount(): number {
    return this.wantedTotal;
  }

  /** Canonical packets found so far, by ext (gaps, and heads/tails when asked). */
  get filled(): ReadonlyMap<number, Buffer> {
    return this.filledMap;
  }

  /** How many of the wanted (gap) exts are filled. */
  get wantedFilled(): number {
    let n = 0;
    for (const c of this.filledMap.keys()) if (this.isWantedGap(c)) n++;
    return n;
  }

  /**
   * Every wanted gap ext is filled, and a head is decided (confirmed anchors arrived: what came
   * before the first one is known). A tail cannot be known complete before the stream ends.
   */
  get complete(): boolean {
    const headDone = !this.opts.head || this.anchorCount >= this.run;
    return this.wantedFilled >= this.wantedTotal && headDone && !this.opts.tail;
  }

  private anchorCount = 0;

  /** Verified anchors found by the last resolve(). */
  get anchorsFound(): number {
    return this.anchorCount;
  }

  private isWantedGap(c: number): boolean {
    for (const [a, b] of this.wanted) if (c >= a && c <= b) return true;
    return false;
  }

  /**
   * Whether canonical ext c may be filled: inside a gap only between two anchors (`twoSided`):
   * a ranged PLAY starts with parameter sets the stream did not have there (measured: SPS and
   * PPS before the keyframe's own SEI/SPS/PPS), which one-sided mapping would put in a gap;
   * before the first stored packet only from a leg that played from the start unranged (see
   * rangeFor), after the last one from anchors before.
   */
  private isWanted(c: number, twoSided: boolean): boolean {
    if (this.ref.has(c)) return false;
    if (this.isWantedGap(c)) return twoSided;
    if (this.opts.head && c < this.opts.head.beforeExt && c >= 0) return true;
    return this.opts.tail !== undefined && c > this.opts.tail.afterExt;
  }

  /** Re-evaluates everything received so far; returns the number of newly filled packets. */
  resolve(): number {
    let added = 0;
    for (let pass = 0; pass < MAX_REJECT_PASSES; pass++) {
      const r = this.resolvePass();
      added += r.added;
      if (!r.rejected) break;
    }
    return added;
  }

  /**
   * Whether anchor `a` holds: compared byte for byte with the stored packet (read back when the
   * ref came without bytes); a mismatch is rejected for good.
   */
  private holds(a: Anchor): boolean {
    if (a.exact || this.verified.get(a.legExt) === a.offset) return true;
    const leg = this.legPackets.get(a.legExt);
    const stored =
      this.ref.get(a.legExt + a.offset)?.packet ?? this.opts.read?.(a.legExt + a.offset);
    if (leg && stored && payloadEquals(stored, leg.packet)) {
      this.verified.set(a.legExt, a.offset);
      return true;
    }
    this.rejected.add(a.legExt);
    return false;
  }

  /** One pass of resolve(); `rejected` when an anchor failed its check (start over without it). */
  private resolvePass(): { added: number; rejected: boolean } {
    const legs = [...this.legPackets.values()].sort((a, b) => a.ext - b.ext);
    const anchors = this.anchors(legs);
    this.anchorCount = anchors.length;
    if (anchors.length === 0) return { added: 0, rejected: false };
    let added = 0;
    this.uncertainTs = 0;
    let k = 0; // anchors[k - 1] is the nearest anchor before the current leg packet
    for (const p of legs) {
      while (k < anchors.length && (anchors[k] as Anchor).legExt < p.ext) k++;
      const next = anchors[k];
      if (next && next.legExt === p.ext) continue; // an anchor: stored already
      const prev = anchors[k - 1];
      const prev2 = otherFrame(anchors, k - 1, -1);
      const next2 = otherFrame(anchors, k, 1);
      const ts = this.predict(p, prev, prev2, next, next2);
      if (ts === undefined) continue;
      const offset = (prev ?? next)?.offset ?? 0;
      const c = p.ext + offset;
      if (this.filledMap.has(c) || !this.isWanted(c, prev !== undefined && next !== undefined)) {
        continue;
      }
      if (ts === null) {
        this.uncertainTs++;
        continue;
      }
      // The anchors this fill relies on must hold byte for byte.
      const used = prev && next ? [prev, next] : prev ? [prev, prev2] : [next, next2];
      for (const a of used) if (a && !this.holds(a)) return { added, rejected: true };
      const out = Buffer.from(p.packet);
      setRtpSeq(out, c & 0xffff);
      setRtpTimestamp(out, ts);
      setRtpSsrc(out, this.canonSsrc);
      this.filledMap.set(c, out);
      added++;
    }
    return { added, rejected: false };
  }

  /** Anchors in leg order: confirmed offsets, then payload-equal twins. */
  private anchors(legs: readonly LegPacket[]): Anchor[] {
    const votes = new Map<number, number>();
    for (const p of legs) {
      if (this.rejected.has(p.ext)) continue;
      const refs = this.refHashes.get(p.hash);
      if (refs?.length !== 1) continue;
      const o = (refs[0] as number) - p.ext;
      votes.set(o, (votes.get(o) ?? 0) + 1);
    }
    const confirmed = [...votes.entries()]
      .filter(([, n]) => n >= this.run)
      .sort((a, b) => b[1] - a[1])
      .map(([o]) => o);
    const out: Anchor[] = [];
    if (confirmed.length === 0) return out;
    for (const p of legs) {
      if (this.rejected.has(p.ext)) continue;
      for (const o of confirmed) {
        const r = this.ref.get(p.ext + o);
        if (!r) continue;
        // Packets at hand are compared now; the others by hash, and byte for byte before use.
        const exact = r.packet !== undefined;
        if (
          exact ? !payloadEquals(r.packet as Buffer, p.packet) : this.refHash.get(r.ext) !== p.hash
        ) {
          continue;
        }
        out.push({ legExt: p.ext, offset: o, legTs: p.ts, canonTs: r.ts, exact });
        break;
      }
    }
    return out;
  }

  /** Canonical timestamp `a` predicts for leg timestamp `legTs` (may be fractional). */
  private from(a: Anchor, legTs: number): number {
    return a.canonTs + tsDelta(a.legTs, legTs) * this.rate;
  }

  private agree(x: number, y: number): boolean {
    return Math.abs(tsDelta(tsAdd(0, Math.round(x)), tsAdd(0, Math.round(y)))) <= this.tol;
  }

  /**
   * The canonical timestamp of leg packet p given its anchors (see the file comment): a uint32,
   * null when the packet maps but its timestamp is uncertain, undefined when it does not map.
   */
  private predict(
    p: LegPacket,
    prev: Anchor | undefined,
    prev2: Anchor | undefined,
    next: Anchor | undefined,
    next2: Anchor | undefined,
  ): number | null | undefined {
    let base: Anchor;
    if (prev && next) {
      if (prev.offset !== next.offset) return undefined;
      if (!this.agree(this.from(prev, p.ts), this.from(next, p.ts))) return undefined;
      base = p.ext - prev.legExt <= next.legExt - p.ext ? prev : next;
    } else if (next && next2 && !prev) {
      if (next.offset !== next2.offset) return undefined;
      if (!this.agree(this.from(next2, next.legTs), next.canonTs)) return undefined;
      base = next;
    } else if (prev && prev2 && !next) {
      if (prev.offset !== prev2.offset) return undefined;
      if (!this.agree(this.from(prev2, prev.legTs), prev.canonTs)) return undefined;
      base = prev;
    } else {
      return undefined;
    }
    const est = this.from(base, p.ts);
    if (this.grid > 0) {
      const k = Math.round((est - base.canonTs) / this.grid);
      const snapped = base.canonTs + k * this.grid;
      if (Math.abs(snapped - est) <= this.tol) return tsAdd(0, snapped);
    }
    return this.rate === 1 ? tsAdd(0, Math.round(est)) : null;
  }
}
