import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RuntimeError, UpstreamError, viewerStatusOf } from '../../../src/errors.js';
import type { MediaSource } from '../../../src/source/media-source.js';
import { SourceRegistry, type SourceRequest } from '../../../src/source/registry.js';

const req = { origin: 'rtsp://origin.example/movie', pathName: 'movie' } as SourceRequest;

function registry(opts: {
  allowed: boolean;
  recording: MediaSource | undefined;
  asked: string[];
  legs: string[];
  /** What the origin does when a leg is opened (default: drops the connection). */
  originError?: UpstreamError;
  /** Recording only for fallback lookups (a normal lookup finds it below minCompleteness). */
  onlyFallback?: boolean;
}) {
  return new SourceRegistry({
    log: pino({ level: 'silent' }),
    lingerMs: 0,
    createLeg: (id) => {
      opts.legs.push(id);
      throw opts.originError ?? new UpstreamError('UPSTREAM_CLOSED', 'test: no origin');
    },
    cache: {
      lookup: (_req, fallback) => {
        opts.asked.push(fallback?.kind ?? 'normal');
        if (opts.onlyFallback && !fallback) return Promise.resolve(undefined);
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
    const asked: string[] = [];
    const legs: string[] = [];
    const rec = fakePlayback();
    const got = await registry({ allowed: false, recording: rec, asked, legs }).acquire(req);
    expect(got).toBe(rec);
    expect(rec.refs).toBe(1);
    expect(asked).toEqual(['policy']);
    expect(legs).toEqual([]);
  });

  it('no recording: 503 without touching the origin', async () => {
    const asked: string[] = [];
    const legs: string[] = [];
    const err = await registry({ allowed: false, recording: undefined, asked, legs })
      .acquire(req)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe('UPSTREAM_NOT_ALLOWED');
    expect(viewerStatusOf(err)).toBe(503);
    expect((err as Error).message).toContain('rule x');
    expect(legs).toEqual([]);
  });

  it('allowed: the cache is asked normally, then the origin', async () => {
    const asked: string[] = [];
    const legs: string[] = [];
    await registry({ allowed: true, recording: undefined, asked, legs })
      .acquire(req)
      .catch(() => undefined);
    expect(asked).toEqual(['normal', 'origin-unreachable']);
    expect(legs).toHaveLength(1);
  });
});

describe('SourceRegistry: a copy beats an error', () => {
  it.each([
    ['connection refused', new UpstreamError('UPSTREAM_CONNECT', 'ECONNREFUSED')],
    ['no answer in time', new UpstreamError('UPSTREAM_TIMEOUT', 'timeout')],
    ['connection dropped', new UpstreamError('UPSTREAM_CLOSED', 'closed')],
    ['503', new UpstreamError('UPSTREAM_STATUS', 'busy', { status: 503 })],
    ['500', new UpstreamError('UPSTREAM_STATUS', 'broken', { status: 500 })],
  ])(
    'origin fails (%s): the best recording is served, whatever its completeness',
    async (_n, e) => {
      const asked: string[] = [];
      const legs: string[] = [];
      const rec = fakePlayback();
      const got = await registry({
        allowed: true,
        recording: rec,
        asked,
        legs,
        originError: e,
        onlyFallback: true,
      }).acquire(req);
      expect(got).toBe(rec);
      expect(rec.refs).toBe(1);
      expect(asked).toEqual(['normal', 'origin-unreachable']);
      expect(legs).toHaveLength(1);
    },
  );

  it.each([
    ['404: the content is gone', new UpstreamError('UPSTREAM_STATUS', 'nf', { status: 404 })],
    ['410: the content is gone', new UpstreamError('UPSTREAM_STATUS', 'gone', { status: 410 })],
    ['auth failure', new UpstreamError('UPSTREAM_AUTH', 'denied', { status: 401 })],
    ['a protocol error', new UpstreamError('UPSTREAM_PROTOCOL', 'nonsense')],
  ])('origin answers (%s): its error stands, no fallback', async (_n, e) => {
    const asked: string[] = [];
    const err = await registry({
      allowed: true,
      recording: fakePlayback(),
      asked,
      legs: [],
      originError: e,
      onlyFallback: true,
    })
      .acquire(req)
      .catch((x: unknown) => x);
    expect(err).toBe(e);
    expect(asked).toEqual(['normal']);
  });

  it('no recording at all: the origin error stands', async () => {
    const e = new UpstreamError('UPSTREAM_CONNECT', 'ECONNREFUSED');
    const err = await registry({
      allowed: true,
      recording: undefined,
      asked: [],
      legs: [],
      originError: e,
    })
      .acquire(req)
      .catch((x: unknown) => x);
    expect(err).toBe(e);
  });
});
