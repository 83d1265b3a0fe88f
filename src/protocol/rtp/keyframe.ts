/**
 * Where a player can start decoding: a packet that begins a random-access point (an H.264 IDR,
 * an H.265 IRAP picture) or carries the parameter sets sent right before one. Used to start a
 * seek from a recording where a player expects it (RFC 2326 lets the server start a Range at an
 * earlier point; origins snap to keyframes the same way). Peeks at the payload header only: no
 * depacketizing. RFC 6184 (H.264) and RFC 7798 (H.265) NAL unit and aggregation formats.
 */

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
  if (type === 24) {
    // STAP-A: [size:16][NAL]...
    let kind: StartKind = 'other';
    for (let at = 1; at + 2 < payload.length;) {
      const size = payload.readUInt16BE(at);
      const nal = payload[at + 2];
      if (nal === undefined || size === 0) break;
      const k = h264Nal(nal & 0x1f);
      if (k === 'keyframe') return k;
      if (k === 'prefix') kind = 'prefix';
      at += 2 + size;
    }
    return kind;
  }
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
  if (type === 48) {
    // AP: [2-byte header][size:16][NAL]...
    let kind: StartKind = 'other';
    for (let at = 2; at + 2 < payload.length;) {
      const size = payload.readUInt16BE(at);
      const nal = payload[at + 2];
      if (nal === undefined || size === 0) break;
      const k = h265Nal((nal >> 1) & 0x3f);
      if (k === 'keyframe') return k;
      if (k === 'prefix') kind = 'prefix';
      at += 2 + size;
    }
    return kind;
  }
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
