/**
 * The Seamer's public types (options, events, stats) and its per-leg bookkeeping records.
 */
import type { PendingAlignment } from './aligner.js';
import type { MappingGuard } from './guard.js';
import { SeqExtender } from '../protocol/rtp/seq.js';
import type { SequencerSink, TrackSequencerOptions } from './sequencer.js';

export interface SeamerOptions {
  tracks: number;
  /** Per track (Hz); used to continue the timestamp across an origin restart. */
  clockRates: number[];
  /** K: consecutive packets whose payload hashes must match at one offset (default 8, min 2). */
  alignRun?: number;
  /** Packets an unaligned leg may push without a match before 'unaligned' (default 3000). */
  alignGiveUpPackets?: number;
  /** Per track, canonical packets remembered for dedup and alignment (default 8192; rounded up to
   * a power of two). */
  historyPackets?: number;
  /** A hole no leg filled within this becomes a 'gap' event (default 1000). */
  gapTimeoutMs?: number;
  /** 0 (default): forward at first arrival. >0: release in canonical order, at most this late. */
  reorderWindowMs?: number;
}

export type SeamEvent =
  | { kind: 'packet'; track: number; packet: Buffer; ext: number; leg: string }
  | { kind: 'gap'; track: number; fromExt: number; toExt: number }
  | {
      kind: 'aligned';
      leg: string;
      track: number;
      seqOffset: number;
      tsOffset: number;
      via: 'reference' | 'hint' | 'hash';
    }
  | { kind: 'unaligned'; leg: string; track: number; reason: string }
  | { kind: 'realign'; leg: string; track: number; reason: 'ssrc-change' | 'mismatch' };

export type PacketEvent = Extract<SeamEvent, { kind: 'packet' }>;

export interface LegStats {
  /** Packets this leg delivered first (the ones output from it). */
  contributed: number[];
  /** Packets some leg had delivered before. */
  duplicates: number[];
  aligned: boolean[];
  /** Packets held now, waiting for alignment. */
  held: number[];
  /** Packets dropped as too old (out of history, or behind the reorder release point). */
  late: number[];
  /** Packets dropped otherwise: malformed, stray old SSRC, leg unaligned, hold overflow, or a
   * packet whose mapping is not verified (sent before the confirming run, or while suspect). */
  dropped: number[];
}

/** LegTrack.status */
export const IDLE = 0;
export const PENDING = 1;
export const ALIGNED = 2;
export const FAILED = 3;

/** One leg's state on one track. */
export interface LegTrack {
  ssrc: number;
  prevSsrc: number;
  readonly ext: SeqExtender;
  status: number;
  /** The next alignment follows an SSRC change or mismatch (no RTP-Info hint then). */
  restart: boolean;
  seqOffset: number;
  tsOffset: number;
  /** Canonical exts below this are dropped (set when continuing after a restart). */
  floor: number;
  /** Leg exts below this (sent before the confirming run: a seek's re-sent parameter sets,
   * frames from before the keyframe) are never output and not checked. */
  fromExt: number;
  /** Where the mapping is verified (legs aligned by payload; undefined for a leg that defines
   * canonical space): every duplicate is checked against its canonical twin. */
  guard: MappingGuard | undefined;
  /** Consecutive duplicates that disagreed with their canonical twin. */
  bad: number;
  pending: PendingAlignment | undefined;
  contributed: number;
  duplicates: number;
  late: number;
  dropped: number;
}

/** A leg as the seamer sees it: its name, whether it anchors canonical space, its tracks. */
export interface SeamLeg {
  readonly name: string;
  readonly reference: boolean;
  readonly tracks: LegTrack[];
  readonly hint: Array<{ seq?: number; rtptime?: number } | undefined> | undefined;
  readonly hintCanonical: Array<{ ext: number; ts: number } | undefined> | undefined;
}

/** A leg aligning on a track. */
export interface Aligning {
  leg: SeamLeg;
  lt: LegTrack;
  track: number;
}

export function newLegTrack(): LegTrack {
  return {
    ssrc: NaN,
    prevSsrc: NaN,
    ext: new SeqExtender(),
    status: IDLE,
    restart: false,
    seqOffset: 0,
    tsOffset: 0,
    floor: -Infinity,
    fromExt: -Infinity,
    guard: undefined,
    bad: 0,
    pending: undefined,
    contributed: 0,
    duplicates: 0,
    late: 0,
    dropped: 0,
  };
}

/** Consecutive disagreeing duplicates that make a leg realign. */
export const MISMATCH_LIMIT = 3;

/** SeamerOptions with defaults applied and checked. */
export function resolveOptions(opts: SeamerOptions): {
  tracks: number;
  clockRates: number[];
  alignRun: number;
  hintRun: number;
  giveUp: number;
  holdCapacity: number;
  sequencer: TrackSequencerOptions;
} {
  if (!Number.isInteger(opts.tracks) || opts.tracks < 1) {
    throw new RangeError(`tracks must be a positive integer (got ${opts.tracks})`);
  }
  if (opts.clockRates.length < opts.tracks || opts.clockRates.some((r) => !(r > 0))) {
    throw new RangeError(`clockRates needs a positive rate for each of ${opts.tracks} tracks`);
  }
  const alignRun = Math.max(2, Math.floor(opts.alignRun ?? 8));
  const giveUp = Math.max(1, opts.alignGiveUpPackets ?? 3000);
  const history = Math.max(16, opts.historyPackets ?? 8192);
  return {
    tracks: opts.tracks,
    clockRates: opts.clockRates.slice(),
    alignRun,
    hintRun: Math.min(3, alignRun),
    giveUp,
    holdCapacity: Math.min(giveUp, history),
    sequencer: {
      historyPackets: history,
      gapTimeoutMs: opts.gapTimeoutMs ?? 1000,
      reorderWindowMs: Math.max(0, opts.reorderWindowMs ?? 0),
    },
  };
}

/**
 * The events one push/tick returns: the same array every call, and pooled 'packet' event
 * objects (no allocation per packet). Also the sequencers' sink.
 */
export class EventBuffer implements SequencerSink {
  readonly out: SeamEvent[] = [];
  private readonly pool: PacketEvent[] = [];
  private used = 0;

  begin(): void {
    // Setting length is a runtime call that also frees the backing store: skip it when empty
    // (most pushes output nothing).
    if (this.out.length !== 0) this.out.length = 0;
    this.used = 0;
  }

  packet(track: number, packet: Buffer, ext: number, leg: string): void {
    let ev = this.pool[this.used];
    if (ev === undefined) {
      ev = { kind: 'packet', track, packet, ext, leg };
      this.pool.push(ev);
    } else {
      ev.track = track;
      ev.packet = packet;
      ev.ext = ext;
      ev.leg = leg;
    }
    this.used++;
    this.out.push(ev);
  }

  gap(track: number, fromExt: number, toExt: number): void {
    this.out.push({ kind: 'gap', track, fromExt, toExt });
  }
}
