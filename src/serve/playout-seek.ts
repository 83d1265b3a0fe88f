/**
 * Where a playout from a recording starts for a Range (RFC 2326 12.29): the packet at or before
 * the asked time, moved back to the keyframe a decoder can begin at (with the parameter sets
 * sent right before it), as origins do. All tracks then start at that keyframe's media time, so
 * they stay in sync. Also the RTP-Info each track needs (seq of its first packet, rtptime at the
 * start time).
 */
import { rtpPayloadOffset } from '../protocol/rtp/rtp.js';
import { knowsKeyframes, startKind } from '../protocol/rtp/keyframe.js';
import { tsAdd } from '../protocol/rtp/seq.js';
import type { Recording, StoredPacket } from '../store/reader.js';

/** How far back (media seconds) a seek looks for a keyframe; packets read per step back. */
export const KEYFRAME_LOOKBACK_SEC = 12;
const STEP_PACKETS = 256;

export interface TrackStart {
  /** First ext to send; undefined for an empty track. */
  readonly ext: number | undefined;
  readonly seq: number | undefined;
  /** RTP time of `npt` on this track. */
  readonly rtptime: number | undefined;
  readonly ssrc: number | undefined;
}

export interface SeekPlan {
  /** Where playback starts (npt seconds): at or before the asked time. */
  readonly npt: number;
  /** Whether `npt` was moved back to a keyframe. */
  readonly keyframe: boolean;
  readonly tracks: readonly TrackStart[];
}

function payloadOf(p: StoredPacket): Buffer {
  return p.packet.subarray(rtpPayloadOffset(p.packet));
}

async function firstIn(
  rec: Recording,
  track: number,
  from: number,
): Promise<StoredPacket | undefined> {
  const t = rec.track(track);
  const last = t.lastExt;
  if (last === undefined) return undefined;
  const gen = t.readRange(from, last, 4096);
  try {
    const r = await gen.next();
    return r.done ? undefined : r.value;
  } finally {
    await gen.return(undefined);
  }
}

/**
 * The keyframe start (ext, npt) at or before `ext` on `track`, if one is within
 * KEYFRAME_LOOKBACK_SEC: reads backwards a step at a time, so a near keyframe costs one read.
 */
async function keyframeBefore(
  rec: Recording,
  track: number,
  encoding: string | undefined,
  ext: number,
): Promise<{ ext: number; npt: number } | undefined> {
  const t = rec.track(track);
  const first = t.firstExt ?? ext;
  const kind = (p: StoredPacket) => startKind(encoding, payloadOf(p));
  let packets: StoredPacket[] = [];
  let hi = ext;
  let found = -1;
  let targetNpt: number | undefined;
  while (hi >= first) {
    const lo = Math.max(first, hi - STEP_PACKETS + 1);
    const step: StoredPacket[] = [];
    for await (const p of t.readRange(lo, hi, 64 * 1024)) step.push(p);
    packets = step.concat(packets);
    targetNpt ??= step.at(-1)?.npt;
    if (found < 0) {
      const limit = (targetNpt ?? 0) - KEYFRAME_LOOKBACK_SEC;
      for (let i = step.length - 1; i >= 0; i--) {
        const p = step[i];
        if (!p || p.npt < limit) break;
        if (kind(p) === 'keyframe') {
          found = i;
          break;
        }
      }
    } else {
      found += step.length; // the keyframe moved right by the packets just prepended
    }
    hi = lo - 1;
    if (found >= 0) {
      // A few packets before it are enough to see its parameter sets.
      if (found >= 8) break;
      continue;
    }
    const oldest = step[0]?.npt;
    if (
      targetNpt !== undefined &&
      oldest !== undefined &&
      oldest < targetNpt - KEYFRAME_LOOKBACK_SEC
    )
      break;
  }
  const key = packets[found];
  if (found < 0 || !key) return undefined;
  let j = found;
  for (;;) {
    const prev = packets[j - 1];
    const cur = packets[j];
    if (!prev || !cur || prev.ext !== cur.ext - 1 || kind(prev) !== 'prefix') break;
    j--;
  }
  return { ext: packets[j]?.ext ?? key.ext, npt: key.npt };
}

/**
 * Plans a playout from `target` seconds. `encodings[i]` is track i's encoding name (H264, ...):
 * the first track with known keyframes decides the start time.
 */
export async function planSeek(
  rec: Recording,
  encodings: ReadonlyArray<string | undefined>,
  target: number,
): Promise<SeekPlan> {
  let npt = Math.max(0, target);
  let keyframe = false;
  const starts = new Map<number, number>();
  const kf = rec.tracks.findIndex((t, i) => t.count > 0 && knowsKeyframes(encodings[i]));
  if (kf >= 0) {
    const near = rec.seekNpt(kf, npt);
    if (near !== undefined) {
      const found = await keyframeBefore(rec, kf, encodings[kf], near);
      if (found) {
        npt = Math.min(npt, Math.max(0, found.npt));
        keyframe = true;
        starts.set(kf, found.ext);
      }
    }
  }
  const tracks: TrackStart[] = [];
  for (const t of rec.tracks) {
    // Without a keyframe: from the first packet of the time (none of its unit left out).
    const ext = starts.get(t.index) ?? rec.seekNpt(t.index, npt, true);
    const first = ext === undefined ? undefined : await firstIn(rec, t.index, ext);
    if (!first) {
      tracks.push({ ext: undefined, seq: undefined, rtptime: undefined, ssrc: undefined });
      continue;
    }
    tracks.push({
      ext: first.ext,
      seq: first.ext & 0xffff,
      rtptime: tsAdd(first.ts, Math.round((npt - first.npt) * t.clockRate)),
      ssrc: first.packet.readUInt32BE(8),
    });
  }
  return { npt, keyframe, tracks };
}
