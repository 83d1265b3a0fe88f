/**
 * RTCP for viewers of a seamed source. Legs' sender reports are mapped into canonical space
 * (SSRC and RTP timestamp) so players keep audio and video in sync after the merge; only one
 * leg's reports are used (the clock leg) because each upstream session may pair NTP and RTP
 * time differently. A BYE goes to viewers once per track: when every playing leg has sent one,
 * or `byeWaitMs` after the first (a leg behind the others may still fill holes until then).
 * Pure: time comes in as arguments.
 */
import { parseRtcp, serializeRtcp, type RtcpPacket } from '../protocol/rtp/rtcp.js';
import { rtpPayloadOffset } from '../protocol/rtp/rtp.js';

export interface RtcpMapper {
  canonicalSsrc(track: number): number | undefined;
  mapTimestamp(leg: string, track: number, legTs: number): number | undefined;
}

export interface RtcpRelayOptions {
  readonly tracks: number;
  readonly seamer: RtcpMapper;
  /** The leg whose sender reports are used. */
  readonly clockLeg: () => string | undefined;
  readonly activeLegs: () => string[];
  readonly emit: (track: number, packet: Buffer) => void;
  readonly byeWaitMs?: number;
}

export const CNAME = 'seamd';
/** After the first track's BYE (plus byeWaitMs), tracks still without one are ended too. */
export const END_ALL_AFTER_MS = 2000;

/**
 * A BYE as RFC 3550 6.1 wants it: a compound packet that starts with a report (an empty RR)
 * and carries SDES CNAME. Players check this: ffmpeg ignores RTCP shorter than 12 bytes, so a
 * bare 8-byte BYE would never end its stream.
 */
export function byePacket(ssrc: number, reason?: string): Buffer {
  const bye: RtcpPacket =
    reason === undefined ? { type: 'bye', ssrcs: [ssrc] } : { type: 'bye', ssrcs: [ssrc], reason };
  return serializeRtcp([
    { type: 'rr', ssrc, reports: [] },
    { type: 'sdes', chunks: [{ ssrc, items: [{ type: 1, text: CNAME }] }] },
    bye,
  ]);
}

export class RtcpRelay {
  private readonly packets: number[];
  private readonly octets: number[];
  private byeFrom: Array<Set<string>>;
  private byeFirstAt: Array<number | undefined>;
  private byeSent: boolean[];

  constructor(private readonly opts: RtcpRelayOptions) {
    this.packets = new Array<number>(opts.tracks).fill(0);
    this.octets = new Array<number>(opts.tracks).fill(0);
    this.byeFrom = [];
    this.byeFirstAt = [];
    this.byeSent = [];
    this.reset();
  }

  /** A new PLAY (start or seek): the stream goes on, so BYE state starts over. */
  reset(): void {
    this.byeFrom = Array.from({ length: this.opts.tracks }, () => new Set<string>());
    this.byeFirstAt = new Array<number | undefined>(this.opts.tracks).fill(undefined);
    this.byeSent = new Array<boolean>(this.opts.tracks).fill(false);
  }

  countOutput(track: number, packet: Buffer): void {
    if (track >= this.opts.tracks) return;
    this.packets[track] = (this.packets[track] ?? 0) + 1;
    const off = rtpPayloadOffset(packet);
    this.octets[track] = (this.octets[track] ?? 0) + (off < 0 ? 0 : packet.length - off);
  }

  fromLeg(leg: string, track: number, packet: Buffer, now: number): void {
    let parsed: RtcpPacket[];
    try {
      parsed = parseRtcp(packet);
    } catch {
      return; // a malformed report from upstream is dropped, not relayed
    }
    for (const p of parsed) {
      if (p.type === 'sr') this.senderReport(leg, track, p);
      else if (p.type === 'bye') this.bye(leg, track, now);
    }
  }

  tick(now: number): void {
    const wait = this.opts.byeWaitMs ?? 1500;
    let firstAny: number | undefined;
    for (let t = 0; t < this.opts.tracks; t++) {
      const first = this.byeFirstAt[t];
      if (first !== undefined && !this.byeSent[t] && now - first >= wait) this.sendBye(t);
      if (first !== undefined) firstAny = Math.min(firstAny ?? first, first);
    }
    // A presentation ends as a whole: a track whose BYE was lost on every leg (UDP) ends
    // END_ALL_AFTER_MS after another track's, rather than leave the player waiting.
    if (firstAny !== undefined && now - firstAny >= wait + END_ALL_AFTER_MS) this.endAll();
  }

  /** Sends the BYE of every track that has not had one (the stream is over). */
  endAll(): void {
    for (let t = 0; t < this.opts.tracks; t++) if (!this.byeSent[t]) this.sendBye(t);
  }

  private senderReport(leg: string, track: number, sr: Extract<RtcpPacket, { type: 'sr' }>): void {
    if (leg !== this.opts.clockLeg()) return;
    const ssrc = this.opts.seamer.canonicalSsrc(track);
    const rtpTimestamp = this.opts.seamer.mapTimestamp(leg, track, sr.rtpTimestamp);
    if (ssrc === undefined || rtpTimestamp === undefined) return;
    this.opts.emit(
      track,
      serializeRtcp([
        {
          type: 'sr',
          ssrc,
          ntpSec: sr.ntpSec,
          ntpFrac: sr.ntpFrac,
          rtpTimestamp,
          packetCount: (this.packets[track] ?? 0) >>> 0,
          octetCount: (this.octets[track] ?? 0) >>> 0,
          reports: [],
        },
        { type: 'sdes', chunks: [{ ssrc, items: [{ type: 1, text: CNAME }] }] },
      ]),
    );
  }

  private bye(leg: string, track: number, now: number): void {
    const from = this.byeFrom[track];
    if (!from || this.byeSent[track]) return;
    from.add(leg);
    this.byeFirstAt[track] ??= now;
    if (this.opts.activeLegs().every((l) => from.has(l))) this.sendBye(track);
  }

  private sendBye(track: number): void {
    this.byeSent[track] = true;
    const ssrc = this.opts.seamer.canonicalSsrc(track);
    if (ssrc === undefined) return;
    this.opts.emit(track, byePacket(ssrc));
  }
}
