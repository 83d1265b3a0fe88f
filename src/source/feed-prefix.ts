/**
 * The parameter sets an origin re-sends at the start of a PLAY (feed-session.ts): told apart so
 * that they are never written where they arrived.
 */
import { rtpPayloadHash } from '../seam/payload-hash.js';
import { knowsKeyframes, startKind } from '../protocol/rtp/keyframe.js';
import { rtpPayloadOffset, rtpSeq } from '../protocol/rtp/rtp.js';

/** Packets looked at to find the re-sent ones at the start of a PLAY. */
export const PREFIX_LOOKAHEAD = 16;

/** A packet of a segment as the session holds it. */
export interface Held {
  sx: number;
  npt: number;
  packet: Buffer;
  at: number;
}

/**
 * How many packets at the start of a PLAY are parameter sets sent again right after (an origin
 * re-sends them before the keyframe that carries them, measured after a ranged PLAY): they are
 * not where they sit. A parameter set that comes again d packets later means a block of d re-sent
 * ones from the first packet. When some of the first packets were lost and none came again, the
 * leading parameter sets cannot be placed for sure: they are left for another session to fill.
 */
export function resentPrefix(
  held: readonly Held[],
  encoding: string | undefined,
  seq: number | undefined,
): number {
  const h0 = held[0];
  if (!knowsKeyframes(encoding) || !h0) return 0;
  const start = seq === undefined ? h0.sx : h0.sx - ((rtpSeq(h0.packet) - seq) & 0xffff);
  const first = held.filter((h) => h.sx < start + PREFIX_LOOKAHEAD);
  const kind = (h: Held) => {
    const at = rtpPayloadOffset(h.packet);
    return at < 0 ? 'other' : startKind(encoding, h.packet.subarray(at));
  };
  for (const a of first) {
    if (a.sx >= start + 4 || kind(a) !== 'prefix') break;
    const hash = rtpPayloadHash(a.packet);
    const again = first.find((b) => b.sx > a.sx && rtpPayloadHash(b.packet) === hash);
    if (again) return a.sx - start + (again.sx - a.sx);
  }
  const seen = new Set(first.map((h) => h.sx));
  let lost = false;
  for (let x = start; x < start + 4; x++) if (!seen.has(x)) lost = true;
  if (!lost) return 0;
  let n = 0;
  for (const a of first) {
    if (kind(a) !== 'prefix') break;
    n = a.sx - start + 1;
  }
  return n;
}
