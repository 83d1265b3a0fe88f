import { afterEach, describe, expect, it, vi } from 'vitest';
import { rtpSeq } from '../../../src/protocol/rtp/rtp.js';
import { Recorder } from '../../../src/source/recorder.js';
import { RecordingCatalog } from '../../../src/store/catalog.js';
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
async function rig(opts: { end?: number; recordLive?: boolean; catalog?: RecordingCatalog } = {}) {
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
  const rec = Recorder.attach(src, {
    catalog,
    log: mem.log,
    recordLive: opts.recordLive ?? false,
    flushIntervalMs: 10,
    onFinished: (id, state, live) => finished.push({ id, state, live }),
  });
  return { mem, catalog, leg, src, rec, finished, seen };
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

  it('a seek ends the recording (partial); a resume without Range does not', async () => {
    const r = await rig({ end: 4 });
    await r.src.play('npt=0-');
    sendTwoSeconds(r.leg);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    await r.src.pause();
    await r.src.play(undefined);
    expect(r.finished).toEqual([]);
    await r.src.play('npt=3-');
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.mem.events('recording.finish')[0]).toMatchObject({
      state: 'partial',
      reason: 'viewer seeked',
    });
    r.src.close();
  });

  it('a playback that does not start at the beginning is not recorded', async () => {
    const r = await rig({ end: 10 });
    await r.src.play('npt=5-');
    r.leg.send(0, 0, 5);
    r.src.close();
    expect(r.mem.events('recording.skip')).toMatchObject([
      { reason: 'playback starts at npt 5.000, not at the beginning' },
    ]);
    expect(r.catalog.list()).toEqual([]);
    expect(r.finished).toEqual([]);
  });

  it('a write error stops the recording, logged, and it finishes partial with what was written', async () => {
    const r = await rig({ end: 2 });
    await r.src.play('npt=0-');
    r.leg.send(0, 0, 10);
    await vi.waitFor(() => expect(r.mem.events('recording.start')).toHaveLength(1));
    const append = vi.spyOn(RecordingWriter.prototype, 'append');
    append.mockImplementationOnce(() => {
      throw new Error('ENOSPC: no space left on device');
    });
    r.leg.send(0, 10, 20);
    await vi.waitFor(() => expect(r.finished).toHaveLength(1));
    expect(r.mem.events('recording.error')).toMatchObject([
      { reason: 'ENOSPC: no space left on device', level: 'error' },
    ]);
    expect(r.mem.events('recording.finish')).toMatchObject([
      { state: 'partial', reason: 'write failed', packets: 10 },
    ]);
    // The recorder let go of the source: later packets are not appended.
    expect(append).toHaveBeenCalledTimes(1);
    expect(await storedSeqs(r.catalog.get(r.finished[0]?.id ?? '')?.dir ?? '', 0)).toHaveLength(10);
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
    expect(r.mem.events('recording.start')).toEqual([]);
    expect(r.mem.events('recording.finish')).toMatchObject([
      { state: 'partial', reason: 'source ended before recording started' },
    ]);
  });

  it.each([
    ['complete', false, undefined],
    ['partial', true, Recorder],
  ] as const)(
    'a %s copy on disk (gap: %s): recorded again only when partial',
    async (_state, withGap, expected) => {
      const first = await rig({ end: 2 });
      await first.src.play('npt=0-');
      sendTwoSeconds(first.leg, (t, i) => withGap && t === 1 && i === 7);
      await vi.waitFor(() => expect(first.mem.events('recording.start')).toHaveLength(1));
      // While it is being written, nobody else records it.
      const during = await rig({ end: 2, catalog: first.catalog });
      expect(during.rec).toBeUndefined();
      byeEverywhere(first.leg);
      await vi.waitFor(() => expect(first.finished).toHaveLength(1));
      const after = await rig({ end: 2, catalog: first.catalog });
      if (expected) expect(after.rec).toBeInstanceOf(expected);
      else expect(after.rec).toBeUndefined();
      for (const x of [first, during, after]) x.src.close();
    },
  );
});

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
});
