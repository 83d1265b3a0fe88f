/**
 * The archiver losing its session while a segment is being created (a roll, or the first
 * packet): the new segment must still be closed with the outage's reason, not left open to take
 * the next session's packets (which hid the outage inside one segment of the old section).
 */
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../src/protocol/sdp/sdp.js';
import { Archiver } from '../../../src/source/archiver.js';
import type { MediaSource, SourceSubscriber } from '../../../src/source/media-source.js';
import type { SourceRequest } from '../../../src/source/registry.js';
import { describeArchive, storeFacts } from '../../../src/store/archive-describe.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { memoryLogger } from '../../helpers/log.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { tempDir } from '../../helpers/tmp.js';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=live\r\nt=0 0\r\n' +
  'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n';

function fakeSource(): MediaSource & { sub?: SourceSubscriber } {
  const src = {
    kind: 'upstream' as const,
    id: 'src',
    origin: 'rtsp://127.0.0.1:1/live',
    pathName: 'live',
    info: parseSdp(SDP, 'rtsp://127.0.0.1:1/live'),
    shared: true,
    closed: false,
    viewerCount: 0,
    sub: undefined as SourceSubscriber | undefined,
    retain: () => undefined,
    release: () => undefined,
    subscribe: (s: SourceSubscriber) => void (src.sub = s),
    unsubscribe: () => undefined,
    ensureSetup: () => Promise.resolve(),
    play: () => Promise.resolve({ rtpInfo: undefined, range: undefined }),
    pause: () => Promise.resolve(),
    close: () => undefined,
    once: () => src,
  };
  return src as unknown as MediaSource & { sub?: SourceSubscriber };
}

const idr = (seq: number) =>
  rtpPacket({ seq, ts: seq * 3600, payload: [0x65, 0x88, 0x84, 0x00, 0x10] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('archiver: the session lost while a segment is created', () => {
  it('closes that segment with the reason; the next session starts a new section', async () => {
    const store = await ArchiveStore.open(await tempDir(), 'live');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const start = store.startSegment.bind(store);
    let slow = true;
    store.startSegment = async (...args) => {
      if (slow) await gate;
      return start(...args);
    };
    const sources = [fakeSource(), fakeSource()];
    let n = 0;
    let now = 1_000_000;
    const log = memoryLogger();
    const a = new Archiver({
      path: 'live',
      request: () => ({ origin: 'rtsp://127.0.0.1:1/live' }) as unknown as SourceRequest,
      acquire: () => Promise.resolve(sources[n++]!),
      store,
      log: log.log,
      retentionMs: () => 3_600_000,
      segmentMs: () => 600_000,
      now: () => now,
      initialBackoffMs: 20,
    });
    a.start();
    await sleep(20);
    const first = sources[0]!;
    first.sub!.onRtp(0, idr(1)); // opens a segment: held at the gate
    now += 40;
    first.sub!.onRtp(0, idr(2));
    first.sub!.onSourceClosed(new Error('origin closed the connection'));
    slow = false;
    release();
    await sleep(100); // the retry connects the second source
    const second = sources[1]!;
    expect(second.sub).toBeDefined();
    now += 5000;
    second.sub!.onRtp(0, idr(100));
    now += 40;
    second.sub!.onRtp(0, idr(101));
    await sleep(50);
    await a.stop();
    const segs = store.segments();
    expect(segs.map((s) => s.state.section)).toEqual([1, 2]);
    expect(segs[0]!.state.closed).toBe(true);
    expect(segs[0]!.state.endMs).toBe(1_000_040);
    expect(segs[0]!.state.endReason).toBe('origin closed the connection');
    const d = describeArchive('live', storeFacts(store));
    expect(d.gaps).toEqual([
      { fromMs: 1_000_040, toMs: 1_005_040, reason: 'origin closed the connection' },
    ]);
  });
});
