import type { RecordingTrack } from '../../src/store/reader.js';

/** Copies of the packets a recording's track holds, in ext order. */
export async function storedPackets(track: RecordingTrack): Promise<Buffer[]> {
  const stored = await track.readPackets(track.firstExt ?? 0, track.lastExt ?? 0);
  return stored.map((p) => Buffer.from(p.packet));
}
