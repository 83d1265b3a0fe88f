/**
 * One upstream session feeding a recording (store/feed.ts). Its packets come in the source's
 * canonical space; the recording has its own. A PLAY with a Range starts a new segment (the
 * origin keeps counting sequence numbers across a seek while timestamps jump); a resume without
 * Range continues the segment.
 *
 * - The session that created the recording fixed its canonical space: its first segment is
 *   written as it arrives (ext = the session's extended sequence number + `base`, which leaves
 *   room for a head never seen).
 * - Live archives reopened by a new session (same SDP identity): the session's packets are
 *   appended after what the archive holds, renumbered (sequence, timestamp, SSRC) to continue it.
 * - Every other segment is mapped by payload with store/matcher.ts: verified anchors on both
 *   sides (one side with two frames agreeing at the recording's head or tail), never by sequence
 *   number alone. Packets are held (copies) and mapped in rounds beside the live path, over the
 *   last seconds received; a fill is written only where the recording lacks the packet.
 *   A segment with no anchor yet (it covers what the recording does not hold yet) is kept and
 *   tried again at the end, and parked on the feed to be tried whenever the recording grows.
 */
import {
  rtpSeq,
  rtpTimestamp,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
} from '../protocol/rtp/rtp.js';
import { SeqExtender, tsAdd, tsDelta } from '../protocol/rtp/seq.js';
import type { FeedRetry, RecordingFeed } from '../store/feed.js';
import { TrackMatcher } from '../store/matcher.js';
import { PREFIX_LOOKAHEAD, resentPrefix, type Held } from './feed-prefix.js';

/** Seconds of a segment mapped in each round. */
const ROUND_SPAN_SEC = 6;
/** Seconds of a segment kept for later rounds (anchors on both sides of a late gap). */
const KEEP_SEC = 20;
/** Packets of a segment without any anchor kept for the end and for later retries. */
const MAX_UNANCHORED = 30_000;
/**
 * Packets a session keeps in its ended segments (parked for retries), all of them together: a
 * viewer who seeks again and again through a long file leaves one segment per seek. The oldest
 * segments go first; what they held of a track never anchored counts as unmapped.
 */
export const MAX_PARKED = 30_000;
/** Seconds of the recording around a segment that its packets are matched against. */
const REF_MARGIN_SEC = 2;
/**
 * Seconds around a segment that found no anchor near where its npt says that it is matched
 * against at its end and on retries (an origin's npt may be off); not the whole recording, whose
 * index a file of hours would otherwise turn into objects at every retry.
 */
const FAR_MARGIN_SEC = 60;
/** Packet rate assumed for the room left before a recording that starts past npt 0. */
const HEAD_PACKET_RATE = 4000;
/** Rounds in a row over at least MISMATCH_MIN packets of both without an anchor: other content. */
const MISMATCH_ROUNDS = 4;
const MISMATCH_MIN = 100;
/** A first PLAY later than this (npt) leaves room for a head. */
const HEAD_ROOM_AFTER_SEC = 0.5;

export interface SegmentStart {
  /** npt where the PLAY started. */
  readonly npt: number;
  /** Canonical (source) RTP time of that npt per track, when known. */
  readonly rtptime: ReadonlyArray<number | undefined>;
  /** Sequence number of the PLAY's first packet per track (RTP-Info), when known. */
  readonly seq?: ReadonlyArray<number | undefined>;
}

/** The ext base a new recording gets when its first session starts at `npt`. */
export function extBaseFor(npt: number): number {
  return npt > HEAD_ROOM_AFTER_SEC ? Math.ceil((npt * HEAD_PACKET_RATE) / 0x10000) * 0x10000 : 0;
}

interface TrackSegment {
  readonly ext: SeqExtender;
  /** Rounds in a row that met plenty of the recording and no anchor. */
  misses: number;
  held: Held[];
  anchored: boolean;
  /** Index in `held` of the newest packet already offered to a round. */
  newest: number;
  /** Timestamp taken as the segment's start when the PLAY gave no rtptime. */
  baseTs: number | undefined;
  /** Ranged segments: sx below which packets are re-sent ones (decided on the first packets). */
  prefixEnd: number | undefined;
}

class Segment {
  readonly tracks: TrackSegment[];
  constructor(
    readonly start: SegmentStart,
    trackCount: number,
    /** Identity (the creator's first segment) or live append: where ext and stamps come from. */
    readonly direct: ((track: number, sx: number, packet: Buffer) => [number, Buffer]) | undefined,
    /** The creator's first segment: ext = sx + shift, the packet as it is (no call, no pair). */
    readonly shift?: number,
  ) {
    this.tracks = Array.from({ length: trackCount }, () => ({
      ext: new SeqExtender(),
      held: [],
      anchored: false,
      misses: 0,
      newest: -1,
      baseTs: undefined,
      prefixEnd: undefined,
    }));
  }
}

export interface SessionFeedOptions {
  readonly feed: RecordingFeed;
  readonly clockRates: readonly number[];
  /** Encoding names per track (H264/H265: re-sent parameter sets are told apart). */
  readonly encodings?: ReadonlyArray<string | undefined>;
  /** The session made the recording: its first segment is canonical. */
  readonly creator: boolean;
  /** ext base of a created recording (extBaseFor its first PLAY). */
  readonly base?: number;
  readonly onError?: (err: unknown) => void;
}

export class SessionFeed implements FeedRetry {
  private segment: Segment | undefined;
  private segments = 0;
  private readonly leftovers: Segment[] = [];
  /** Packets this session filled, and their npt span. */
  filled = 0;
  nptFrom = Infinity;
  nptTo = -Infinity;
  /** Packets held in segments that never found an anchor (at the end). */
  unmapped = 0;
  /** Unanchored packets of ended segments let go of (MAX_PARKED). */
  private dropped = 0;
  private broken = false;

  constructor(private readonly o: SessionFeedOptions) {}

  /** A PLAY: a new segment unless it is a resume (no Range) of the current one. */
  play(start: SegmentStart, resume: boolean): void {
    if (resume && this.segment) return;
    if (this.segment) this.close(this.segment);
    const first = this.segments++ === 0;
    const feed = this.o.feed;
    let direct: Segment['direct'];
    let shift: number | undefined;
    if (first && this.o.creator) {
      const base = this.o.base ?? 0;
      direct = (_t, sx, p) => [sx + base, p];
      shift = base;
    } else if (feed.live) {
      direct = this.liveSplice();
    }
    this.segment = new Segment(start, this.o.clockRates.length, direct, shift);
  }

  /** One packet of the session (the live path: a write or a copy, nothing more). */
  packet(track: number, packet: Buffer, at: number): void {
    const seg = this.segment;
    const ts = seg?.tracks[track];
    if (!seg || !ts || this.broken || packet.length < 12) return;
    const sx = ts.ext.extend(rtpSeq(packet));
    if (seg.direct && ts.prefixEnd !== undefined) {
      if (sx >= ts.prefixEnd) this.direct(seg, track, sx, packet, at);
      return;
    }
    const rate = this.o.clockRates[track] ?? 90000;
    ts.baseTs ??= seg.start.rtptime[track] ?? rtpTimestamp(packet);
    const npt = seg.start.npt + tsDelta(ts.baseTs, rtpTimestamp(packet)) / rate;
    ts.held.push({ sx, npt, packet: Buffer.from(packet), at });
    if (seg.direct && ts.held.length >= PREFIX_LOOKAHEAD) this.settlePrefix(seg, track);
  }

  private direct(seg: Segment, track: number, sx: number, packet: Buffer, at: number): void {
    if (seg.shift !== undefined) {
      this.write(track, sx + seg.shift, packet, at);
      return;
    }
    const [ext, out] = (seg.direct as NonNullable<Segment['direct']>)(track, sx, packet);
    this.write(track, ext, out, at);
  }

  /** A direct segment's first packets: the re-sent ones are left out, the rest written. */
  private settlePrefix(seg: Segment, track: number): void {
    const ts = seg.tracks[track];
    if (!ts || ts.prefixEnd !== undefined) return;
    const held = ts.held;
    ts.prefixEnd =
      (held[0]?.sx ?? 0) + resentPrefix(held, this.o.encodings?.[track], seg.start.seq?.[track]);
    ts.held = [];
    for (const h of held) if (h.sx >= ts.prefixEnd) this.direct(seg, track, h.sx, h.packet, h.at);
  }

  /**
   * The current segment's payloads match nothing of the recording where it holds plenty (other
   * content under the same URL and SDP identity).
   */
  get mismatch(): boolean {
    const seg = this.segment;
    return (
      !!seg &&
      !seg.direct &&
      seg.tracks.every((t) => !t.anchored) &&
      seg.tracks.some((t) => t.misses >= MISMATCH_ROUNDS)
    );
  }

  /** The current segment's start and held packets (to start a new recording from them). */
  takeSegment(): { start: SegmentStart; packets: Array<[number, Buffer, number]> } | undefined {
    const seg = this.segment;
    if (!seg) return undefined;
    this.segment = undefined;
    const packets: Array<[number, Buffer, number, number]> = [];
    seg.tracks.forEach((t, track) =>
      t.held.forEach((h) => packets.push([track, h.packet, h.at, h.sx])),
    );
    packets.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
    return { start: seg.start, packets: packets.map(([t, p, at]) => [t, p, at]) };
  }

  /** A mapping round over the last seconds of the current segment; returns packets filled. */
  round(): number {
    const seg = this.segment;
    if (!seg || seg.direct || this.broken) return 0;
    let n = 0;
    for (let t = 0; t < seg.tracks.length; t++) n += this.resolve(seg, t, false);
    return n;
  }

  /**
   * The session ended: last rounds over everything held. Its segments stay parked on the feed
   * (what they hold may fit once other sessions filled around it) until the recording closes.
   */
  end(): number {
    if (this.segment) this.close(this.segment);
    this.segment = undefined;
    const n = this.retry();
    this.unmapped = this.dropped;
    for (const s of this.leftovers) {
      for (const t of s.tracks) if (!t.anchored) this.unmapped += t.held.length;
    }
    if (this.leftovers.length > 0) this.o.feed.park(this);
    return n;
  }

  /** Tries the parked segments again (the recording grew). */
  retry(): number {
    let n = 0;
    for (const s of this.leftovers) {
      for (let t = 0; t < s.tracks.length; t++) n += this.resolve(s, t, true);
    }
    return n;
  }

  private close(seg: Segment): void {
    if (seg.direct) {
      for (let t = 0; t < seg.tracks.length; t++) this.settlePrefix(seg, t);
      return;
    }
    for (let t = 0; t < seg.tracks.length; t++) this.resolve(seg, t, true);
    if (seg.tracks.some((t) => t.held.length > 0)) this.leftovers.push(seg);
    while (this.leftovers.length > 1 && this.parkedPackets > MAX_PARKED) {
      const old = this.leftovers.shift() as Segment;
      for (const t of old.tracks) if (!t.anchored) this.dropped += t.held.length;
    }
  }

  /** Packets held in ended segments (parked for retries). */
  get parkedPackets(): number {
    let n = 0;
    for (const s of this.leftovers) for (const t of s.tracks) n += t.held.length;
    return n;
  }

  private write(track: number, ext: number, packet: Buffer, at: number): boolean {
    try {
      if (!this.o.feed.fill(track, ext, packet, at)) return false;
    } catch (err) {
      this.broken = true;
      this.o.onError?.(err);
      return false;
    }
    this.filled++;
    const npt = this.o.feed.tracks[track]?.nptOf(ext);
    if (npt !== undefined) {
      this.nptFrom = Math.min(this.nptFrom, npt);
      this.nptTo = Math.max(this.nptTo, npt);
    }
    return true;
  }

  /** Maps held packets of one track of `seg` (all when `all`, else the last ROUND_SPAN_SEC). */
  private resolve(seg: Segment, track: number, all: boolean): number {
    const ts = seg.tracks[track];
    const ft = this.o.feed.tracks[track];
    if (!ts || !ft || ts.held.length === 0 || this.broken) return 0;
    const newestNpt = ts.held.reduce((m, h) => Math.max(m, h.npt), -Infinity);
    if (!all && ts.newest === ts.held.length - 1) return 0;
    // The re-sent first packets are told apart only once enough of the segment came.
    if (!all && ts.prefixEnd === undefined && ts.held.length < PREFIX_LOOKAHEAD) return 0;
    ts.newest = ts.held.length - 1;
    // A segment ahead of what the recording holds (a viewer further on than the others) is
    // matched where the two meet: from the recording's newest media time on, by the npt its PLAY
    // announced (nothing of it is written before payloads verify the mapping).
    const storedTo = ft.count > 0 ? Math.min(newestNpt, ft.durationSec) : newestNpt;
    const batch = all ? ts.held : ts.held.filter((h) => h.npt >= storedTo - ROUND_SPAN_SEC);
    const wasAnchored = ts.anchored;
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of batch) {
      lo = Math.min(lo, h.npt);
      hi = Math.max(hi, h.npt);
    }
    // A segment that found no anchor near where its npt says is matched against more of the
    // recording at its end and on retries (an origin's npt may be off).
    const margin = all && !ts.anchored ? FAR_MARGIN_SEC : REF_MARGIN_SEC;
    const ref = ft.window(lo - margin, hi + margin);
    let n = 0;
    if (ref.length >= 4) {
      let rmin = Infinity;
      let rmax = -Infinity;
      for (const r of ref) {
        rmin = Math.min(rmin, r.ext);
        rmax = Math.max(rmax, r.ext);
      }
      const m = new TrackMatcher({
        ref,
        wanted: ft.gapsBetween(rmin, rmax),
        head: rmin === ft.firstExt ? { beforeExt: rmin } : undefined,
        tail: rmax === ft.lastExt ? { afterExt: rmax } : undefined,
        clockRate: this.o.clockRates[track] ?? 90000,
        read: (ext) => ft.packet(ext),
        ...(ft.ssrc === undefined ? {} : { ssrc: ft.ssrc }),
      });
      ts.prefixEnd ??=
        (ts.held[0]?.sx ?? 0) +
        resentPrefix(ts.held, this.o.encodings?.[track], seg.start.seq?.[track]);
      const sorted = [...batch].sort((a, b) => a.sx - b.sx);
      for (const h of sorted) if (h.sx >= ts.prefixEnd) m.push(h.packet);
      m.resolve();
      if (m.anchorsFound > 0) ts.anchored = true;
      if (m.anchorsFound > 0 || all) ts.misses = 0;
      else if (ref.length >= MISMATCH_MIN && batch.length >= MISMATCH_MIN) ts.misses++;
      for (const [c, out] of m.filled) {
        if (ft.has(c)) continue;
        if (this.write(track, c, out, Date.now())) n++;
      }
      // The first anchors: what the segment held before this round's span (a head, or where it
      // met the recording earlier) is mapped now, before the trim below lets go of it.
      if (!all && !wasAnchored && ts.anchored && batch.length < ts.held.length) {
        return n + this.resolve(seg, track, true);
      }
    }
    // Keep what later rounds may still need.
    const keepFrom = Math.min(newestNpt, Math.max(ft.durationSec, storedTo)) - KEEP_SEC;
    if (ts.anchored) ts.held = ts.held.filter((h) => h.npt >= keepFrom);
    if (ts.held.length > MAX_UNANCHORED) ts.held = ts.held.slice(-MAX_UNANCHORED);
    ts.newest = ts.held.length - 1;
    return n;
  }

  /**
   * A live archive continued by this session: its packets follow the archive's last ones, with
   * the archive's SSRC and timestamps running on from its last (one frame later).
   */
  private liveSplice(): Segment['direct'] {
    const feed = this.o.feed;
    const plan = feed.tracks.map((ft, t) => {
      const last = ft.lastExt === undefined ? undefined : ft.get(ft.lastExt);
      return {
        nextExt: (ft.lastExt ?? 0x10000 - 1) + 1,
        lastTs: last?.ts,
        ssrc: last ? ft.ssrc : undefined,
        step: Math.round((this.o.clockRates[t] ?? 90000) / 25),
        firstSx: undefined as number | undefined,
        firstTs: 0,
      };
    });
    return (track, sx, packet) => {
      const p = plan[track];
      if (!p || p.lastTs === undefined || p.ssrc === undefined) return [sx, packet];
      if (p.firstSx === undefined) {
        p.firstSx = sx;
        p.firstTs = rtpTimestamp(packet);
      }
      const ext = p.nextExt + (sx - p.firstSx);
      const out = Buffer.from(packet);
      setRtpSeq(out, ext & 0xffff);
      setRtpTimestamp(out, tsAdd(p.lastTs, p.step + tsDelta(p.firstTs, rtpTimestamp(packet))));
      setRtpSsrc(out, p.ssrc);
      return [ext, out];
    };
  }
}
