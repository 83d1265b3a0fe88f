import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../src/errors.js';
import type { MediaSource } from '../../../src/source/media-source.js';
import { SourceRegistry, type SourceRequest } from '../../../src/source/registry.js';

const req = { origin: 'rtsp://origin.example/movie', pathName: 'movie' } as SourceRequest;

function registry(opts: {
  allowed: boolean;
  recording: MediaSource | undefined;
  asked: boolean[];
  legs: string[];
}) {
  return new SourceRegistry({
    log: pino({ level: 'silent' }),
    lingerMs: 0,
    createLeg: (id) => {
      opts.legs.push(id);
      throw new UpstreamError('UPSTREAM_CLOSED', 'test: no origin');
    },
    cache: {
      lookup: (_req, fallback = false) => {
        opts.asked.push(fallback);
        return Promise.resolve(opts.recording);
      },
    },
    upstreamPolicy: () => (opts.allowed ? { allowed: true } : { allowed: false, why: 'rule x' }),
  });
}

const fakePlayback = (): MediaSource & { refs: number } => {
  const p = {
    kind: 'recording' as const,
    refs: 0,
    retain() {
      p.refs++;
    },
    once() {
      return p;
    },
  };
  return p as unknown as MediaSource & { refs: number };
};

describe('SourceRegistry: upstream refused by telemetry', () => {
  it('serves any recording (the cache is asked in fallback mode), opens no leg', async () => {
    const asked: boolean[] = [];
    const legs: string[] = [];
    const rec = fakePlayback();
    const got = await registry({ allowed: false, recording: rec, asked, legs }).acquire(req);
    expect(got).toBe(rec);
    expect(rec.refs).toBe(1);
    expect(asked).toEqual([true]);
    expect(legs).toEqual([]);
  });

  it('no recording: 503 without touching the origin', async () => {
    const asked: boolean[] = [];
    const legs: string[] = [];
    const err = await registry({ allowed: false, recording: undefined, asked, legs })
      .acquire(req)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).status).toBe(503);
    expect((err as Error).message).toContain('rule x');
    expect(legs).toEqual([]);
  });

  it('allowed: the cache is asked normally, then the origin', async () => {
    const asked: boolean[] = [];
    const legs: string[] = [];
    await registry({ allowed: true, recording: undefined, asked, legs })
      .acquire(req)
      .catch(() => undefined);
    expect(asked).toEqual([false]);
    expect(legs).toHaveLength(1);
  });
});
