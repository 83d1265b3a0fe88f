import { describe, expect, it } from 'vitest';
import { parseRtcp } from '../../../src/protocol/rtp/rtcp.js';
import { rtpSeq } from '../../../src/protocol/rtp/rtp.js';
import type { SeamConfig } from '../../../src/seam/config.js';
import type { SourceSubscriber } from '../../../src/source/media-source.js';
import type { SourceTap } from '../../../src/source/source.js';
import {
  FAKE_URL,
  FakeLeg,
  fakeSdp,
  legFactory,
  sourceOn,
  seamConfig,
  type FakeLegScript,
} from '../../helpers/fake-leg.js';
import { memoryLogger } from '../../helpers/log.js';
import { srPacket } from '../../helpers/rtp.js';

function source(opts: { sdp?: string; seam?: Partial<SeamConfig>; primary?: FakeLegScript } = {}) {
  const mem = memoryLogger();
  const sdpText = opts.sdp ?? fakeSdp();
  const leg = new FakeLeg('src-leg1', FAKE_URL, { sdpText, ...opts.primary });
  const factory = legFactory(() => ({ sdpText, ssrc: 0x9000, seqBase: 40_000, tsBase: 7 }));
  const src = sourceOn(leg, {
    key: 'origin.test/movie',
    sdpText,
    seam: seamConfig(opts.seam),
    createLeg: factory.createLeg,
    log: mem.log,
  });
  return { src, leg, mem, made: factory.made };
}

interface Viewer extends SourceSubscriber {
  rtp: Array<[number, Buffer]>;
  rtcp: Array<[number, Buffer]>;
  ended: Array<Error | undefined>;
}

function viewer(id: string): Viewer {
  const v: Viewer = {
    id,
    rtp: [],
    rtcp: [],
    ended: [],
    onRtp: (t, p) => v.rtp.push([t, p]),
    onRtcp: (t, p) => v.rtcp.push([t, p]),
    onSourceClosed: (r) => v.ended.push(r),
  };
  return v;
}

function tap() {
  const seen = {
    rtp: [] as number[],
    plays: [] as Array<[string | undefined, string | undefined]>,
    rtcp: 0,
    closed: [] as Array<Error | undefined>,
  };
  const t: SourceTap = {
    onRtp: (_t, p) => seen.rtp.push(rtpSeq(p)),
    onPlay: (start, range) => seen.plays.push([start.range, range]),
    onRtcp: () => seen.rtcp++,
    onClose: (r) => seen.closed.push(r),
  };
  return { t, seen };
}

describe('Source (live)', () => {
  it('is shared, keeps the SDP, and SETUPs upstream once for any number of viewers', async () => {
    const { src, leg } = source();
    expect(src.shared).toBe(true);
    expect(src.kind).toBe('upstream');
    expect(src.sdpText).toBe(leg.sdpText);
    expect(src.info.tracks).toHaveLength(2);
    await Promise.all([src.ensureSetup(), src.ensureSetup()]);
    await src.ensureSetup();
    expect(leg.calls.filter((c) => c === 'setup')).toHaveLength(1);
    src.close();
  });

  it('a failed SETUP is retried by the next viewer', async () => {
    const { src, leg } = source({ primary: { setupError: new Error('461 Unsupported') } });
    await expect(src.ensureSetup()).rejects.toThrow('461');
    await expect(src.ensureSetup()).rejects.toThrow('461');
    expect(leg.calls.filter((c) => c === 'setup')).toHaveLength(2);
    src.close();
  });

  it('fans every packet out to every subscriber as the same Buffer, and to the tap', async () => {
    const { src, leg } = source();
    const a = viewer('a');
    const b = viewer('b');
    const { t, seen } = tap();
    src.setTap(t);
    src.subscribe(a);
    src.subscribe(b);
    expect(src.viewerCount).toBe(2);
    await src.play(undefined);
    leg.send(0, 0, 3);
    leg.send(1, 0, 1);
    expect(a.rtp.map(([tr, p]) => [tr, rtpSeq(p)])).toEqual([
      [0, leg.seqOf(0, 0)],
      [0, leg.seqOf(0, 1)],
      [0, leg.seqOf(0, 2)],
      [1, leg.seqOf(1, 0)],
    ]);
    expect(b.rtp.map(([, p]) => p)).toEqual(a.rtp.map(([, p]) => p));
    for (const [i, [, p]] of a.rtp.entries()) expect(b.rtp[i]?.[1]).toBe(p);
    expect(seen.rtp).toHaveLength(4);
    expect(src.packetsOut).toBe(4);
    expect(src.bytesOut).toBe(a.rtp.reduce((n, [, p]) => n + p.length, 0));
    // RTCP the viewers get goes to the tap too.
    leg.rtcp(0, srPacket({ ssrc: leg.ssrc, rtpTimestamp: leg.tsOf(0, 2) }));
    expect(a.rtcp).toHaveLength(1);
    expect(b.rtcp).toHaveLength(1);
    expect(seen.rtcp).toBe(1);
    src.unsubscribe(b);
    leg.send(0, 3);
    expect(a.rtp).toHaveLength(5);
    expect(b.rtp).toHaveLength(4);
    src.close();
  });

  it('PLAYs upstream once; a later viewer joins with RTP-Info where the stream is now', async () => {
    const { src, leg } = source();
    const { t, seen } = tap();
    src.setTap(t);
    const first = await src.play(undefined);
    expect(first.tracks[0]).toEqual({ seq: leg.seqOf(0, 0), rtptime: leg.tsOf(0, 0) });
    leg.send(0, 0, 10);
    const later = await src.play(undefined);
    expect(leg.calls.filter((c) => c.startsWith('play'))).toEqual(['play']);
    expect(later).toEqual({
      range: 'npt=now-',
      tracks: [{ seq: (leg.seqOf(0, 9) + 1) & 0xffff, rtptime: leg.tsOf(0, 9) }, {}],
    });
    expect(seen.plays).toEqual([['npt=now-', undefined]]);
    // PAUSE of one viewer does not pause a shared source.
    await src.pause();
    expect(leg.calls).not.toContain('pause');
    src.close();
  });

  it('two viewers PLAYing at once share one upstream PLAY', async () => {
    const { src, leg } = source();
    await Promise.all([src.play(undefined), src.play(undefined)]);
    expect(leg.calls.filter((c) => c.startsWith('play'))).toHaveLength(1);
    src.close();
  });

  it('a failed upstream PLAY is tried again by the next viewer', async () => {
    const { src, leg } = source({ primary: { playErrors: [new Error('500 boom')] } });
    await expect(src.play(undefined)).rejects.toThrow('boom');
    await src.play(undefined);
    expect(leg.calls.filter((c) => c.startsWith('play'))).toHaveLength(2);
    src.close();
  });

  it('closes when every leg ended: viewers get a BYE (canonical SSRC) then the end; tap and listeners told', async () => {
    const { src, leg, mem } = source();
    const a = viewer('a');
    const { t, seen } = tap();
    src.setTap(t);
    src.subscribe(a);
    const closed: Array<Error | undefined> = [];
    src.on('closed', (r: Error | undefined) => closed.push(r));
    await src.play(undefined);
    leg.send(0, 0, 2); // only track 0 has a canonical SSRC yet
    leg.close(new Error('origin reset'));
    expect(src.closed).toBe(true);
    // One compound RTCP packet (RR, SDES, BYE) on track 0, none on the silent track 1.
    expect(a.rtcp.map(([tr]) => tr)).toEqual([0]);
    const parts = parseRtcp(a.rtcp[0]?.[1] ?? Buffer.alloc(0));
    expect(parts.find((x) => x.type === 'bye')).toEqual({
      type: 'bye',
      ssrcs: [leg.ssrc],
      reason: 'origin gone',
    });
    expect(a.ended.map((e) => e?.message)).toEqual(['origin reset']);
    expect(seen.closed.map((e) => e?.message)).toEqual(['origin reset']);
    expect(closed.map((e) => e?.message)).toEqual(['origin reset']);
    expect(src.viewerCount).toBe(0);
    expect(mem.events('source.close')).toMatchObject([
      { source: 'src-1', reason: 'origin reset', packets: 2, origin: FAKE_URL },
    ]);
    // Nothing after the end reaches the old subscriber or the tap.
    leg.emit('rtp', 0, leg.packet(0, 2), 0);
    expect(a.rtp).toHaveLength(2);
    expect(seen.rtp).toHaveLength(2);
  });

  it('a leg closing without a reason still ends the source with one', () => {
    const { src, leg } = source();
    const a = viewer('a');
    src.subscribe(a);
    leg.close();
    expect(a.ended.map((e) => e?.message)).toEqual(['every upstream leg ended']);
  });

  it('close() (idle) tears the legs down and sends no BYE; it is idempotent', async () => {
    const { src, leg, mem } = source();
    const a = viewer('a');
    src.subscribe(a);
    await src.play(undefined);
    leg.send(0, 0, 2);
    src.close();
    src.close();
    await src.teardownDone;
    expect(leg.calls).toContain('teardown');
    expect(a.rtcp).toEqual([]);
    expect(a.ended).toEqual([undefined]);
    expect(mem.events('source.close')).toMatchObject([{ reason: 'idle' }]);
  });

  it('retain/release: idle once the last holder lets go', () => {
    const { src } = source();
    let idle = 0;
    src.on('idle', () => idle++);
    expect(src.referenced).toBe(false);
    src.retain();
    src.retain();
    src.release();
    expect(idle).toBe(0);
    expect(src.referenced).toBe(true);
    src.release();
    expect(idle).toBe(1);
    expect(src.referenced).toBe(false);
    src.release(); // never below zero
    expect(src.referenced).toBe(false);
    src.retain();
    expect(src.referenced).toBe(true);
    src.close();
  });
});

describe('Source (on-demand)', () => {
  it('belongs to one viewer: every PLAY goes upstream with its Range, PAUSE pauses upstream', async () => {
    const { src, leg } = source({ sdp: fakeSdp({ end: 30 }) });
    const { t, seen } = tap();
    src.setTap(t);
    expect(src.shared).toBe(false);
    await src.play('npt=0-');
    await src.pause();
    await src.play(undefined);
    await src.play('npt=12-');
    expect(leg.calls).toEqual(['setup', 'play npt=0-', 'pause', 'play', 'play npt=12-']);
    expect(seen.plays).toEqual([
      ['npt=0-', 'npt=0-'],
      ['npt=0-', undefined],
      ['npt=12-', 'npt=12-'],
    ]);
    src.close();
  });
});
