import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors.js';
import { parseSdp, type SdpInfo } from '../../../src/protocol/sdp/sdp.js';
import { RecordingCache } from '../../../src/serve/cache.js';
import { sourceKey } from '../../../src/upstream/url.js';
import type { SourceRequest } from '../../../src/source/registry.js';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { crlf, GST_FILE } from '../protocol/sdp/fixtures.js';
import { rtp, tempDir } from '../store/helpers.js';

const ORIGIN = 'rtsp://origin.example/movie';
const SDP = crlf(GST_FILE);
const info = (text: string): SdpInfo => parseSdp(text, `${ORIGIN}/`);
const CHANGED = SDP.replace('a=range:npt=now-30', 'a=range:npt=now-31');
const req = { origin: ORIGIN, pathName: 'movie' } as SourceRequest;

async function setup(answer: () => Promise<SdpInfo>, opts: { minCompleteness?: number } = {}) {
  const root = await tempDir();
  const writer = await RecordingWriter.create(
    join(root, 'rec'),
    {
      originUrl: ORIGIN,
      path: 'movie',
      sdp: SDP,
      sdpIdentity: info(SDP).identity,
      durationSec: 30,
      tracks: [0, 1].map((index) => ({
        index,
        clockRate: index === 0 ? 90000 : 44100,
        payloadTypes: [96 + index],
      })),
    },
    { flushIntervalMs: 0 },
  );
  // 15 s of 2 tracks: half the announced 30 s.
  for (let i = 0; i < 375; i++) {
    writer.append(0, i, rtp(i, i * 3600, { pt: 96 }), 0);
    writer.append(1, i, rtp(i, i * 1764, { pt: 97 }), 0);
  }
  await writer.close('partial');
  const log = pino({ level: 'silent' });
  const catalog = new RecordingCatalog({ dir: root, log, quotaBytes: 0, keyOf: sourceKey });
  await catalog.open();
  let asked = 0;
  const incomplete: string[] = [];
  const cache = new RecordingCache({
    onIncomplete: (id) => incomplete.push(id),
    catalog,
    log,
    minCompleteness: () => opts.minCompleteness ?? 40,
    revalidate: () => true,
    revalidateTimeoutMs: () => 200,
    describe: () => {
      asked++;
      return { result: answer(), cancel: () => undefined };
    },
  });
  return { cache, asked: () => asked, incomplete };
}

describe('RecordingCache.lookup', () => {
  it('same content at the origin: served from the recording (and the answer is reused)', async () => {
    const { cache, asked } = await setup(() => Promise.resolve(info(SDP)));
    const p = await cache.lookup(req);
    expect(p?.kind).toBe('recording');
    expect(p?.info.tracks).toHaveLength(2);
    p?.close();
    expect((await cache.lookup(req))?.kind).toBe('recording');
    expect(asked()).toBe(1);
  });

  it('changed content (another SDP identity): not served, go upstream', async () => {
    const { cache } = await setup(() => Promise.resolve(info(CHANGED)));
    expect(await cache.lookup(req)).toBeUndefined();
  });

  it('origin down or silent: served anyway', async () => {
    const down = await setup(() => Promise.reject(new UpstreamError('UPSTREAM_CLOSED', 'refused')));
    expect((await down.cache.lookup(req))?.kind).toBe('recording');
    const silent = await setup(() => new Promise<SdpInfo>(() => undefined));
    expect((await silent.cache.lookup(req))?.kind).toBe('recording');
  });

  it('origin says 404: the content is gone, the error goes to the viewer', async () => {
    const { cache } = await setup(() =>
      Promise.reject(new UpstreamError('UPSTREAM_STATUS', 'not found', { status: 404 })),
    );
    await expect(cache.lookup(req)).rejects.toThrow('not found');
  });

  it('below serve.minCompleteness: not served; in fallback mode any recording is', async () => {
    const loose = await setup(() => Promise.resolve(info(SDP)));
    expect(await loose.cache.lookup({ ...req, origin: 'rtsp://elsewhere/x' })).toBeUndefined();
    const { cache, asked } = await setup(() => Promise.resolve(info(SDP)), {
      minCompleteness: 100,
    });
    expect(await cache.lookup(req)).toBeUndefined();
    const before = asked();
    expect((await cache.lookup(req, { kind: 'policy', why: 'rule' }))?.kind).toBe('recording');
    expect(
      (await cache.lookup(req, { kind: 'origin-unreachable', reason: 'ECONNREFUSED' }))?.kind,
    ).toBe('recording');
    expect(asked()).toBe(before); // fallback: the origin is not asked
  });
});
