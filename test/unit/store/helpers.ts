import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { NewRecordingMeta } from '../../../src/store/meta.js';

/** A canonical RTP packet: seq = ext & 0xffff, payload derived from ext so copies can be compared. */
export function rtp(
  ext: number,
  ts: number,
  opts: { pt?: number; marker?: boolean; size?: number; ssrc?: number } = {},
): Buffer {
  const size = opts.size ?? 20;
  const b = Buffer.alloc(12 + size);
  b[0] = 0x80;
  b[1] = (opts.marker ? 0x80 : 0) | (opts.pt ?? 96);
  b.writeUInt16BE(ext % 0x10000, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(opts.ssrc ?? 0x11223344, 8);
  for (let i = 0; i < size; i++) b[12 + i] = (ext * 31 + i) & 0xff;
  return b;
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

const dirs: string[] = [];

/** A fresh temp dir, removed after the test. */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'seamd-store-'));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

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
