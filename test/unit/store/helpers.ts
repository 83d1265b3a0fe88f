import type { NewRecordingMeta } from '../../../src/store/meta.js';
import { patternPayload, rtpPacket } from '../../helpers/rtp.js';

export { tempDir } from '../../helpers/tmp.js';

/** A canonical RTP packet: seq = ext & 0xffff, payload derived from ext so copies can be compared. */
export function rtp(
  ext: number,
  ts: number,
  opts: { pt?: number; marker?: boolean; size?: number; ssrc?: number } = {},
): Buffer {
  return rtpPacket({
    seq: ext,
    ts,
    ssrc: opts.ssrc ?? 0x11223344,
    pt: opts.pt ?? 96,
    marker: opts.marker ?? false,
    payload: patternPayload(ext, opts.size ?? 20),
  });
}

export function sampleMeta(tracks = 2): NewRecordingMeta {
  return {
    originUrl: 'rtsp://origin.example/movie',
    path: 'movie',
    sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=movie\r\nt=0 0\r\n',
    sdpIdentity: 'sha256:abcd',
    tracks: Array.from({ length: tracks }, (_, i) => ({
      index: i,
      control: `stream=${i}`,
      media: i === 0 ? 'video' : 'audio',
      clockRate: i === 0 ? 90000 : 8000,
      payloadTypes: [i === 0 ? 96 : 0],
    })),
  };
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Runs `fn` and returns what it threw (fails when it does not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}
