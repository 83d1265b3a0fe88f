/** SourceRegistry with fake origin legs: sharing of live content, linger, on-demand per viewer. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Source } from '../../../src/source/source.js';
import { SourceRegistry, type SourceRequest } from '../../../src/source/registry.js';
import { FAKE_URL, fakeSdp, legFactory, seamConfig } from '../../helpers/fake-leg.js';
import { memoryLogger } from '../../helpers/log.js';

const req = (origin = FAKE_URL): SourceRequest => ({
  origin,
  mirrors: [],
  transport: 'udp',
  pathName: 'movie',
  seam: seamConfig(),
});

function registry(opts: { sdp?: string; lingerMs?: number } = {}) {
  const mem = memoryLogger();
  const factory = legFactory(() => ({ sdpText: opts.sdp ?? fakeSdp() }));
  const opened: Source[] = [];
  const reg = new SourceRegistry({
    log: mem.log,
    createLeg: (id, url) => factory.createLeg(id, url),
    lingerMs: opts.lingerMs ?? 0,
    onSourceOpened: (src) => opened.push(src),
  });
  return { reg, mem, made: factory.made, opened };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SourceRegistry with fake legs', () => {
  it('live content: one upstream session for every viewer of the same origin', async () => {
    const { reg, made, opened, mem } = registry();
    const [a, b] = await Promise.all([reg.acquire(req()), reg.acquire(req())]);
    const c = await reg.acquire(req());
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(made).toHaveLength(1);
    expect(made[0]?.calls).toEqual(['describe']);
    expect(opened).toEqual([a]);
    expect(reg.sources.size).toBe(1);
    expect(mem.events('source.open')).toMatchObject([{ origin: FAKE_URL, live: true }]);
    const other = await reg.acquire(req('rtsp://origin.test/other'));
    expect(other).not.toBe(a);
    await reg.stop();
    expect(a.closed && other.closed).toBe(true);
    expect(made.every((l) => l.state === 'closed')).toBe(true);
  });

  it('on-demand content: a source per viewer, closed as soon as its viewer lets go', async () => {
    const { reg, made } = registry({ sdp: fakeSdp({ end: 10 }) });
    const a = await reg.acquire(req());
    const b = await reg.acquire(req());
    expect(a).not.toBe(b);
    expect(made).toHaveLength(2);
    a.release();
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    expect(reg.sources.size).toBe(1);
    await reg.stop();
  });

  it('an idle live source lingers, and is reused by a viewer coming back in time', async () => {
    vi.useFakeTimers();
    const { reg, made } = registry({ lingerMs: 5000 });
    const a = await reg.acquire(req());
    a.release();
    await vi.advanceTimersByTimeAsync(4000);
    expect(a.closed).toBe(false);
    const again = await reg.acquire(req());
    expect(again).toBe(a);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.closed).toBe(false);
    again.release();
    await vi.advanceTimersByTimeAsync(5001);
    expect(a.closed).toBe(true);
    expect(made[0]?.calls).toContain('teardown');
    // After it closed, a new viewer gets a new upstream session.
    const fresh = await reg.acquire(req());
    expect(fresh).not.toBe(a);
    expect(made).toHaveLength(2);
    await reg.stop();
  });

  it('a source whose last leg ends is forgotten: the next viewer opens a new one', async () => {
    const { reg, made } = registry();
    const a = await reg.acquire(req());
    made[0]?.close(new Error('origin reset'));
    expect(a.closed).toBe(true);
    expect(reg.sources.size).toBe(0);
    const b = await reg.acquire(req());
    expect(b).not.toBe(a);
    await reg.stop();
  });

  it('a DESCRIBE failure closes the leg and is the error the viewer gets; stopped refuses', async () => {
    const mem = memoryLogger();
    const factory = legFactory(() => ({ describeError: new Error('no such stream') }));
    const reg = new SourceRegistry({ log: mem.log, createLeg: factory.createLeg, lingerMs: 0 });
    await expect(reg.acquire(req())).rejects.toThrow('no such stream');
    expect(factory.made[0]?.closedWith).toBeInstanceOf(Error);
    await reg.stop();
    await expect(reg.acquire(req())).rejects.toThrow('stopping');
  });
});
