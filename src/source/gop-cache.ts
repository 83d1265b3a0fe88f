/**
 * Fast start for live content: the packets a live source sent since its latest video keyframe,
 * so a viewer who joins mid-GOP gets a picture it can decode at once instead of waiting for the
 * origin's next keyframe. The cache holds the canonical packets (the same Buffers the viewers
 * got, in the order they went out, all tracks interleaved) from the start of the oldest kept GOP,
 * bounded in GOPs, bytes and packets.
 *
 * A joiner's burst starts, on the video track, at the first packet of the newest keyframe's
 * access unit (parameter sets sent in-band with the IDR come with it); on every other track, at
 * the first packet whose media time is at or after the keyframe's: the tracks' RTP clocks are
 * related through the sender reports the viewers got (arrival time when none came yet), so audio
 * and video start together. Sequence numbers and timestamps are the canonical ones: the burst and
 * the live packets after it are one continuous stream, and RTP-Info names the first packet sent.
 *
 * Only sources with an H.264/H.265 track are cached (their keyframes can be told); pure: time
 * comes in as an argument.
 */
import { startKind, type StartKind } from '../protocol/rtp/keyframe.js';
import { parseRtcp } from '../protocol/rtp/rtcp.js';
import { rtpPayloadEnd, rtpPayloadOffset, rtpSeq, rtpTimestamp } from '../protocol/rtp/rtp.js';
import { tsAdd, tsDelta } from '../protocol/rtp/seq.js';
import type { SdpTrack } from '../protocol/sdp/sdp.js';

export interface GopCacheLimits {
  /** GOPs kept (the newest one is what joiners get; older ones cover tracks that lead). */
  readonly gops: number;
  readonly maxBytes: number;
  readonly maxPackets: number;
}

export const DEFAULT_GOP_LIMITS: GopCacheLimits = {
  gops: 2,
  maxBytes: 8 * 1024 * 1024,
  maxPackets: 8192,
};

/** What a joining viewer gets before the live packets. */
export interface GopBurst {
  /** In the order they went out to viewers. */
  readonly packets: ReadonlyArray<{ readonly track: number; readonly packet: Buffer }>;
  /** Per track: the first packet sent (RTP-Info), or where the track will go on. */
  readonly tracks: ReadonlyArray<{ readonly seq?: number; readonly rtptime?: number }>;
  /** The newest packet the cache held: live packets up to it are already in (or left out of) the burst. */
  readonly last: Buffer;
  /**
   * The newest sender report of each track that had one, to go out before the packets: a player
   * then times the old packets of the burst on the same clock as the live ones (ffmpeg re-bases
   * its timestamps when a track's first report arrives, which mid-burst steps them backwards).
   */
  readonly reports: ReadonlyArray<{ readonly track: number; readonly packet: Buffer }>;
}

/** Packets older than this with no keyframe in the cache are dropped (nothing can use them). */
const NO_KEYFRAME_KEEP_MS = 2000;
/** Packets of the second before the oldest GOP's keyframe are kept for tracks that lead video. */
const LEAD_KEEP_MS = 1000;
/** The ring's dropped slots are compacted away once there are this many (and half the ring). */
const COMPACT_AT = 1024;

interface SenderClock {
  /** NTP time of the report in seconds (floating). */
  readonly ntp: number;
  readonly rtp: number;
}

const VIDEO_CODECS = new Set(['H264', 'H265']);

export class GopCache {
  private readonly video: SdpTrack | undefined;
  /** The ring: slots [head, length) are held; slot i has the absolute index base + i. */
  private tracks: number[] = [];
  private packets: Buffer[] = [];
  private at: number[] = [];
  private head = 0;
  private base = 0;
  private bytes = 0;
  /** Absolute indices where kept GOPs start (the first packet of each keyframe's access unit). */
  private gopStarts: number[] = [];
  private lastKeyTs: number | undefined;
  private readonly clocks: Array<SenderClock | undefined>;
  /** The newest RTCP compound with a sender report, per track (a copy: reports are rare). */
  private readonly reports: Array<Buffer | undefined>;

  constructor(
    private readonly trackInfo: readonly SdpTrack[],
    private readonly limits: GopCacheLimits = DEFAULT_GOP_LIMITS,
  ) {
    this.video = trackInfo.find((t) => VIDEO_CODECS.has(t.encoding?.toUpperCase() ?? ''));
    this.clocks = trackInfo.map(() => undefined);
    this.reports = trackInfo.map(() => undefined);
  }

  /** Whether this content can be cached at all (it has a video track whose keyframes are known). */
  get usable(): boolean {
    return this.video !== undefined;
  }

  get packetCount(): number {
    return this.packets.length - this.head;
  }

  get byteCount(): number {
    return this.bytes;
  }

  /** GOPs held whole (a joiner gets the newest). */
  get gopCount(): number {
    return this.gopStarts.length;
  }

  onRtp(track: number, packet: Buffer, now: number): void {
    if (!this.video) return;
    this.tracks.push(track);
    this.packets.push(packet);
    this.at.push(now);
    this.bytes += packet.length;
    if (track === this.video.index) this.noteVideo(packet);
    this.trim(now);
  }

  /** RTCP as the viewers got it: sender reports relate the tracks' RTP clocks. */
  onRtcp(track: number, packet: Buffer): void {
    if (!this.video || track >= this.clocks.length) return;
    let parsed;
    try {
      parsed = parseRtcp(packet);
    } catch {
      return;
    }
    for (const p of parsed) {
      if (p.type === 'sr') {
        this.clocks[track] = { ntp: p.ntpSec + p.ntpFrac / 2 ** 32, rtp: p.rtpTimestamp };
        this.reports[track] = Buffer.from(packet);
      }
    }
  }

  /** The burst for a viewer joining now; undefined when no keyframe is held. */
  snapshot(): GopBurst | undefined {
    const startAbs = this.gopStarts[this.gopStarts.length - 1];
    const video = this.video;
    const last = this.packets[this.packets.length - 1];
    if (startAbs === undefined || !video || !last || this.packetCount === 0) return undefined;
    const start = startAbs - this.base;
    const keyTs = rtpTimestamp(this.packets[start] as Buffer);
    const keyAt = this.at[start] as number;
    const from = this.trackInfo.map((t) =>
      t.index === video.index ? start : this.alignedStart(t, keyTs, keyAt),
    );
    const packets: Array<{ track: number; packet: Buffer }> = [];
    const first: Array<Buffer | undefined> = this.trackInfo.map(() => undefined);
    let lowest = start;
    for (const f of from) if (f !== undefined && f < lowest) lowest = f;
    for (let i = lowest; i < this.packets.length; i++) {
      const track = this.tracks[i] as number;
      const f = from[track];
      if (f === undefined || i < f) continue;
      const packet = this.packets[i] as Buffer;
      first[track] ??= packet;
      packets.push({ track, packet });
    }
    const tracks = this.trackInfo.map((t) => {
      const p = first[t.index];
      if (p) return { seq: rtpSeq(p), rtptime: rtpTimestamp(p) };
      return this.nextOf(t.index);
    });
    const reports = this.reports.flatMap((packet, track) => (packet ? [{ track, packet }] : []));
    return { packets, tracks, last, reports };
  }

  /** Drops every packet (the source closed). */
  clear(): void {
    this.tracks = [];
    this.packets = [];
    this.at = [];
    this.base += this.head;
    this.head = 0;
    this.bytes = 0;
    this.gopStarts = [];
    this.lastKeyTs = undefined;
  }

  private noteVideo(packet: Buffer): void {
    const video = this.video as SdpTrack;
    const kind = payloadKind(video.encoding, packet);
    if (kind !== 'keyframe') return;
    const ts = rtpTimestamp(packet);
    // Several slices (or fragments) of one IDR picture: one GOP start.
    if (ts === this.lastKeyTs) return;
    this.lastKeyTs = ts;
    // Parameter sets, SEI and delimiters of the same access unit go out right before the IDR.
    let at = this.packets.length - 1;
    for (let i = at - 1; i >= this.head; i--) {
      if (this.tracks[i] !== video.index) continue;
      const p = this.packets[i] as Buffer;
      if (rtpTimestamp(p) !== ts || payloadKind(video.encoding, p) !== 'prefix') break;
      at = i;
    }
    this.gopStarts.push(this.base + at);
    if (this.gopStarts.length > Math.max(1, this.limits.gops)) {
      this.gopStarts.shift();
      this.dropTo(this.keepFrom());
    }
  }

  /**
   * The slot the oldest kept GOP needs from: its first packet, less up to a second of packets
   * before it (another track's packets at or after its keyframe's time may have gone out first).
   */
  private keepFrom(): number {
    const oldest = (this.gopStarts[0] as number) - this.base;
    const keyAt = this.at[oldest] as number;
    let i = oldest;
    while (i > this.head && (this.at[i - 1] as number) >= keyAt - LEAD_KEEP_MS) i--;
    return i;
  }

  private trim(now: number): void {
    let to = this.head;
    if (this.gopStarts.length === 0) {
      while (to < this.at.length && (this.at[to] as number) < now - NO_KEYFRAME_KEEP_MS) to++;
    }
    let bytes = this.bytes;
    for (let i = this.head; i < to; i++) bytes -= (this.packets[i] as Buffer).length;
    while (
      to < this.packets.length &&
      (bytes > this.limits.maxBytes || this.packets.length - to > this.limits.maxPackets)
    ) {
      bytes -= (this.packets[to] as Buffer).length;
      to++;
    }
    this.dropTo(to);
  }

  /** Drops slots before `to`; GOPs that lose their start are forgotten. */
  private dropTo(to: number): void {
    if (to <= this.head) return;
    for (let i = this.head; i < to; i++) this.bytes -= (this.packets[i] as Buffer).length;
    this.head = to;
    while (this.gopStarts.length > 0 && (this.gopStarts[0] as number) < this.base + to) {
      this.gopStarts.shift();
    }
    if (this.head >= COMPACT_AT && this.head * 2 >= this.packets.length) {
      this.tracks.splice(0, this.head);
      this.packets.splice(0, this.head);
      this.at.splice(0, this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  /** Ring slot of `t`'s first packet at or after the keyframe's time; undefined: none yet. */
  private alignedStart(t: SdpTrack, keyTs: number, keyAt: number): number | undefined {
    const target = this.targetTs(t, keyTs);
    for (let i = this.head; i < this.packets.length; i++) {
      if (this.tracks[i] !== t.index) continue;
      if (target !== undefined) {
        if (tsDelta(target, rtpTimestamp(this.packets[i] as Buffer)) >= 0) return i;
      } else if ((this.at[i] as number) >= keyAt) {
        return i;
      }
    }
    return undefined;
  }

  /** `t`'s RTP time at the keyframe's instant, from the two tracks' sender reports. */
  private targetTs(t: SdpTrack, keyTs: number): number | undefined {
    const video = this.video as SdpTrack;
    const v = this.clocks[video.index];
    const a = this.clocks[t.index];
    if (!v || !a) return undefined;
    const instant = v.ntp + tsDelta(v.rtp, keyTs) / video.clockRate;
    return tsAdd(a.rtp, Math.round((instant - a.ntp) * t.clockRate));
  }

  /** Where a track with no packet in the burst goes on: its next sequence number. */
  private nextOf(track: number): { seq?: number; rtptime?: number } {
    for (let i = this.packets.length - 1; i >= this.head; i--) {
      if (this.tracks[i] !== track) continue;
      return { seq: (rtpSeq(this.packets[i] as Buffer) + 1) & 0xffff };
    }
    return {};
  }
}

function payloadKind(encoding: string | undefined, packet: Buffer): StartKind {
  const off = rtpPayloadOffset(packet);
  const end = rtpPayloadEnd(packet);
  if (off < 0 || end <= off) return 'other';
  if (encoding === 'H264') {
    // The common cases without a slice: a non-IDR slice alone, or a fragment of one.
    const type = (packet[off] as number) & 0x1f;
    if (type === 1) return 'other';
    if (type === 28 && end - off >= 2) {
      const fu = packet[off + 1] as number;
      return (fu & 0x80) !== 0 && (fu & 0x1f) === 5 ? 'keyframe' : 'other';
    }
  }
  return startKind(encoding, packet.subarray(off, end));
}
