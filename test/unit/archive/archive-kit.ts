/** Archive segments written by the store's real segment writer, for the listing tests. */
import type { NewRecordingMeta } from '../../../src/store/meta.js';
import type { ArchiveStore } from '../../../src/store/segments.js';
import { rtpPacket, patternPayload } from '../../helpers/rtp.js';

export const META: NewRecordingMeta = {
  originUrl: 'rtsp://origin/live',
  path: 'live',
  sdp: 'v=0\r\n',
  sdpIdentity: 'x',
  live: true,
  tracks: [{ index: 0, clockRate: 90_000, payloadTypes: [96], media: 'video' }],
};
export const T0 = Date.UTC(2026, 11, 1, 14, 0, 0);

/** `seconds` of 25 fps video, a keyframe every second; closed unless `open`. */
export async function segment(
  store: ArchiveStore,
  startMs: number,
  seconds: number,
  section: number,
  opts: { endReason?: string; open?: boolean } = {},
) {
  const seg = await store.startSegment(META, startMs, section);
  const w = seg.writer!;
  for (let f = 0; f < seconds * 25; f++) {
    const p = rtpPacket({ seq: f, ts: f * 3600, payload: patternPayload(f, 200) });
    w.append(0, f, p, startMs + f * 40, f % 25 === 0);
  }
  if (opts.endReason) seg.state.endReason = opts.endReason;
  if (opts.open) await w.flush();
  else await store.finishSegment(seg);
  return seg;
}

export const end = (startMs: number, seconds: number) => startMs + (seconds * 25 - 1) * 40;
