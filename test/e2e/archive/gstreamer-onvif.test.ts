/**
 * GStreamer as the ONVIF replay client of the archive (against the real origin's live mount):
 * `rtspsrc onvif-mode=true` asks for a clock range through a seek (a position in ns since 1900),
 * plays from the keyframe at or before it, and `rtponvifparse` reads the 0xABAC extension (its C
 * flag becomes GStreamer's keyframe flag). rtspsrc 1.22 sends no `Require: onvif-replay` on its
 * own (the helper adds it in `before-send`, as GStreamer's ONVIF client example does); without it
 * the archive still plays, without the extension. `onvif-rate-control=false` (`Rate-Control: no`)
 * delivers as fast as the TCP connection takes it: faster than 8x real time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseClockRange } from '../../../src/protocol/rtsp/headers/clock-range.js';
import { REPO_ROOT } from '../../helpers/origin.js';
import { run } from '../../helpers/players.js';
import { waitFor } from '../../helpers/seamd.js';
import { withOriginAndSeamd } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

interface Packet {
  seq: number;
  nal: number;
  fu?: number;
  ext: { ntpMs: number; flags: number; cseq: number } | null;
  at: number;
  delta: boolean;
  discont: boolean;
}
interface ClientRun {
  play: { range: string | null; rateControl: string | null; require: string | null };
  packets: Packet[];
  done: { error: string | null; eos: boolean; seeked: boolean };
}

const C = 0x80;
let archiveStart = 0;
const dir = fileTempDir('seamd-gst-onvif-');
const { seamd } = withOriginAndSeamd({
  config: ({ origin }) => `
recordings: { dir: ${dir} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 1h, segment: 4s } }
`,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gstClient(opts: {
  startMs?: number;
  endMs?: number;
  seconds: number;
  rateControl?: 'yes' | 'no';
  require?: boolean;
}): Promise<ClientRun> {
  const args = [
    `${REPO_ROOT}test/helpers/gst-onvif.py`,
    '--url',
    seamd.url('live'),
    '--seconds',
    String(opts.seconds),
    '--rate-control',
    opts.rateControl ?? 'yes',
  ];
  if (opts.startMs !== undefined) args.push('--start-ms', String(opts.startMs));
  if (opts.endMs !== undefined) args.push('--end-ms', String(opts.endMs));
  if (opts.require) args.push('--require');
  const r = await run('/usr/bin/python3', args, opts.seconds * 1000 + 15000);
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const play = lines.find((l) => 'play' in l)?.play as ClientRun['play'] | undefined;
  const done = lines.find((l) => 'done' in l)?.done as ClientRun['done'] | undefined;
  if (!play || !done) throw new Error(`gst-onvif.py: ${r.code} ${r.stderr.slice(-2000)}`);
  expect(done.error).toBeNull();
  return { play, done, packets: lines.filter((l) => 'seq' in l) as unknown as Packet[] };
}

beforeAll(async () => {
  await waitFor(seamd, 'archive.start');
  archiveStart = Date.now();
  await sleep(10000);
}, 40000);

describe('GStreamer rtspsrc onvif-mode', () => {
  it('a seek is a clock range: plays from the keyframe at or before it, rtponvifparse reads 0xABAC', async () => {
    const T = Date.now() - 4000;
    const res = await gstClient({ startMs: T, seconds: 5, require: true });
    expect(res.done.seeked).toBe(true);
    expect(res.play.range).toMatch(/^clock=\d{8}T\d{6}(\.\d+)?Z-$/);
    expect(Math.abs(parseClockRange(res.play.range!)!.startMs - T)).toBeLessThanOrEqual(1);
    expect(res.play.require).toBe('onvif-replay');
    const ev = seamd.events('timeshift.start').at(-1)!;
    // The asked time as logged (ISO, whole ms) and as sent (GStreamer's ns, maybe a fraction).
    const sent = parseClockRange(res.play.range!)!.startMs;
    expect(Math.abs(Date.parse(String(ev.asked)) - sent)).toBeLessThan(1);
    expect(ev.onvif).toBe(true);
    const start = Date.parse(String(ev.start));
    expect(start).toBeLessThanOrEqual(T);
    expect(start).toBeGreaterThan(T - 1000 - 300);

    const units = res.packets.filter((p) => p.ext !== null);
    expect(res.packets.length).toBeGreaterThan(100);
    expect(units.length).toBeGreaterThan(50);
    // From the start on (GStreamer drops what arrives around its flushing seek: within a GOP).
    // Wall-clock times stand on arrival until the origin's first sender report and may step
    // back a little there, hence the slack below the start.
    expect(units[0]!.ext!.ntpMs).toBeGreaterThanOrEqual(start - 300);
    expect(units[0]!.ext!.ntpMs).toBeLessThan(start + 1000 + 300);
    expect(new Set(units.map((p) => p.ext!.cseq)).size).toBe(1);
    // rtponvifparse turns the C flag into GStreamer's keyframe flag, the lack of it into DELTA_UNIT.
    const clean = units.filter((p) => (p.ext!.flags & C) !== 0);
    expect(clean.length).toBeGreaterThanOrEqual(3); // a keyframe a second, 5 s
    for (const p of clean) expect(p.delta).toBe(false);
    for (const p of units) if ((p.ext!.flags & C) === 0) expect(p.delta).toBe(true);
    // Every IDR is in a unit flagged C (the unit begins with an access unit delimiter here).
    let unitFlags = 0;
    for (const p of res.packets) {
      if (p.ext) unitFlags = p.ext.flags;
      if (p.nal === 5 || (p.nal === 28 && p.fu === 5)) expect(unitFlags & C).toBe(C);
    }
  }, 40000);

  it('with no seek it asks clock=19000101T000000Z- and plays from the archive start; no Require, no 0xABAC', async () => {
    const res = await gstClient({ seconds: 3 });
    expect(res.play.range).toBe('clock=19000101T000000Z-');
    expect(res.play.require).toBeNull();
    const ev = seamd.events('timeshift.start').at(-1)!;
    expect(ev.asked).toBe('1900-01-01T00:00:00.000Z');
    expect(ev.where).toBe('before-start');
    expect(ev.onvif).toBe(false);
    // The archive's first keyframe.
    const first = seamd.handle.archives?.opened('live')?.startMs ?? NaN;
    expect(Date.parse(String(ev.start))).toBeGreaterThanOrEqual(first);
    expect(Date.parse(String(ev.start))).toBeLessThan(first + 1000 + 300);
    expect(res.packets.length).toBeGreaterThan(50);
    expect(res.packets.filter((p) => p.ext !== null)).toEqual([]);
  }, 30000);

  it('gst-launch-1.0 rtspsrc on a ?ago= URL (no onvif-mode) plays from that time, not the live edge', async () => {
    const asked = Date.now() - 6000;
    const before = seamd.events('timeshift.start').length;
    // A live player: it plays until stopped (killed after 4 s).
    await run(
      'gst-launch-1.0',
      ['-q', 'rtspsrc', `location=${seamd.url('live')}?ago=6s`, 'protocols=tcp', '!', 'fakesink'],
      4000,
    );
    const ev = seamd.events('timeshift.start').slice(before).at(-1)!;
    // rtspsrc asks for npt=now- (the SDP of a live path says so): that is the URL's time.
    expect(Math.abs(Date.parse(String(ev.asked)) - asked)).toBeLessThan(1500);
    expect(ev.where).toBe('inside');
  }, 30000);

  it('onvif-rate-control=false sends Rate-Control: no and gets 6 s of archive faster than 8x real time', async () => {
    const T = archiveStart + 1000;
    const res = await gstClient({
      startMs: T,
      endMs: T + 6000,
      seconds: 6,
      rateControl: 'no',
      require: true,
    });
    expect(res.play.rateControl).toBe('no');
    expect(res.play.range).toMatch(/^clock=\d{8}T\d{6}(\.\d+)?Z-\d{8}T\d{6}(\.\d+)?Z$/);
    const units = res.packets.filter((p) => p.ext !== null);
    const media = units.at(-1)!.ext!.ntpMs - units[0]!.ext!.ntpMs;
    const took = units.at(-1)!.at - units[0]!.at;
    expect(media).toBeGreaterThan(4500);
    // As fast as the connection takes it: faster than the 8x real time UDP viewers get
    // (seen 2026-12-03: 6.0 s of media out of rtponvifparse within 298 ms).
    expect(took).toBeLessThan(media / 8);
  }, 30000);
});
