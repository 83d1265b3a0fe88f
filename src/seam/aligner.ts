/**
 * Normalization of one leg's track into canonical space by payload-hash alignment: two
 * sessions to one origin number the same packets differently, but carry the same bytes.
 *
 * While a leg is not aligned its packets are held here (a ring indexed by the leg's extended
 * sequence number) with their payload hash and RTP timestamp. A *candidate* offset o says
 * "leg ext e is canonical ext e + o". Candidates come from unique payloads: a leg packet whose
 * hash occurs exactly once in the canonical history (or, when the leg is ahead, a new canonical
 * packet whose hash occurs exactly once both there and among the held packets); and from the
 * RTP-Info hint. A candidate is confirmed by a run through the position just completed:
 *
 * 1. `run` (K) packets consecutive in the leg's extended sequence, all held, whose canonical
 *    twins e + o are all present with the same payload hash and one common timestamp offset
 *    (canonical ts - leg ts, mod 2^32);
 * 2. not one repeated payload: at least two distinct hashes in the run (SPS/PPS, silence,
 *    padding repeat; a run of identical hashes proves nothing);
 * 3. held packets agree with o: where a held packet's twin is present it carries the same
 *    payload and timestamp offset. Real origins re-send parameter sets and re-aggregate audio
 *    around a seek, so a few disagreements are tolerated (see contradictions()); most twins
 *    disagreeing rejects the candidate for good;
 * 4. no competitor: no other offset o' explains the run as well, i.e. matches at least
 *    max(2, K/2) of the run's payloads and is contradicted by no held packet. This is what
 *    stops a repeated block of content (a loop, a static scene) from pinning the wrong copy,
 *    including when the other copy's packets were lost and its payloads look unique. Found by
 *    one scan of the canonical history for the run's hashes; only done for runs that passed
 *    1-3, so rarely.
 *
 * A hint candidate (RTP-Info plus where the caller expects canonical space to be) only needs
 * `hintRun` (3) packets for 1-3, and no competitor check: the hint picks the offset among
 * look-alikes, the payloads confirm it. The hint alone never aligns a leg.
 *
 * Every new leg packet and every new canonical packet re-checks the candidates around the
 * position it completes, so whichever piece of a run arrives last (leg or canonical, a leg
 * ahead of canonical space or behind it) confirms it. Cost per event: O(candidates x K).
 *
 * Limit: a leg whose held packets all lie inside content that canonical space has seen only
 * once but that will repeat (a leg far ahead of canonical space, at a loop point) can be
 * aligned to the earlier copy; duplicate verification in the seamer catches it afterwards.
 */
import { HashIndex } from './payload-hash.js';
import { SLOT_RECEIVED, type CanonicalHistory } from './sequencer.js';

export interface AlignResult {
  /** canonical ext = leg ext + seqOffset. */
  seqOffset: number;
  /** canonical ts = (leg ts + tsOffset) mod 2^32. */
  tsOffset: number;
  /** 'reference' only when the seamer gives up waiting for a track nobody defined. */
  via: 'reference' | 'hint' | 'hash';
  /** First leg ext the mapping is verified for (the confirming run's start): the leg's packets
   * before it were sent before the origin settled (a seek's re-sent parameter sets, frames from
   * before the keyframe) and are never output under this offset. */
  fromExt: number;
  /** Last leg ext of the confirming run. */
  toExt: number;
}

/** add() results. */
export const HELD = 0;
export const DUPLICATE_HELD = 1;
export const TOO_OLD = 2;

/**
 * Timestamp offsets between two sessions of the same content are constant only up to rounding:
 * gst-rtsp-server after a seek stamps audio one tick off now and then (measured: offsets
 * 2680820990 and ...991 mixed in one session). Within 1 ms of clock counts as the same offset.
 */
export function tsSlackFor(clockRate: number): number {
  return Math.max(2, Math.round(clockRate / 1000));
}

/** a and b (uint32 timestamps or offsets) within `slack` of each other, modulo 2^32. */
export function tsClose(a: number, b: number, slack: number): boolean {
  return (a - b) >>> 0 <= slack || (b - a) >>> 0 <= slack;
}

const FITS = 0;
const DOUBTFUL = 1;
const WRONG = 2;
/** Disagreeing twins tolerated for a right offset: a handful, or this share of those compared. */
const MAX_TOLERATED_MISMATCHES = 4;
const TOLERATED_MISMATCH_SHARE = 0.05;

/** Candidates kept at once; unique-payload matches rarely propose wrong ones. */
const MAX_CANDIDATES = 8;

interface Candidate {
  offset: number;
  /** Unique-payload matches that proposed this offset (0: hint only so far). */
  votes: number;
  hint: boolean;
  /** Timestamp offset a hint requires (RTP-Info rtptime), NaN if free. */
  hintTs: number;
}

export class PendingAlignment {
  private readonly mask: number;
  private readonly capacity: number;
  private readonly ext: Float64Array;
  private readonly hash: Int32Array;
  private readonly ts: Uint32Array;
  private readonly buf: Array<Buffer | undefined>;
  /** Hashes of the held packets. */
  private readonly index = new HashIndex();
  private maxExt = NaN;
  private readonly cands: Candidate[] = [];
  private readonly rejected = new Set<number>();

  /** Packets currently held. */
  held = 0;
  /** Held packets pushed out of the ring by newer ones. */
  evicted = 0;
  /** Packets pushed while aligning (the give-up counter). */
  seen = 0;
  /** Unique-payload matches seen (votes for any candidate): 0 means foreign content. */
  uniqueMatches = 0;
  /** Runs that matched but fitted another offset as well. */
  ambiguous = 0;
  /** Set once confirmed; the seamer then replays the held packets. */
  result: AlignResult | undefined;

  constructor(
    capacity: number,
    private readonly run: number,
    private readonly hintRun: number,
    /** Timestamp offsets this close count as equal (see tsSlackFor). */
    private readonly tsSlack = 0,
  ) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.capacity = size;
    this.mask = size - 1;
    this.ext = new Float64Array(size).fill(NaN);
    this.hash = new Int32Array(size);
    this.ts = new Uint32Array(size);
    this.buf = new Array<Buffer | undefined>(size).fill(undefined);
  }

  /** Proposes the hinted offset (never evicted); tsOffset NaN if RTP-Info had no rtptime. */
  setHint(seqOffset: number, tsOffset: number): void {
    this.cands.push({ offset: seqOffset, votes: 0, hint: true, hintTs: tsOffset });
  }

  /** Holds a packet of the leg. Returns HELD, DUPLICATE_HELD (a second copy of a held ext:
   * ignored) or TOO_OLD (older than the hold ring: dropped). Overwriting the oldest counts in
   * `evicted`. */
  add(e: number, hash: number, ts: number, packet: Buffer): number {
    this.seen++;
    if (e <= this.maxExt - this.capacity) return TOO_OLD;
    const s = e & this.mask;
    const old = this.ext[s] ?? NaN;
    if (old === e) return DUPLICATE_HELD;
    if (old === old) {
      this.index.remove(this.hash[s] ?? 0, old);
      this.held--;
      this.evicted++;
    }
    this.ext[s] = e;
    this.hash[s] = hash;
    this.ts[s] = ts;
    this.buf[s] = packet;
    this.index.add(hash, e);
    this.held++;
    if (!(e <= this.maxExt)) this.maxExt = e;
    return HELD;
  }

  /** After the leg's packet at `e` was added: does a candidate confirm now? */
  onLegPacket(e: number, cv: CanonicalHistory): AlignResult | undefined {
    // Backwards: tryRun may remove candidate k (a contradiction), never one before it.
    for (let k = this.cands.length - 1; k >= 0; k--) {
      const r = this.tryRun(e, k, cv);
      if (r) return r;
    }
    const h = this.hash[e & this.mask] ?? 0;
    if (cv.index === undefined || cv.index.count(h) !== 1) return undefined;
    const c = cv.index.latest(h);
    return c === undefined ? undefined : this.propose(c - e, e, cv);
  }

  /** After canonical packet `c` (payload hash `h`) was accepted on this track. */
  onCanonical(c: number, h: number, cv: CanonicalHistory): AlignResult | undefined {
    for (let k = this.cands.length - 1; k >= 0; k--) {
      const e = c - (this.cands[k]?.offset ?? 0);
      if (this.ext[e & this.mask] !== e) continue;
      const r = this.tryRun(e, k, cv);
      if (r) return r;
    }
    if (this.index.count(h) !== 1 || cv.index === undefined || cv.index.count(h) !== 1) {
      return undefined;
    }
    const e = this.index.latest(h);
    return e === undefined ? undefined : this.propose(c - e, e, cv);
  }

  /** Held packets in leg order (for the replay once aligned). */
  forEachHeld(fn: (e: number, packet: Buffer) => void): void {
    if (this.maxExt !== this.maxExt) return;
    for (let e = this.maxExt - this.capacity + 1; e <= this.maxExt; e++) {
      const s = e & this.mask;
      const p = this.buf[s];
      if (this.ext[s] === e && p !== undefined) fn(e, p);
    }
  }

  /** Why alignment failed, for the 'unaligned' event and the log. */
  failureReason(canonicalEmpty: boolean): string {
    if (canonicalEmpty) return `nothing in canonical space to compare ${this.seen} packets with`;
    if (this.uniqueMatches === 0) {
      return `no payload of ${this.seen} packets matched a unique canonical payload (foreign content?)`;
    }
    return (
      `${this.uniqueMatches} unique payload matches in ${this.seen} packets but no unambiguous ` +
      `run of ${this.run} consecutive packets at one offset (${this.ambiguous} ambiguous)`
    );
  }

  // ---- internals ----

  /** Adds (or votes for) candidate offset o found at leg ext e, and tries it there. */
  private propose(o: number, e: number, cv: CanonicalHistory): AlignResult | undefined {
    this.uniqueMatches++;
    if (this.rejected.has(o)) return undefined;
    const known = this.cands.findIndex((c) => c.offset === o);
    if (known >= 0) {
      const c = this.cands[known] as Candidate;
      // A hint's offset now also proposed by a payload: it may confirm as a hash run too.
      const wasHintOnly = c.votes === 0;
      c.votes++;
      return wasHintOnly ? this.tryRun(e, known, cv) : undefined; // else tried by the caller
    }
    if (this.cands.length >= MAX_CANDIDATES) {
      let worst = -1;
      this.cands.forEach((c, k) => {
        if (!c.hint && (worst < 0 || c.votes < (this.cands[worst]?.votes ?? 0))) worst = k;
      });
      if (worst < 0) return undefined;
      this.cands.splice(worst, 1);
    }
    this.cands.push({ offset: o, votes: 1, hint: false, hintTs: NaN });
    return this.tryRun(e, this.cands.length - 1, cv);
  }

  /** Is there a confirming run through leg ext e for candidate k? */
  private tryRun(e: number, k: number, cv: CanonicalHistory): AlignResult | undefined {
    const c = this.cands[k] as Candidate;
    if (c.hint) {
      const r = this.tryMode(e, k, c, true, cv);
      if (r || this.cands[k] !== c) return r;
    }
    return c.votes > 0 ? this.tryMode(e, k, c, false, cv) : undefined;
  }

  private tryMode(
    e: number,
    k: number,
    c: Candidate,
    asHint: boolean,
    cv: CanonicalHistory,
  ): AlignResult | undefined {
    const o = c.offset;
    const t0 = this.matchTs(e, o, cv);
    if (t0 < 0) return undefined;
    if (asHint && c.hintTs === c.hintTs && !tsClose(t0, c.hintTs, this.tsSlack)) return undefined;
    const need = asHint ? this.hintRun : this.run;
    let lo = e;
    let hi = e;
    while (e - lo < need - 1 && this.sameTs(this.matchTs(lo - 1, o, cv), t0)) lo--;
    while (hi - e < need - 1 && this.sameTs(this.matchTs(hi + 1, o, cv), t0)) hi++;
    if (hi - lo + 1 < need) return undefined;

    const h0 = this.hash[lo & this.mask] ?? 0;
    let distinct = false;
    for (let x = lo + 1; x <= hi && !distinct; x++) distinct = this.hash[x & this.mask] !== h0;
    if (!distinct) return undefined;

    const verdict = this.contradictions(o, t0, cv);
    if (verdict === WRONG) {
      this.rejected.add(o);
      this.cands.splice(k, 1);
      return undefined;
    }
    if (verdict === DOUBTFUL) return undefined; // wait for more evidence
    if (!asHint && this.hasCompetitor(lo, hi, o, cv)) {
      this.ambiguous++;
      return undefined;
    }
    this.result = {
      seqOffset: o,
      tsOffset: t0,
      via: asHint ? 'hint' : 'hash',
      fromExt: lo,
      toExt: hi,
    };
    return this.result;
  }

  private sameTs(t: number, t0: number): boolean {
    return t >= 0 && tsClose(t, t0, this.tsSlack);
  }

  /** Timestamp offset if held leg ext e matches canonical e + o (same payload), else -1. */
  private matchTs(e: number, o: number, cv: CanonicalHistory): number {
    const s = e & this.mask;
    if (this.ext[s] !== e) return -1;
    const c = e + o;
    const cs = c & cv.mask;
    if (cv.extAt[cs] !== c || cv.state[cs] !== SLOT_RECEIVED) return -1;
    if (cv.hash[cs] !== this.hash[s]) return -1;
    return ((cv.ts[cs] ?? 0) - (this.ts[s] ?? 0)) >>> 0;
  }

  /**
   * How held packets agree with offset o where canonical space has their twin: another payload
   * or a timestamp offset other than t0 (NaN: the most common one found sets it) disagrees.
   * Real origins do not repeat a stream byte for byte at a seek: the first packets after a new
   * PLAY Range (parameter sets re-sent, audio frames aggregated differently) may differ from the
   * canonical twins, so a few disagreements are tolerated (the seamer's guard keeps the packets
   * around them from filling holes). Most twins disagreeing: WRONG (for good); more than a few
   * but not most: DOUBTFUL (wait for more evidence); else FITS.
   */
  private contradictions(o: number, t0: number, cv: CanonicalHistory, strict = false): number {
    let compared = 0;
    let bad = 0;
    let t = t0;
    for (let s = 0; s < this.capacity; s++) {
      const e = this.ext[s] ?? NaN;
      if (e !== e) continue;
      const c = e + o;
      const cs = c & cv.mask;
      if (cv.extAt[cs] !== c || cv.state[cs] !== SLOT_RECEIVED) continue;
      compared++;
      if (cv.hash[cs] !== this.hash[s]) {
        bad++;
        continue;
      }
      const d = ((cv.ts[cs] ?? 0) - (this.ts[s] ?? 0)) >>> 0;
      if (t !== t) t = d;
      else if (!tsClose(d, t, this.tsSlack)) bad++;
    }
    if (strict) return bad === 0 ? FITS : WRONG;
    if (bad >= 3 && bad * 2 > compared) return WRONG;
    if (bad > Math.max(MAX_TOLERATED_MISMATCHES, compared * TOLERATED_MISMATCH_SHARE)) {
      return DOUBTFUL;
    }
    return FITS;
  }

  /** A competing offset is only credible if no held packet disagrees with it at all. */
  private contradicts(o: number, t0: number, cv: CanonicalHistory): boolean {
    return this.contradictions(o, t0, cv, true) !== FITS;
  }

  /** Another offset that matches enough of run [lo, hi] and no held packet contradicts? */
  private hasCompetitor(lo: number, hi: number, o: number, cv: CanonicalHistory): boolean {
    const runAt = new Map<number, number[]>();
    for (let x = lo; x <= hi; x++) {
      const h = this.hash[x & this.mask] ?? 0;
      const xs = runAt.get(h);
      if (xs) xs.push(x);
      else runAt.set(h, [x]);
    }
    const matches = new Map<number, number>();
    for (let s = 0; s < cv.size; s++) {
      if (cv.state[s] !== SLOT_RECEIVED) continue;
      const xs = runAt.get(cv.hash[s] ?? 0);
      if (xs === undefined) continue;
      const c = cv.extAt[s] ?? 0;
      for (const x of xs) {
        if (c - x !== o) matches.set(c - x, (matches.get(c - x) ?? 0) + 1);
      }
    }
    const enough = Math.max(2, Math.ceil(this.run / 2));
    for (const [o2, n] of matches) {
      if (n >= enough && !this.contradicts(o2, NaN, cv)) return true;
    }
    return false;
  }
}
