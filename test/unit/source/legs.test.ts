import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRtcp } from '../../../src/protocol/rtp/rtcp.js';
import { rtpSeq, rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import type { SeamConfig } from '../../../src/seam/config.js';
import type { LossModel } from '../../../src/seam/loss-model.js';
import { LegSet } from '../../../src/source/legs.js';
import {
  FAKE_URL,
  FakeLeg,
  contentOf,
  fakeSdp,
  legFactory,
  seamConfig,
  type FakeLegScript,
} from '../../helpers/fake-leg.js';
import { memoryLogger } from '../../helpers/log.js';
import { srPacket } from '../../helpers/rtp.js';

const MIRROR = 'rtsp://mirror.test/movie';

/** Extra legs number their packets from other bases than the first, as another session would. */
const otherBases = (n: number): FakeLegScript => ({
  ssrc: 0x2000 + n * 0x100,
  seqBase: 30_000 + n * 5000,
  tsBase: 900_000 + n * 123_456,
});

function setup(
  opts: {
    seam?: Partial<SeamConfig>;
    sdp?: string;
    urls?: string[];
    lossFor?: (i: number) => LossModel | undefined;
    scripts?: (n: number, url: string) => FakeLegScript;
    primary?: FakeLegScript;
  } = {},
) {
  const mem = memoryLogger('debug');
  const sdpText = opts.sdp ?? fakeSdp();
  const primary = new FakeLeg('src-leg1', FAKE_URL, { sdpText, ...opts.primary });
  const factory = legFactory((n, url) => ({
    sdpText,
    ...otherBases(n),
    ...opts.scripts?.(n, url),
  }));
  const set = new LegSet(
    {
      sourceId: 'src',
      log: mem.log,
      info: primary.info,
      urls: opts.urls ?? [FAKE_URL],
      seam: seamConfig(opts.seam),
      createLeg: factory.createLeg,
      lossFor: opts.lossFor,
      now: () => Date.now(),
    },
    primary.asLeg,
  );
  const out: Array<[number, Buffer]> = [];
  const rtcp: Array<[number, Buffer]> = [];
  const closed: Array<Error | undefined> = [];
  set.on('packet', (t, p) => out.push([t, Buffer.from(p)]));
  set.on('rtcp', (t, p) => rtcp.push([t, p]));
  set.on('closed', (r) => closed.push(r));
  return { set, primary, made: factory.made, mem, out, rtcp, closed };
}

/** Lets pending promise callbacks (leg opening, PLAY answers) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}

/** Drops every n-th packet offered. */
const everyNth = (n: number): LossModel => {
  let k = 0;
  return { name: `1/${n}`, drop: () => ++k % n === 0 };
};

describe('LegSet with one leg', () => {
  it('SETUPs and PLAYs the leg; its packets come out unchanged, in order, per track', async () => {
    const h = setup();
    await h.set.setup();
    const start = await h.set.play(undefined, true);
    expect(h.primary.calls).toEqual(['setup', 'play']);
    // The first leg defines canonical space: its RTP-Info is the canonical one.
    expect(start.tracks).toEqual([
      { seq: h.primary.seqOf(0, 0), rtptime: h.primary.tsOf(0, 0) },
      { seq: h.primary.seqOf(1, 0), rtptime: h.primary.tsOf(1, 0) },
    ]);
    h.primary.send(0, 0, 5);
    h.primary.send(1, 0, 3);
    expect(h.out.map(([t, p]) => [t, rtpSeq(p)])).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => [0, h.primary.seqOf(0, i)]),
      ...[0, 1, 2].map((i) => [1, h.primary.seqOf(1, i)]),
    ]);
    expect(h.out[2]?.[1]).toEqual(h.primary.packet(0, 2));
    expect(h.set.lastOutput(0)).toMatchObject({
      seq: h.primary.seqOf(0, 4),
      ts: h.primary.tsOf(0, 4),
    });
    expect(h.set.canonicalSsrc(1)).toBe(h.primary.ssrc + 1);
    expect(h.mem.events('leg.open')).toMatchObject([{ leg: 'src-leg1', reason: 'first' }]);
    await h.set.close();
  });

  it('drops runt packets (< 12 bytes) without output', async () => {
    const h = setup();
    await h.set.setup();
    await h.set.play(undefined, true);
    h.primary.emit('rtp', 0, Buffer.alloc(8), 0);
    expect(h.out).toEqual([]);
    await h.set.close();
  });

  it('the leg ending ends the set: closed is emitted once with its reason', async () => {
    const h = setup();
    await h.set.setup();
    await h.set.play(undefined, true);
    const why = new Error('connection reset');
    h.primary.close(why);
    expect(h.closed).toEqual([why]);
    expect(h.set.legCount).toBe(0);
    expect(h.mem.events('leg.close')).toMatchObject([
      { leg: 'src-leg1', reason: 'lost: connection reset', legs: 0, level: 'warn' },
    ]);
  });

  it('close() tears every leg down and does not report them as lost', async () => {
    const h = setup({ seam: { minLegs: 2 }, urls: [FAKE_URL, MIRROR] });
    await h.set.setup();
    await h.set.close();
    expect(h.primary.calls).toContain('teardown');
    expect(h.made[0]?.calls).toContain('teardown');
    expect(h.closed).toEqual([]);
    expect(h.mem.events('leg.close').map((l) => l.reason)).toEqual([
      'source closed',
      'source closed',
    ]);
    await h.set.close(); // idempotent
    expect(h.mem.events('leg.close')).toHaveLength(2);
  });

  it('a SETUP refused by the origin rejects setup()', async () => {
    const h = setup({ primary: { setupError: new Error('454 Session Not Found') } });
    await expect(h.set.setup()).rejects.toThrow('454');
  });
});

describe('LegSet: minLegs', () => {
  it('opens the extra legs at SETUP, to the mirrors in turn, and PLAYs them with the first', async () => {
    const h = setup({ seam: { minLegs: 3 }, urls: [FAKE_URL, MIRROR] });
    await h.set.setup();
    expect(h.made.map((l) => [l.id, l.url])).toEqual([
      ['src-leg2', MIRROR],
      ['src-leg3', MIRROR],
    ]);
    expect(h.made[0]?.calls).toEqual(['describe', 'setup']);
    expect(h.set.legCount).toBe(3);
    await h.set.play(undefined, true);
    await settle();
    for (const l of h.made) expect(l.calls).toEqual(['describe', 'setup', 'play']);
    expect(h.mem.events('leg.open').map((l) => [l.leg, l.reason, l.legs])).toEqual([
      ['src-leg1', 'first', 1],
      ['src-leg2', 'min-legs', 2],
      ['src-leg3', 'min-legs', 3],
    ]);
    expect(h.mem.events('leg.play').map((l) => l.leg)).toEqual(['src-leg2', 'src-leg3']);
    await h.set.close();
  });

  it('without mirrors, extra legs go to the origin', async () => {
    const h = setup({ seam: { minLegs: 2 } });
    await h.set.setup();
    expect(h.made.map((l) => l.url)).toEqual([FAKE_URL]);
    await h.set.close();
  });

  it('merges two legs: packets the first lost come from the second, once each, in canonical numbering', async () => {
    const h = setup({ seam: { minLegs: 2, alignRun: 4 }, sdp: fakeSdp({ tracks: 1 }) });
    await h.set.setup();
    await h.set.play(undefined, true);
    await settle();
    const b = h.made[0];
    if (!b) throw new Error('no second leg');
    // Both legs carry the same content; the first loses 20..24, the second 40..44.
    for (let i = 0; i < 60; i++) {
      if (i < 20 || i > 24) h.primary.send(0, i);
      if (i < 40 || i > 44) b.send(0, i);
    }
    const seqs = h.out.map(([, p]) => rtpSeq(p));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect([...seqs].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 60 }, (_, i) => h.primary.seqOf(0, i)),
    );
    // What fills the hole is the second leg's packet mapped into the first leg's space.
    const filled = h.out.find(([, p]) => rtpSeq(p) === h.primary.seqOf(0, 22))?.[1];
    expect(filled?.subarray(12)).toEqual(contentOf(0, 22));
    expect(filled && rtpTimestamp(filled)).toBe(h.primary.tsOf(0, 22));
    expect(filled?.readUInt32BE(8)).toBe(h.primary.ssrc);
    expect(h.set.gaps).toBe(0);
    const snaps = h.set.legSnapshots();
    expect(snaps.map((s) => [s.id, s.aligned, s.playing, s.clock])).toEqual([
      ['src-leg1', true, true, true],
      ['src-leg2', true, true, false],
    ]);
    expect(snaps[1]?.packets).toBe(55);
    await h.set.close();
  });

  it('an extra leg whose SDP is other content is refused and closed', async () => {
    const h = setup({ seam: { minLegs: 2 }, scripts: () => ({ sdpText: fakeSdp({ tracks: 1 }) }) });
    await h.set.setup();
    expect(h.set.legCount).toBe(1);
    expect(h.made[0]?.state).toBe('closed');
    expect(h.made[0]?.calls).toEqual(['describe']);
    expect(h.mem.events('leg.close')).toMatchObject([
      { leg: 'src-leg2', reason: 'open failed: different content: 1 tracks, want 2' },
    ]);
    await h.set.close();
  });

  it('an extra leg failing its DESCRIBE leaves the set running on the first', async () => {
    const h = setup({
      seam: { minLegs: 2 },
      scripts: () => ({ describeError: new Error('refused') }),
    });
    await h.set.setup();
    await h.set.play(undefined, true);
    h.primary.send(0, 0, 3);
    expect(h.out).toHaveLength(3);
    expect(h.closed).toEqual([]);
    expect(h.mem.events('leg.close')[0]?.reason).toBe('open failed: refused');
    await h.set.close();
  });

  it('an extra leg lost while playing: logged, the set goes on; the last one ending closes it', async () => {
    const h = setup({ seam: { minLegs: 2 } });
    await h.set.setup();
    await h.set.play(undefined, true);
    await settle();
    h.made[0]?.close(new Error('timeout'));
    expect(h.set.legCount).toBe(1);
    expect(h.closed).toEqual([]);
    expect(h.mem.events('leg.close')).toMatchObject([
      { leg: 'src-leg2', reason: 'lost: timeout', legs: 1 },
    ]);
    h.primary.close();
    expect(h.closed).toEqual([undefined]);
  });
});

describe('LegSet: the loss policy (clock and ticks faked)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Sends 25 video packets a second on every playing leg for `seconds`, ticking the clock. */
  async function stream(legs: () => FakeLeg[], from: number, seconds: number): Promise<number> {
    let i = from;
    for (let ms = 0; ms < seconds * 1000; ms += 40, i++) {
      for (const l of legs()) if (l.state === 'playing') l.send(0, i);
      await vi.advanceTimersByTimeAsync(40);
    }
    return i;
  }

  const lossy = { openLossPct: 5, closeLossPct: 1, windowSec: 1, openCooldownSec: 1, holdSec: 2 };

  it('opens one more leg when the first loses more than openLossPct; the merge repairs the loss', async () => {
    const h = setup({
      seam: { ...lossy, maxLegs: 2, alignRun: 4 },
      urls: [FAKE_URL, MIRROR],
      lossFor: (i) => (i === 0 ? everyNth(10) : undefined),
    });
    await h.set.setup();
    await h.set.play(undefined, true);
    const all = () => [h.primary, ...h.made];
    let i = await stream(all, 0, 3);
    expect(h.made.map((l) => l.url)).toEqual([MIRROR]);
    const open = h.mem.events('leg.open')[1];
    expect(open).toMatchObject({ leg: 'src-leg2', reason: 'loss', threshold: 5 });
    expect(open?.lossPct).toBeGreaterThanOrEqual(5);
    // maxLegs 2: the loss goes on, no third leg.
    const before = h.out.length;
    const from = i;
    i = await stream(all, i, 3);
    expect(h.made).toHaveLength(1);
    // With the second leg aligned, nothing the first dropped is missing any more, except at the
    // live edge: a fill is sent only once a run of matching packets after it verifies the
    // leg's mapping there (alignRun 4), so the last few packets may still be waiting.
    const seqs = new Set(h.out.slice(before).map(([, p]) => rtpSeq(p)));
    const missing: number[] = [];
    for (let k = from + 10; k < i - 4; k++) if (!seqs.has(h.primary.seqOf(0, k))) missing.push(k);
    expect({ from, i, missing }).toEqual({ from, i, missing: [] });
    expect(h.set.mergedLossPct()).toBe(0);
    await h.set.close();
  });

  it('opens no more than one leg per cooldown, up to maxLegs', async () => {
    const openedAt: number[] = [];
    const h = setup({
      seam: { ...lossy, openCooldownSec: 2, maxLegs: 3, alignRun: 4 },
      // Every leg loses a quarter of its packets (the same ones), so the merge stays lossy too.
      lossFor: () => everyNth(4),
      scripts: () => {
        openedAt.push(Date.now());
        return {};
      },
    });
    await h.set.setup();
    await h.set.play(undefined, true);
    const all = () => [h.primary, ...h.made];
    await stream(all, 0, 8);
    const opens = h.mem.events('leg.open').slice(1);
    expect(opens.map((l) => l.reason)).toEqual(['loss', 'loss']);
    expect(h.made).toHaveLength(2);
    expect(openedAt).toHaveLength(2);
    expect((openedAt[1] ?? 0) - (openedAt[0] ?? 0)).toBeGreaterThanOrEqual(2000);
    await h.set.close();
  });

  const why = { rule: 'r1', lossPct: 9, threshold: 5 };

  it('a telemetry intent opens a leg; once the intent is gone and the stream healthy for holdSec it closes', async () => {
    const h = setup({ seam: { ...lossy, minLegs: 1, alignRun: 4 }, urls: [FAKE_URL, MIRROR] });
    await h.set.setup();
    await h.set.play(undefined, true);
    const decided = h.set.express([{ kind: 'open-to', urls: [MIRROR], why }]);
    expect(decided.map((d) => d.action)).toEqual(['open']);
    expect(h.set.openingCount).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.set.legCount).toBe(2);
    expect(h.made.map((l) => l.url)).toEqual([MIRROR]);
    h.set.express([]);
    await stream(() => [h.primary, ...h.made], 0, 4);
    expect(h.made[0]?.calls).toContain('teardown');
    expect(h.set.legCount).toBe(1);
    expect(h.mem.events('leg.open')[1]).toMatchObject({ rule: 'r1' });
    expect(h.mem.events('leg.close')).toMatchObject([
      { leg: 'src-leg2', reason: 'healthy', url: MIRROR },
    ]);
    expect(h.closed).toEqual([]);
    await h.set.close();
  });

  it('keeps minLegs legs: a lost extra leg is replaced', async () => {
    const h = setup({ seam: { ...lossy, minLegs: 2 } });
    await h.set.setup();
    await h.set.play(undefined, true);
    await vi.advanceTimersByTimeAsync(0);
    h.made[0]?.close(new Error('gone'));
    await stream(() => [h.primary, ...h.made], 0, 1);
    expect(h.made).toHaveLength(2);
    expect(h.made[1]?.state).toBe('playing');
    expect(h.mem.events('leg.open').map((l) => l.reason)).toEqual([
      'first',
      'min-legs',
      'min-legs',
    ]);
    await h.set.close();
  });

  it('closes an extra leg that never aligns (other content behind the same SDP)', async () => {
    const h = setup({ seam: { minLegs: 2, alignRun: 4 } });
    await h.set.setup();
    await h.set.play(undefined, true);
    await vi.advanceTimersByTimeAsync(0);
    const b = h.made[0];
    if (!b) throw new Error('no second leg');
    // The second leg sends packets whose payloads the first never carries.
    let i = 0;
    for (let ms = 0; ms < 12_000; ms += 40, i++) {
      h.primary.send(0, i);
      b.emit('rtp', 0, h.primary.packet(1, i + 100_000), 0);
      await vi.advanceTimersByTimeAsync(40);
    }
    expect(b.calls).toContain('teardown');
    expect(h.mem.events('leg.close').map((l) => l.reason)).toContain('unaligned');
    await h.set.close();
  });
});

describe('LegSet: on-demand', () => {
  it('PLAYs every leg with the viewer Range; a 503 to a first PLAY with Range is retried as players do', async () => {
    const sdp = fakeSdp({ end: 10 });
    const h = setup({
      sdp,
      seam: { minLegs: 2 },
      primary: { playErrors: [Object.assign(new Error('503'), { status: 503 })] },
    });
    await h.set.setup();
    const start = await h.set.play('npt=4-', false);
    await settle();
    expect(h.primary.calls).toEqual(['setup', 'play npt=4-', 'play', 'pause', 'play npt=4-']);
    expect(h.made[0]?.calls).toEqual(['describe', 'setup', 'play npt=4-']);
    expect(start.range).toBe('npt=4-');
    await h.set.close();
  });

  it('a PLAY error other than 503 is not retried', async () => {
    const h = setup({
      sdp: fakeSdp({ end: 10 }),
      primary: { playErrors: [Object.assign(new Error('500'), { status: 500 })] },
    });
    await h.set.setup();
    await expect(h.set.play('npt=4-', false)).rejects.toThrow('500');
    expect(h.primary.calls).toEqual(['setup', 'play npt=4-']);
    await h.set.close();
  });

  it('PAUSE pauses the playing legs; a leg that fails to pause is closed', async () => {
    const h = setup({
      sdp: fakeSdp({ end: 10 }),
      seam: { minLegs: 2 },
      scripts: () => ({ pauseError: new Error('no pause') }),
    });
    await h.set.setup();
    await h.set.play(undefined, false);
    await settle();
    await h.set.pause();
    expect(h.primary.calls.at(-1)).toBe('pause');
    expect(h.made[0]?.state).toBe('closed');
    expect(h.set.legCount).toBe(1);
    await h.set.close();
  });

  it('ends the stream (BYE per track) when the legs fall silent at the end of the range', async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    try {
      const h = setup({ sdp: fakeSdp({ end: 2 }) });
      await h.set.setup();
      await h.set.play('npt=0-', false);
      for (let i = 0; i < 50; i++) {
        h.primary.send(0, i);
        if (i < 25) h.primary.send(1, i * 5, i * 5 + 5);
        await vi.advanceTimersByTimeAsync(40);
      }
      expect(h.rtcp.filter(([, p]) => parseRtcp(p).some((x) => x.type === 'bye'))).toEqual([]);
      await vi.advanceTimersByTimeAsync(2500);
      const byes = h.rtcp.filter(([, p]) => parseRtcp(p).some((x) => x.type === 'bye'));
      expect(byes.map(([t]) => t).sort()).toEqual([0, 1]);
      await h.set.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('LegSet: RTCP and telemetry controls', () => {
  it("relays the clock leg's sender reports in canonical space", async () => {
    const h = setup();
    await h.set.setup();
    await h.set.play(undefined, true);
    h.primary.send(0, 0, 3);
    h.primary.rtcp(0, srPacket({ ssrc: h.primary.ssrc, rtpTimestamp: h.primary.tsOf(0, 2) }));
    const sr = h.rtcp.map(([, p]) => parseRtcp(p)[0]).find((p) => p?.type === 'sr');
    expect(sr).toMatchObject({
      type: 'sr',
      ssrc: h.primary.ssrc,
      rtpTimestamp: h.primary.tsOf(0, 2),
    });
    await h.set.close();
  });
});
