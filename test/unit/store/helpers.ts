import pino from 'pino';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { RecordingFeed } from '../../../src/store/feed.js';
import type { RecordingWriter } from '../../../src/store/writer.js';
import type { NewRecordingMeta } from '../../../src/store/meta.js';
import { sourceKey } from '../../../src/upstream/url.js';
import { tempDir } from '../../helpers/tmp.js';
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

/**
 * A new recording in a new catalog (a temp dir, no quota) and the feed that writes it as one
 * would for a file-backed source: `meta` (sampleMeta(1) if not given) with the tracks' npt 0 at
 * `startRtpTime` and the duration given, when given.
 */
export async function newFedRecording(
  prefix: string,
  opts: { meta?: NewRecordingMeta; durationSec?: number; startRtpTime?: number } = {},
): Promise<{
  catalog: RecordingCatalog;
  feed: RecordingFeed;
  writer: RecordingWriter;
  dir: string;
}> {
  const catalog = new RecordingCatalog({
    dir: await tempDir(prefix),
    log: pino({ level: 'silent' }),
    quotaBytes: 0,
    keyOf: sourceKey,
  });
  await catalog.open();
  const base = opts.meta ?? sampleMeta(1);
  const start = opts.startRtpTime;
  const meta: NewRecordingMeta = {
    ...base,
    ...(opts.durationSec === undefined ? {} : { durationSec: opts.durationSec }),
    ...(start === undefined
      ? {}
      : { tracks: base.tracks.map((t) => ({ ...t, startRtpTime: start })) }),
  };
  const { entry, writer } = await catalog.create(meta, 0);
  return { catalog, feed: new RecordingFeed(entry, writer, true), writer, dir: entry.dir };
}
