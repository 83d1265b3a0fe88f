/**
 * Whether a stored RTP packet begins a keyframe (pure). An origin answers a Range from the
 * keyframe at or before the time asked, so a repair leg must ask from the keyframe that comes
 * before the first missing packet: asked from any later time, the packets before the next
 * keyframe (the last ones of a GOP) never come.
 *
 * H.264 (RFC 6184): an SPS (7) or IDR slice (5) alone, a STAP-A (24) whose first NAL unit is
 * one, or the first fragment (FU-A, 28) of an IDR slice. H.265 (RFC 7798): VPS/SPS/PPS (32..34)
 * or an IRAP slice (16..23), alone, first in an aggregation packet (48) or as the first
 * fragment (49).
 */
import { rtpPayloadOffset } from '../protocol/rtp/rtp.js';
import { rtpPayloadEnd } from '../seam/payload-hash.js';

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
