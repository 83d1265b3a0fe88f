/**
 * Where a player can start decoding: a packet that begins a random-access point (an H.264 IDR,
 * an H.265 IRAP picture) or carries the parameter sets sent right before one. Used to start a
 * seek from a recording where a player expects it (RFC 2326 lets the server start a Range at an
 * earlier point; origins snap to keyframes the same way). Peeks at the payload header only: no
 * depacketizing. RFC 6184 (H.264) and RFC 7798 (H.265) NAL unit and aggregation formats.
 */
import { rtpPayloadEnd, rtpPayloadOffset } from './rtp.js';

export type StartKind =
  /** The packet starts a picture a decoder can begin at. */
  | 'keyframe'
  /** Parameter sets / SEI / delimiters that belong in front of a keyframe. */
  | 'prefix'
  | 'other';

/** Codecs whose random-access points are known; others: every packet is a start. */
export function knowsKeyframes(encoding: string | undefined): boolean {
  const e = encoding?.toUpperCase();
  return e === 'H264' || e === 'H265';
}

/**
 * An aggregation packet (H.264 STAP-A, H.265 AP): [size:16][NAL]... from `from`. A keyframe if
 * any NAL unit is one, else a prefix if any is one; `kindOf` reads a NAL unit's first byte.
 */
function aggregated(payload: Buffer, from: number, kindOf: (nal: number) => StartKind): StartKind {
  let kind: StartKind = 'other';
  for (let at = from; at + 2 < payload.length;) {
    const size = payload.readUInt16BE(at);
    const nal = payload[at + 2];
    if (nal === undefined || size === 0) break;
    const k = kindOf(nal);
    if (k === 'keyframe') return k;
    if (k === 'prefix') kind = 'prefix';
    at += 2 + size;
  }
  return kind;
}

function h264Nal(type: number): StartKind {
  if (type === 5) return 'keyframe';
  if (type === 7 || type === 8 || type === 6 || type === 9) return 'prefix';
  return 'other';
}

function h264(payload: Buffer): StartKind {
  const first = payload[0];
  if (first === undefined) return 'other';
  const type = first & 0x1f;
  if (type >= 1 && type <= 23) return h264Nal(type);
  // STAP-A: [size:16][NAL]...
  if (type === 24) return aggregated(payload, 1, (nal) => h264Nal(nal & 0x1f));
  if (type === 28 || type === 29) {
    // FU-A/FU-B: the start fragment names the NAL type.
    const header = payload[1];
    if (header === undefined || (header & 0x80) === 0) return 'other';
    return (header & 0x1f) === 5 ? 'keyframe' : 'other';
  }
  return 'other';
}

function h265Nal(type: number): StartKind {
  if (type >= 16 && type <= 21) return 'keyframe';
  if ((type >= 32 && type <= 35) || type === 39) return 'prefix';
  return 'other';
}

function h265(payload: Buffer): StartKind {
  const first = payload[0];
  if (first === undefined || payload.length < 2) return 'other';
  const type = (first >> 1) & 0x3f;
  if (type < 48) return h265Nal(type);
  // AP: [2-byte header][size:16][NAL]...
  if (type === 48) return aggregated(payload, 2, (nal) => h265Nal((nal >> 1) & 0x3f));
  if (type === 49) {
    const fu = payload[2];
    if (fu === undefined || (fu & 0x80) === 0) return 'other';
    return h265Nal(fu & 0x3f) === 'keyframe' ? 'keyframe' : 'other';
  }
  return 'other';
}

/** What an RTP payload (without the RTP header) of `encoding` starts. */
export function startKind(encoding: string | undefined, payload: Buffer): StartKind {
  switch (encoding?.toUpperCase()) {
    case 'H264':
      return h264(payload);
    case 'H265':
      return h265(payload);
    default:
      return 'keyframe';
  }
}

/**
 * Whether a whole RTP packet begins a keyframe's access unit, parameter sets included (what
 * repair needs; `startKind` above classifies a payload for seeking). An origin answers a Range from the
 * keyframe at or before the time asked, so a repair leg must ask from the keyframe that comes
 * before the first missing packet: asked from any later time, the packets before the next
 * keyframe (the last ones of a GOP) never come.
 *
 * H.264 (RFC 6184): an SPS (7) or IDR slice (5) alone, a STAP-A (24) whose first NAL unit is
 * one, or the first fragment (FU-A, 28) of an IDR slice. H.265 (RFC 7798): VPS/SPS/PPS (32..34)
 * or an IRAP slice (16..23), alone, first in an aggregation packet (48) or as the first
 * fragment (49).
 */
const h264Key = (t: number): boolean => t === 5 || t === 7;
const h265Key = (t: number): boolean => (t >= 16 && t <= 23) || (t >= 32 && t <= 34);

/** The video codecs whose keyframes can be told; others: undefined. */
export type KeyframeCodec = 'H264' | 'H265';

export function keyframeCodec(encoding: string | undefined): KeyframeCodec | undefined {
  const e = encoding?.toUpperCase();
  return e === 'H264' || e === 'H265' ? e : undefined;
}

export function startsKeyframe(packet: Buffer, codec: KeyframeCodec): boolean {
  const at = rtpPayloadOffset(packet);
  const end = rtpPayloadEnd(packet);
  if (at < 0 || end - at < 1) return false;
  const b0 = packet[at] as number;
  if (codec === 'H264') {
    const t = b0 & 0x1f;
    if (h264Key(t)) return true;
    if (t === 24) return end - at >= 4 && h264Key((packet[at + 3] as number) & 0x1f);
    if (t === 28 && end - at >= 2) {
      const fu = packet[at + 1] as number;
      return (fu & 0x80) !== 0 && (fu & 0x1f) === 5;
    }
    return false;
  }
  const t = (b0 >> 1) & 0x3f;
  if (h265Key(t)) return true;
  if (t === 48) return end - at >= 5 && h265Key(((packet[at + 4] as number) >> 1) & 0x3f);
  if (t === 49 && end - at >= 3) {
    const fu = packet[at + 2] as number;
    return (fu & 0x80) !== 0 && h265Key(fu & 0x3f);
  }
  return false;
}
