/**
 * A time-shift playback over a real archive segment (10 s of 25 fps video), with its clock held
 * still: PLAY's RTP-Info names the first packet the viewer gets; `Rate-Control: no` to viewers
 * whose media all rides TCP sends the whole range, clock or not, as long as no viewer has
 * FLOW_HIGH_BYTES queued (then it waits for room); to a viewer on UDP it stays paced at
 * UNCONTROLLED_RATE× the clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatUtcTime } from '../../../src/protocol/rtsp/headers/clock-range.js';
import type { SdpInfo } from '../../../src/protocol/sdp/sdp.js';
import type { SourceSubscriber } from '../../../src/source/media-source.js';
import { TimeshiftPlayback } from '../../../src/serve/timeshift.js';
import { FLOW_HIGH_BYTES, UNCONTROLLED_RATE } from '../../../src/serve/timeshift-out.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { memoryLogger } from '../../helpers/log.js';
import { hasBye } from '../../helpers/raw-client.js';
import { tempDir } from '../../helpers/tmp.js';
import { segment, T0 } from '../archive/archive-kit.js';

const INFO = { tracks: [{ clockRate: 90_000, encoding: 'MP2T' }] } as unknown as SdpInfo;
const RANGE = `clock=${formatUtcTime(T0 + 1000)}-${formatUtcTime(T0 + 7000)}`;
/** Frames 25..175 (T0+1 s .. T0+7 s, one every 40 ms). */
const FRAMES_IN_RANGE = 151;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let open: TimeshiftPlayback[] = [];

afterEach(() => {
  for (const p of open) p.close();
  open = [];
});

class Viewer implements SourceSubscriber {
  readonly id = 'viewer';
  rtp: Buffer[] = [];
  bye = false;
  constructor(public queued: number | undefined) {}
  onRtp(_track: number, packet: Buffer): void {
    this.rtp.push(packet);
  }
  onRtcp(_track: number, packet: Buffer): void {
    if (hasBye(packet)) this.bye = true;
  }
  onSourceClosed(): void {}
  backlogBytes(): number | undefined {
    return this.queued;
  }
}

async function playback(viewer: Viewer, rateControl: boolean, also?: Viewer) {
  const dir = await tempDir('seamd-ts-playback-');
  const store = await ArchiveStore.open(dir, 'live');
  await segment(store, T0, 10, 1);
  const clock = { ms: 0 };
  const p = new TimeshiftPlayback({
    id: 'shift-test',
    store,
    info: INFO,
    origin: 'rtsp://origin/live',
    pathName: 'live',
    log: memoryLogger('debug').log,
    defaultStartMs: T0,
    now: () => clock.ms,
    wallNow: () => T0 + 3_600_000,
  });
  open.push(p);
  p.subscribe(viewer);
  if (also) p.subscribe(also);
  p.setReplayMode({ rateControl, onvif: false, intraOnly: false, cseq: 1 });
  const start = await p.play(RANGE);
  return { p, start, clock };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await sleep(5);
}

describe('time-shift playback', () => {
  it("PLAY's RTP-Info is the first packet the viewer gets", async () => {
    const v = new Viewer(0);
    const { start } = await playback(v, true);
    await until(() => v.rtp.length > 0);
    expect(v.rtp.length).toBeGreaterThan(0);
    expect(start.tracks[0]).toEqual({
      seq: v.rtp[0]!.readUInt16BE(2),
      rtptime: v.rtp[0]!.readUInt32BE(4),
    });
  });

  it('Rate-Control: no to TCP viewers: the whole range with the clock standing still, a BYE', async () => {
    const v = new Viewer(0);
    await playback(v, false);
    await until(() => v.bye);
    expect(v.rtp.length).toBe(FRAMES_IN_RANGE);
    expect(v.bye).toBe(true);
  });

  it('a viewer with FLOW_HIGH_BYTES queued holds it back until it has room', async () => {
    const v = new Viewer(FLOW_HIGH_BYTES);
    await playback(v, false);
    await sleep(100);
    // Only what is due within the lead of the (still) clock.
    expect(v.rtp.length).toBeGreaterThan(0);
    expect(v.rtp.length).toBeLessThan(10);
    v.queued = FLOW_HIGH_BYTES - 1;
    await until(() => v.bye);
    expect(v.rtp.length).toBe(FRAMES_IN_RANGE);
  });

  it(`a viewer on UDP: paced at ${UNCONTROLLED_RATE}x the clock`, async () => {
    const udp = new Viewer(undefined);
    const { clock } = await playback(udp, false);
    await sleep(100);
    const still = udp.rtp.length;
    expect(still).toBeLessThan(10);
    clock.ms += 250; // 2 s of media at 8x
    await sleep(150);
    const frames = udp.rtp.length - still;
    expect(frames).toBeGreaterThanOrEqual(48);
    expect(frames).toBeLessThanOrEqual(56);
    expect(udp.bye).toBe(false);
  });

  it('a TCP and a UDP viewer together: paced for both', async () => {
    const tcp = new Viewer(0);
    const udp = new Viewer(undefined);
    await playback(tcp, false, udp);
    await sleep(100);
    expect(tcp.rtp.length).toBeLessThan(10);
  });
});
