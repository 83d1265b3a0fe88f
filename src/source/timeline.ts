/**
 * Where an on-demand source's viewers are on the presentation timeline: the npt and canonical
 * RTP time where the last PLAY started, and the canonical timestamps output since. Used to start
 * an extra leg where the viewers are now and to tell when the stream has reached its end.
 */
import { nptBounds } from '../protocol/rtsp/headers/range.js';
import type { SdpTrack } from '../protocol/sdp/sdp.js';
import type { PlayResult } from '../upstream/leg.js';

/** Canonical RTP-Info for a viewer's PLAY answer. */
export interface CanonicalStart {
  readonly range: string | undefined;
  readonly tracks: ReadonlyArray<{ readonly seq?: number; readonly rtptime?: number }>;
}

/** What the timeline needs of the merge engine (the Seamer). */
export interface CanonicalMapper {
  lastOutput(track: number): { seq: number; ts: number } | undefined;
  mapSeq(leg: string, track: number, legSeq: number): number | undefined;
  mapTimestamp(leg: string, track: number, legTs: number): number | undefined;
}

/** A new leg starts this much before the viewers' position: the overlap lets it align. */
export const RESUME_OVERLAP_SEC = 1;

/** Silence from every leg that, at the end of an on-demand range, means the stream is over. */
export const END_SILENCE_MS = 2000;

export class Timeline {
  private begin: { npt: number; rtptime: Array<number | undefined> } | undefined;
  /** When a leg last delivered a packet (0: none yet). */
  private lastPacketAt = 0;

  constructor(
    private readonly tracks: readonly SdpTrack[],
    private readonly mapper: CanonicalMapper,
    /** End of the SDP range (npt), when it has one. */
    private readonly endNpt?: number,
  ) {}

  notePacket(now: number): void {
    this.lastPacketAt = now;
  }

  /**
   * The legs have been silent for END_SILENCE_MS with playback at the end of the SDP range: the
   * stream is over even if no BYE came (UDP can lose every one).
   */
  silentAtEnd(now: number): boolean {
    if (this.endNpt === undefined || this.lastPacketAt === 0) return false;
    if (now - this.lastPacketAt < END_SILENCE_MS) return false;
    return this.positionNpt() >= this.endNpt - 0.5;
  }

  /** Records where a PLAY answered by `legId` starts; returns its RTP-Info in canonical space. */
  start(legId: string, answer: PlayResult): CanonicalStart {
    const tracks = this.tracks.map((t) => {
      const e = answer.rtpInfo.find((i) => i.trackIndex === t.index);
      const out: { seq?: number; rtptime?: number } = {};
      if (e?.seq !== undefined) out.seq = this.mapper.mapSeq(legId, t.index, e.seq) ?? e.seq;
      if (e?.rtptime !== undefined) {
        out.rtptime = this.mapper.mapTimestamp(legId, t.index, e.rtptime) ?? e.rtptime;
      }
      return out;
    });
    this.begin = { npt: nptBounds(answer.range).start, rtptime: tracks.map((t) => t.rtptime) };
    return { range: answer.range, tracks };
  }

  /** Where playback is now, in npt seconds, from the last canonical timestamp output. */
  positionNpt(): number {
    const s = this.begin;
    if (!s) return 0;
    for (const t of this.tracks) {
      const out = this.mapper.lastOutput(t.index);
      const base = s.rtptime[t.index];
      if (out && base !== undefined) {
        return s.npt + ((out.ts - base + 0x100000000) % 0x100000000) / t.clockRate;
      }
    }
    return s.npt;
  }

  /** Where a new leg of on-demand content should start: a little before the viewers. */
  resumeNpt(): number {
    return Math.max(0, this.positionNpt() - RESUME_OVERLAP_SEC);
  }
}
