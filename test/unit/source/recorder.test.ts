import { afterEach, describe, expect, it, vi } from 'vitest';
import { rtpSeq } from '../../../src/protocol/rtp/rtp.js';
import { Recorder } from '../../../src/source/recorder.js';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { RecordingFeeds } from '../../../src/store/feeds.js';
import { readMeta } from '../../../src/store/meta.js';
import { openRecording } from '../../../src/store/reader.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { sourceKey } from '../../../src/upstream/url.js';
import {
  FAKE_URL,
  FakeLeg,
  fakeSdp,
  legFactory,
  seamConfig,
  sourceOn,
} from '../../helpers/fake-leg.js';
import { memoryLogger } from '../../helpers/log.js';
import { byeRtcp } from '../../helpers/rtp.js';
import { tempDir } from '../../helpers/tmp.js';

afterEach(() => {
  vi.restoreAllMocks();
});

interface Finished {
  id: string;
  state: 'complete' | 'partial';
  live: boolean;
}

/** A Source on a fake leg, and a catalog in a temp dir; `attach` puts a Recorder on it. */
async function rig(
  opts: {
    end?: number;
    recordLive?: boolean;
    catalog?: RecordingCatalog;
    feeds?: RecordingFeeds;
  } = {},
) {
  const mem = memoryLogger('debug');
  let catalog = opts.catalog;
  if (!catalog) {
    catalog = new RecordingCatalog({
      dir: await tempDir('seamd-recorder-'),
      log: mem.log,
      quotaBytes: 0,
      keyOf: sourceKey,
    });
    await catalog.open();
  }
  const sdpText = fakeSdp(opts.end === undefined ? {} : { end: opts.end });
  const leg = new FakeLeg('src-leg1', FAKE_URL, { sdpText });
  const src = sourceOn(leg, {
    key: sourceKey(FAKE_URL),
    sdpText,
    seam: seamConfig(),
    createLeg: legFactory().createLeg,
    log: mem.log,
  });
  const finished: Finished[] = [];
  const seen: Buffer[][] = [[], []];
  src.subscribe({
    id: 'viewer',
    onRtp: (t, p) => seen[t]?.push(Buffer.from(p)),
    onRtcp: () => undefined,
    onSourceClosed: () => undefined,
  });
  const feeds = opts.feeds ?? new RecordingFeeds({ catalog, flushIntervalMs: 10 });
  const rec = Recorder.attach(src, {
    feeds,
    log: mem.log,
    recordLive: opts.recordLive ?? false,
    roundMs: 20,
    onFinished: (id, state, live) => finished.push({ id, state, live }),
  });
  return { mem, catalog, feeds, leg, src, rec, finished, seen };
}

/** 2 s of content: 50 video packets (40 ms) and 50 audio packets (40 ms), interleaved. */
function sendTwoSeconds(leg: FakeLeg, skip: (track: number, i: number) => boolean = () => false) {
  for (let i = 0; i < 50; i++) {
    for (const t of [0, 1]) if (!skip(t, i)) leg.send(t, i);
  }
}

/** The origin's end of stream: a BYE on every track (the relay passes it on once per track). */
function byeEverywhere(leg: FakeLeg): void {
  for (const t of [0, 1]) leg.rtcp(t, byeRtcp([leg.ssrc + t], { compound: true }));
}

async function storedSeqs(dir: string, track: number): Promise<number[]> {
  const rec = await openRecording(dir);
  const t = rec.track(track);
  const out: number[] = [];
  if (t.firstExt === undefined || t.lastExt === undefined) return out;
  for await (const p of rec.readRange(track, t.firstExt, t.lastExt)) out.push(rtpSeq(p.packet));
  return out;
}

describe('Recorder (on-demand content)', () => {
  it('records the seamed stream from the start to the BYE: complete, packets as the viewers got them', async () => {
    const r = await rig({ end: 2 });
    if (!r.rec) throw new Error('not attached');
    await r.src.play('npt=0-');
    sendTwoSeconds(r.leg); // sent while the recording directory is being made: held, then written
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    byeEverywhere(r.leg);
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    await r.rec.done;
    const [f] = r.finished;
    expect(f).toMatchObject({ state: 'complete', live: false });
    const entry = r.catalog.get(f?.id ?? '');
    if (!entry) throw new Error('no catalog entry');
    expect(entry.writing).toBe(false);
    expect((await readMeta(entry.dir)).state).toBe('complete');
    const recording = await openRecording(entry.dir);
    expect(recording.meta.durationSec).toBe(2);
    expect(recording.meta.tracks.map((t) => t.startRtpTime)).toEqual([
      r.leg.tsOf(0, 0),
      r.leg.tsOf(1, 0),
    ]);
    for (const t of [0, 1]) {
      const stored = [];
      const tr = recording.track(t);
      for await (const p of recording.readRange(t, tr.firstExt ?? 0, tr.lastExt ?? 0))
        stored.push(Buffer.from(p.packet));
      expect(stored).toEqual(r.seen[t]);
      expect(stored).toHaveLength(50);
    }
    expect(r.rec.packets).toBe(100);
    expect(r.mem.events('recording.finish')).toMatchObject([
      { recording: f?.id, state: 'complete', reason: 'end of stream', packets: 100 },
    ]);
    // A complete copy exists: the same content is not recorded again.
    expect(r.catalog.wantsRecording(r.src.key, r.src.info.identity)).toBe(false);
    r.src.close();
  });

  it('the live path only queues packets: they are written in one batch after the turn, and before a BYE', async () => {
    const r = await rig({ end: 2 });
    if (!r.rec) throw new Error('not attached');
    await r.src.play('npt=0-');
    for (const t of [0, 1]) r.leg.send(t, 0, 20);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    const atStart = r.rec.packets;
    expect(atStart).toBe(40);
    for (const t of [0, 1]) r.leg.send(t, 20, 35);
    expect(r.rec.packets).toBe(atStart); // handed over, not written yet
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.rec.packets).toBe(atStart + 30);
    // The last packets and the BYE in one turn: the batch is written before the recording ends.
    for (const t of [0, 1]) r.leg.send(t, 35, 50);
    byeEverywhere(r.leg);
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    await r.rec.done;
    expect(r.finished[0]).toMatchObject({ state: 'complete' });
    expect(r.rec.packets).toBe(100);
    expect(await storedSeqs(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '', 1)).toHaveLength(50);
    r.src.close();
  });

  it('a gap in the seamed stream makes the recording partial', async () => {
    const r = await rig({ end: 2 });
    await r.src.play('npt=0-');
    sendTwoSeconds(r.leg, (t, i) => t === 0 && i === 20);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    byeEverywhere(r.leg);
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.finished[0]?.state).toBe('partial');
    const seqs = await storedSeqs(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '', 0);
    expect(seqs).toHaveLength(49);
    expect(seqs).not.toContain(r.leg.seqOf(0, 20));
    r.src.close();
  });

  it('the source closing before the end leaves a partial recording (the tail is missing)', async () => {
    const r = await rig({ end: 4 });
    await r.src.play('npt=0-');
    sendTwoSeconds(r.leg);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    r.leg.close(new Error('origin reset'));
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.finished[0]?.state).toBe('partial');
    expect(r.mem.events('recording.finish')[0]).toMatchObject({
      state: 'partial',
      reason: 'source closed: origin reset',
      packets: 100,
    });
    const c = r.mem.events('recording.finish')[0]?.completeness as number;
    expect(c).toBeGreaterThan(40);
    expect(c).toBeLessThan(60);
  });

  it('a pause and resume, then a seek: the same recording goes on (the seek is mapped by payload)', async () => {
    const r = await rig({ end: 4 });
    await r.src.play('npt=0-');
    sendTwoSeconds(r.leg, (_t, i) => i >= 25 && i < 30);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    await r.src.pause();
    await r.src.play(undefined);
    expect(r.finished).toEqual([]);
    // A seek back to 0.8 s: this leg numbers on, but its payloads put it where it belongs.
    await r.src.play('npt=0.8-');
    for (let i = 20; i < 100; i++)
      for (const t of [0, 1]) r.leg.emit('rtp', t, seekPacket(r.leg, t, i), 0);
    byeEverywhere(r.leg);
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.finished[0]?.state).toBe('complete');
    const seqs = await storedSeqs(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '', 0);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => r.leg.seqOf(0, i)));
    expect(r.mem.events('recording.fill')).toMatchObject([{ packets: 200 }]);
    r.src.close();
  });

  it('a playback that starts later makes a recording whose head is a gap (npt 0 = startRtpTime)', async () => {
    const r = await rig({ end: 10 });
    await r.src.play('npt=5-');
    r.leg.send(0, 0, 5);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    r.src.close();
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.mem.events('recording.start')[0]).toMatchObject({ created: true, fromNpt: 5 });
    const rec = await openRecording(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '');
    expect(rec.meta.tracks[0]?.startRtpTime).toBe((r.leg.tsOf(0, 0) - 5 * 90000) >>> 0);
    // Room is left below the first packet for the head a later session brings.
    expect(rec.track(0).firstExt).toBeGreaterThan(0x10000 + 5 * 2000);
  });

  it('a write error stops the recording, logged, and it finishes partial with what was written', async () => {
    const r = await rig({ end: 2 });
    await r.src.play('npt=0-');
    r.leg.send(0, 0, 20); // past the first packets held to tell re-sent parameter sets
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    const append = vi.spyOn(RecordingWriter.prototype, 'appendKept');
    append.mockImplementationOnce(() => {
      throw new Error('ENOSPC: no space left on device');
    });
    r.leg.send(0, 20, 30);
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.mem.events('recording.error')).toMatchObject([
      { reason: 'ENOSPC: no space left on device', level: 'error' },
    ]);
    expect(r.mem.events('recording.finish')).toMatchObject([
      { state: 'partial', reason: 'write failed', packets: 20 },
    ]);
    // The recorder let go of the source: later packets are not appended.
    expect(append).toHaveBeenCalledTimes(1);
    expect(await storedSeqs(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '', 0)).toHaveLength(20);
    r.src.close();
  });

  it('a recording that cannot be created is logged and nothing is recorded', async () => {
    const r = await rig({ end: 2 });
    vi.spyOn(r.catalog, 'create').mockRejectedValueOnce(new Error('EACCES: permission denied'));
    await r.src.play('npt=0-');
    r.leg.send(0, 0, 5);
    await r.rec?.done;
    expect(r.mem.events('recording.error')).toMatchObject([
      { reason: 'EACCES: permission denied', source: 'src-1' },
    ]);
    expect(r.mem.events('recording.start')).toEqual([]);
    r.src.close();
    expect(r.finished).toEqual([]);
  });

  it('the source ending while the recording is being created closes it at once', async () => {
    const r = await rig({ end: 2 });
    await r.src.play('npt=0-');
    r.leg.send(0, 0, 5);
    r.src.close();
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.mem.events('recording.finish')).toMatchObject([
      { state: 'partial', reason: 'source ended while the recording was opened' },
    ]);
  });

  it('a second session at the same time feeds the same recording and fills what the first lost', async () => {
    const first = await rig({ end: 2 });
    await first.src.play('npt=0-');
    const during = await rig({ end: 2, catalog: first.catalog, feeds: first.feeds });
    await during.src.play('npt=0-');
    sendTwoSeconds(first.leg, (_t, i) => i % 7 === 3);
    sendTwoSeconds(during.leg, (_t, i) => i % 7 === 5);
    await vi.waitFor(() => expect(during.mem.events('recording.start')).toHaveLength(1));
    expect(during.mem.events('recording.start')[0]).toMatchObject({ created: false });
    byeEverywhere(first.leg);
    byeEverywhere(during.leg);
    await vi.waitFor(() => expect(first.finished.length + during.finished.length).toBe(1));
    const f = first.finished[0] ?? during.finished[0];
    expect(f?.state).toBe('complete');
    expect(first.catalog.list()).toHaveLength(1);
    const seqs = await storedSeqs(first.catalog.get(f?.id ?? '')?.dir ?? '', 0);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => first.leg.seqOf(0, i)));
    for (const x of [first, during]) x.src.close();
  });

  it('a session whose payloads match nothing of the recording starts a new one and says why', async () => {
    const first = await rig({ end: 20 });
    await first.src.play('npt=0-');
    for (let i = 0; i < 300; i++) for (const t of [0, 1]) if (i % 9 !== 4) first.leg.send(t, i);
    byeEverywhere(first.leg);
    await vi.waitFor(() => expect(first.finished).toHaveLength(1));
    const other = await rig({ end: 20, catalog: first.catalog, feeds: first.feeds });
    await other.src.play('npt=0-');
    for (let i = 0; i < 300; i += 25) {
      for (let k = i; k < i + 25; k++) {
        for (const t of [0, 1]) {
          const p = other.leg.packet(t, k);
          p[p.length - 1] = (p[p.length - 1] ?? 0) ^ 0x5a; // other content
          other.leg.emit('rtp', t, p, 0);
        }
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    await vi.waitFor(() => expect(other.mem.events('recording.start')).toHaveLength(2));
    expect(other.mem.events('recording.start')[1]).toMatchObject({
      created: true,
      reason: expect.stringContaining('payloads do not match recording') as unknown,
    });
    expect(first.catalog.list()).toHaveLength(2);
    other.src.close();
    await vi.waitFor(() => expect(other.finished).toHaveLength(2));
    first.src.close();
  });

  it('a complete copy on disk: a later session does not feed it', async () => {
    const first = await rig({ end: 2 });
    await first.src.play('npt=0-');
    sendTwoSeconds(first.leg);
    byeEverywhere(first.leg);
    await vi.waitFor(() => expect(first.finished).toHaveLength(1));
    const after = await rig({ end: 2, catalog: first.catalog, feeds: first.feeds });
    await after.src.play('npt=0-');
    await after.rec?.done;
    expect(after.mem.events('recording.skip')).toMatchObject([
      { reason: 'a complete recording of this content exists' },
    ]);
    for (const x of [first, after]) x.src.close();
  });
});

/**
 * Packet i of a track after a seek to packet 20: the leg counts on (from 5000 here) while its
 * timestamps jump back (packet 20 carries the rtptime the PLAY answered).
 */
function seekPacket(leg: FakeLeg, track: number, i: number): Buffer {
  const p = leg.packet(track, i);
  p.writeUInt16BE((leg.seqOf(track, 0) + 5000 + i) & 0xffff, 2);
  p.writeUInt32BE((leg.tsOf(track, i) - leg.tsOf(track, 20) + leg.tsOf(track, 0)) >>> 0, 4);
  return p;
}

describe('Recorder (live content)', () => {
  it('is only attached with recordLive', async () => {
    const off = await rig({ recordLive: false });
    expect(off.rec).toBeUndefined();
    off.src.close();
  });

  it('archives from the first PLAY until the source closes; complete when nothing is missing', async () => {
    const r = await rig({ recordLive: true });
    await r.src.play(undefined);
    sendTwoSeconds(r.leg);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    expect(r.mem.events('recording.start')[0]).toMatchObject({ live: true, source: 'src-1' });
    r.src.close();
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.finished[0]).toMatchObject({ state: 'complete', live: true });
    expect(r.mem.events('recording.finish')[0]).toMatchObject({
      reason: 'source closed',
      packets: 100,
    });
    const rec = await openRecording(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '');
    expect(rec.meta.live).toBe(true);
    expect(rec.meta.tracks.map((t) => t.startRtpTime)).toEqual([undefined, undefined]);
  });

  it('a new session of the same live content (a reconnect) appends to its archive, renumbered to continue it', async () => {
    const first = await rig({ recordLive: true });
    await first.src.play(undefined);
    sendTwoSeconds(first.leg);
    await vi.waitFor(() => expect(first.mem.events('recording.start')).toHaveLength(1));
    first.src.close();
    await vi.waitFor(() => expect(first.finished).toHaveLength(1));
    const again = await rig({ recordLive: true, catalog: first.catalog, feeds: first.feeds });
    await again.src.play(undefined);
    sendTwoSeconds(again.leg);
    await vi.waitFor(() => expect(again.mem.events('recording.start')).toHaveLength(1));
    expect(again.mem.events('recording.start')[0]).toMatchObject({ created: false, live: true });
    again.src.close();
    await vi.waitFor(() => expect(again.finished).toHaveLength(1));
    expect(first.catalog.list()).toHaveLength(1);
    expect(again.finished[0]).toMatchObject({ id: first.finished[0]?.id, state: 'complete' });
    const rec = await openRecording(first.catalog.get(again.finished[0]?.id ?? '')?.dir ?? '');
    expect(rec.meta.sessions).toHaveLength(2);
    for (const t of [0, 1]) {
      const track = rec.track(t);
      expect(track.count).toBe(100);
      expect(track.gaps()).toEqual([]);
      const ssrcs = new Set<number>();
      let prevTs = -1;
      for await (const p of rec.readRange(t, track.firstExt ?? 0, track.lastExt ?? 0)) {
        ssrcs.add(p.packet.readUInt32BE(8));
        expect(p.ts).toBeGreaterThan(prevTs);
        prevTs = p.ts;
      }
      expect(ssrcs.size).toBe(1);
    }
  });
});
