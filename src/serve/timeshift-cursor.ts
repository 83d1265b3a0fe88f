/**
 * One track of a time-shift playback: reads the track's log forward through the archive's
 * segments (across segment ends, into the next section after a gap; at the live edge it waits for
 * the writer's next flush), and rewrites every packet into the viewer's one continuous RTP space:
 * within a section sequence numbers and timestamps keep their stored distances; after a gap they
 * go on from where they were (timestamps advanced by the media time that passed for the viewer,
 * the gap itself skipped), so a player sees one stream.
 *
 * Sender reports pair the archive's time with an RTP time on one fixed line per track (set by
 * the first packet played): a player that times packets by the reports (ffmpeg) then sees the
 * packets' own timestamps, however the stored wall-clock times jump. They do jump: a section's
 * first packets are timed by arrival until the origin's first sender report, then by the report.
 * Extrapolating from the last packet's wall-clock time instead put the reports off the line by
 * that jump, and a player's timestamps went back by it.
 */
import { startsKeyframe, type KeyframeCodec } from '../protocol/rtp/keyframe.js';
import { rtpSeq, rtpSsrc, setRtpSeq, setRtpSsrc, setRtpTimestamp } from '../protocol/rtp/rtp.js';
import { tsAdd, tsDelta } from '../protocol/rtp/seq.js';
import { readSegmentLog, type ArchivedPacket } from '../store/segment-reader.js';
import type { ArchiveStore, Segment } from '../store/segments.js';
import { TrackQueue } from './track-queue.js';

/** Queued ahead per track (packets); refilled below REFILL_BELOW. */
const MAX_QUEUED = 1024;
const REFILL_BELOW = 256;

export interface QueuedPacket extends ArchivedPacket {
  readonly section: number;
  /**
   * Part of a keyframe's access unit (every packet of a codec without keyframes), including the
   * packets of that unit before the one that shows it (an access unit delimiter, SEI).
   */
  keyframe: boolean;
  /** The first packet of an access unit (a new timestamp). */
  readonly startsUnit: boolean;
}

export class ArchiveCursor extends TrackQueue<QueuedPacket> {
  private reading: Promise<void> | undefined;
  private lastTs: number | undefined;
  private keyTs: number | undefined;
  /** Nothing more to read for now (live edge); `done`: the archive ends here for good. */
  waiting = false;
  done = false;
  // Output space.
  ssrc: number | undefined;
  private section: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  lastOutSeq: number | undefined;
  lastOutTs: number | undefined;
  /** Media time (viewer's ms) of the last packet sent. */
  lastMediaMs: number | undefined;
  /** The line sender reports are on: the viewer's RTP time at media time `lineMediaMs`. */
  private lineTs: number | undefined;
  private lineMediaMs = 0;

  constructor(
    index: number,
    clockRate: number,
    private readonly store: ArchiveStore,
    private segment: Segment,
    private offset: number,
    /** Packets before this wall-clock time are skipped (tracks start with the keyframe). */
    private readonly skipBefore: number,
    private readonly codec: KeyframeCodec | undefined,
  ) {
    super(index, clockRate);
  }

  get low(): boolean {
    return !this.done && this.available < REFILL_BELOW;
  }

  /** Reads ahead (one read at a time). */
  fill(): Promise<void> {
    if (this.reading || this.done) return this.reading ?? Promise.resolve();
    this.reading = this.readMore().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readMore(): Promise<void> {
    this.compact();
    this.waiting = false;
    while (this.queue.length < MAX_QUEUED) {
      const seg = this.segment;
      const limit = this.store.readableBytes(seg, this.index);
      const { packets, next } = await readSegmentLog(seg.dir, this.index, this.offset, limit);
      this.offset = next;
      if (packets.length === 0) {
        if (seg.writer || limit !== undefined) {
          this.waiting = true; // the live edge: the writer's next flush brings more
          return;
        }
        const after = this.store.next(seg);
        if (!after) {
          this.waiting = true;
          return;
        }
        this.segment = after;
        this.offset = 0;
        continue;
      }
      for (const p of packets) {
        if (p.wallMs < this.skipBefore) continue;
        const startsUnit = p.ts !== this.lastTs;
        this.lastTs = p.ts;
        let keyframe = true;
        if (this.codec) {
          if (startsKeyframe(p.packet, this.codec) && this.keyTs !== p.ts) {
            this.keyTs = p.ts;
            for (let i = this.queue.length - 1; i >= this.head; i--) {
              const q = this.queue[i]!;
              if (q.ts !== p.ts || q.section !== seg.state.section) break;
              q.keyframe = true;
            }
          }
          keyframe = p.ts === this.keyTs;
        }
        this.queue.push({ ...p, section: seg.state.section, keyframe, startsUnit });
      }
    }
  }

  /**
   * The packet as the viewer gets it (a copy): this track's SSRC, sequence numbers and
   * timestamps continuous across sections; `mediaMs` is the viewer's media time of the packet.
   */
  rewrite(p: QueuedPacket, mediaMs: number): Buffer {
    const out = Buffer.from(p.packet);
    if (this.ssrc === undefined) this.ssrc = rtpSsrc(p.packet);
    if (this.section !== p.section) {
      if (this.lastOutSeq === undefined || this.lastOutTs === undefined) {
        this.seqOffset = 0;
        this.tsOffset = 0;
      } else {
        // Where the line is at this packet's media time, never before the last packet + 1 ms.
        const onLine = this.rtpTimeAt(mediaMs) ?? this.lastOutTs;
        const least = tsAdd(this.lastOutTs, Math.ceil(this.clockRate / 1000));
        const ts = tsDelta(least, onLine) > 0 ? onLine : least;
        this.tsOffset = ts - p.ts;
        this.seqOffset = this.lastOutSeq + 1 - rtpSeq(p.packet);
      }
      this.section = p.section;
    }
    const seq = (rtpSeq(p.packet) + this.seqOffset) & 0xffff;
    const ts = tsAdd(p.ts, this.tsOffset);
    setRtpSsrc(out, this.ssrc);
    setRtpSeq(out, seq);
    setRtpTimestamp(out, ts);
    this.lastOutSeq = seq;
    this.lastOutTs = ts;
    this.lastMediaMs = mediaMs;
    if (this.lineTs === undefined) {
      this.lineTs = ts;
      this.lineMediaMs = mediaMs;
    }
    this.packets++;
    this.octets += out.length - 12;
    return out;
  }

  /** The viewer's RTP time at media time `mediaMs`, on the line (sender reports, RTP-Info). */
  rtpTimeAt(mediaMs: number): number | undefined {
    if (this.lineTs === undefined) return undefined;
    return tsAdd(this.lineTs, Math.round(((mediaMs - this.lineMediaMs) * this.clockRate) / 1000));
  }
}
