/**
 * Repair end to end against the real origin (gst-rtsp-server, the 20 s clip): a viewer plays
 * the content through seamd with 10% loss on seamd's only leg (seaming off: maxLegs 1), so the
 * recording seamd makes has holes; a second seamd does the same with Gilbert-Elliott burst loss.
 * Repair fills them until every track's gap map is empty and every payload equals a clean
 * direct session's, in order, with the recording's own sequence numbers and timestamps: the
 * first through the daemon's RepairService, the second through `seamd recordings repair`.
 * Content the origin no longer has is reported 'gone'. Last, with the origin stopped, a viewer
 * gets every packet from disk and ffmpeg decodes the whole clip clean.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longClip, startOrigin, type Origin } from '../../helpers/origin.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { payloadOf, playAll } from '../../helpers/raw-client.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { storedPackets } from '../../helpers/recording.js';
import { parseConfigText } from '../../../src/daemon/config.js';
import { startSeamd, type LogLine, type Seamd } from '../../helpers/seamd.js';
import { bernoulli, gilbertElliottForMean } from '../../../src/seam/loss-model.js';
import { openRecording } from '../../../src/store/reader.js';
import { readMeta, RecordingWriter } from '../../../src/store/index.js';
import { runCli } from '../../../src/cli/main.js';
import { repairRecording, DEFAULT_REPAIR_OPTIONS } from '../../../src/repair/repairer.js';
import { quietLog, tcpLeg } from './helpers.js';

let origin: Origin | undefined;
let bern: Seamd;
let burst: Seamd;
const dirs: string[] = [];
/** Per track, what the origin sends in one clean session. */
let direct: Buffer[][];

function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Repairs start by hand (`schedule`) so each test sees the recording as made first. */
function yaml(url: string, dir: string, schedule = 'manual'): string {
  return `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
paths:
  long: { origin: ${url} }
recordings: { dir: ${dir}, revalidateTimeoutMs: 1000 }
seam: { minLegs: 1, maxLegs: 1 }
repair: { schedule: ${schedule}, retryBackoffSec: 1 }
`;
}

async function finished(s: Seamd): Promise<void> {
  for (let i = 0; i < 100 && s.events('recording.finish').length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The recording's packets per track, in ext order. */
async function stored(dir: string): Promise<{ packets: Buffer[][]; gaps: number[] }> {
  const rec = await openRecording(dir);
  const packets: Buffer[][] = [];
  for (const t of rec.tracks) packets.push(await storedPackets(t));
  return { packets, gaps: rec.tracks.map((t) => t.gaps().length) };
}

/**
 * The recording equals the direct session: same number of packets, same payloads in order,
 * consecutive sequence numbers, one SSRC, and timestamps at one offset from the direct ones
 * (video exactly; audio within a tick: gst stamps AAC a tick differently after a seek, so only
 * a packet the repair fetched may be a tick off: one that was stored before it, `kept`, is exact).
 * Returns how many audio timestamps are off by a tick.
 */
function expectPerfectCopy(packets: Buffer[][], kept?: Buffer[][]): number {
  let audioTickOff = 0;
  const keptAudio = new Set((kept?.[1] ?? []).map((p) => p.readUInt16BE(2)));
  for (let t = 0; t < 2; t++) {
    const got = packets[t] ?? [];
    const want = direct[t] ?? [];
    expect(got.length).toBe(want.length);
    const bad = got.findIndex((p, i) => !payloadOf(p).equals(payloadOf(want[i] as Buffer)));
    expect(bad).toBe(-1);
    const off = ((got[0]?.readUInt32BE(4) ?? 0) - (want[0]?.readUInt32BE(4) ?? 0)) >>> 0;
    const ssrc = got[0]?.readUInt32BE(8);
    for (let i = 0; i < got.length; i++) {
      const p = got[i] as Buffer;
      expect(p.readUInt32BE(8)).toBe(ssrc);
      if (i > 0) expect(p.readUInt16BE(2)).toBe(((got[i - 1]?.readUInt16BE(2) ?? 0) + 1) & 0xffff);
      const d = (p.readUInt32BE(4) - (want[i]?.readUInt32BE(4) ?? 0) - off) | 0;
      if (t === 0) expect(d).toBe(0);
      else {
        expect(Math.abs(d)).toBeLessThanOrEqual(1);
        if (d !== 0) {
          audioTickOff++;
          expect(keptAudio.has(p.readUInt16BE(2))).toBe(false);
        }
      }
    }
  }
  return audioTickOff;
}

function missingOf(packets: Buffer[][]): number {
  return (
    (direct[0]?.length ?? 0) + (direct[1]?.length ?? 0) - packets.reduce((n, p) => n + p.length, 0)
  );
}

beforeAll(async () => {
  origin = await startOrigin({ longClip: await longClip() });
  const url = origin.url('long');
  bern = await startSeamd(yaml(url, tmp('seamd-rep-b-')), {
    lossFor: (_req, leg) => (leg === 0 ? bernoulli(10, 5) : undefined),
  });
  burst = await startSeamd(yaml(url, tmp('seamd-rep-g-')), {
    lossFor: (_req, leg) => (leg === 0 ? gilbertElliottForMean(10, 20, 9) : undefined),
  });
  const at = (s: Seamd) => ({ host: '127.0.0.1', port: s.port });
  const [, , ref] = await Promise.all([
    playAll(at(bern), bern.url('long'), 'tcp', { maxMs: 40000 }),
    playAll(at(burst), burst.url('long'), 'tcp', { maxMs: 40000 }),
    playAll({ host: '127.0.0.1', port: origin.port }, url, 'tcp', { maxMs: 40000 }),
  ]);
  direct = ref.rtp;
  await Promise.all([finished(bern), finished(burst)]);
}, 90000);

afterAll(async () => {
  await bern?.stop();
  await burst?.stop();
  await origin?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('repair against the real origin', () => {
  it('10% loss: the daemon repairs its recording to a perfect copy, one gap.repaired per span', async () => {
    const entry = bern.handle.catalog?.list()[0];
    expect(entry?.meta?.state).toBe('partial');
    const dir = entry?.dir ?? '';
    const before = await stored(dir);
    const missing = missingOf(before.packets);
    expect(missing).toBeGreaterThan(250); // ~10% of ~3900
    expect(before.gaps[0]).toBeGreaterThan(50);

    // The finished recording with gaps asked for its repair by itself (manual here: not run).
    expect(bern.events('repair.request')).toContainEqual(
      expect.objectContaining({
        recording: entry?.id,
        reason: 'recorded with gaps',
        outcome: 'manual',
      }),
    );
    // SIGHUP-style reload to `immediate`, then the request runs.
    const dirOf = join(dir, '..');
    bern.handle.reload(
      parseConfigText(yaml(origin?.url('long') ?? '', dirOf, 'immediate'), 'reload.yaml'),
    );
    const service = bern.handle.repair;
    expect(service?.request(entry?.id ?? '', 'test')).toBe('queued');
    await service?.idle();

    const done = bern.events('repair.done');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ status: 'repaired', after: 100, missing: 0 });
    const spans = bern.events('gap.repaired');
    expect(spans.length).toBeGreaterThanOrEqual(2); // video and audio
    const filled = spans.reduce((n, l: LogLine) => n + Number(l.packets), 0);
    expect(filled).toBe(missing);
    for (const l of spans) {
      expect(l).toMatchObject({ recording: entry?.id });
      expect(Number(l.toNpt)).toBeGreaterThanOrEqual(Number(l.fromNpt));
      expect(Number(l.bytesFetched)).toBeGreaterThan(Number(l.bytes));
    }
    const after = await stored(dir);
    expect(after.gaps).toEqual([0, 0]);
    // Only fetched audio packets may be a tick off (gst's rounding after a seek): at most the
    // audio that was missing, and none that was stored before the repair.
    const ticks = expectPerfectCopy(after.packets, before.packets);
    expect(ticks).toBeLessThanOrEqual((direct[1]?.length ?? 0) - (before.packets[1]?.length ?? 0));
    const meta = await readMeta(dir);
    expect(meta.state).toBe('complete');
    expect(meta.repair).toMatchObject({ status: 'repaired', attempts: 0 });
  }, 90000);

  it('burst loss (Gilbert-Elliott): `seamd recordings repair ID` repairs it; a locked one is refused', async () => {
    const entry = burst.handle.catalog?.list()[0];
    const dir = entry?.dir ?? '';
    const before = await stored(dir);
    expect(missingOf(before.packets)).toBeGreaterThan(100);
    const cfg = join(tmp('seamd-rep-cfg-'), 'seamd.yaml');
    writeFileSync(cfg, `recordings: { dir: ${join(dir, '..')} }\nrepair: { speed: 4 }\n`);
    let out = '';
    let err = '';
    const run = (...args: string[]) =>
      runCli(['node', 'seamd', 'recordings', 'repair', ...args, '--config', cfg], {
        stdout: (t) => (out += t),
        stderr: (t) => (err += t),
      });
    // A live process (pid 1) holding the lock: refused, nothing changed.
    writeFileSync(join(dir, '.lock'), `1 ${(await import('node:os')).hostname()}\n`);
    expect(await run(entry?.id ?? '')).toBe(1);
    expect(err).toMatch(/in use by pid 1 .*not repaired/);
    rmSync(join(dir, '.lock'));
    expect(await run(entry?.id ?? '')).toBe(0);
    expect(out).toMatch(/: repaired/);
    expect(out).toMatch(/completeness: [\d.]+% -> 100% /);
    out = '';
    expect(
      await runCli(['node', 'seamd', 'recordings', 'inspect', entry?.id ?? '', '--config', cfg], {
        stdout: (t) => (out += t),
      }),
    ).toBe(0);
    expect(out).toMatch(/^state: +complete$/m);
    expect(out).toMatch(/^completeness: +100/m);
    expect(out).toMatch(/^repair: +repaired, 0 attempts/m);
    const after = await stored(dir);
    expect(after.gaps).toEqual([0, 0]);
    expectPerfectCopy(after.packets);
  }, 90000);

  it('content the origin no longer has (404, other content) ends "gone" at once', async () => {
    const url = origin?.url('long') ?? '';
    const rec = (await openRecording(bern.handle.catalog?.list()[0]?.dir ?? '')).meta;
    const make = async (originUrl: string, identity: string): Promise<string> => {
      const dir = join(tmp('seamd-rep-gone-'), 'r');
      const w = await RecordingWriter.create(
        dir,
        { ...rec, originUrl, sdpIdentity: identity, tracks: rec.tracks },
        { flushIntervalMs: 0 },
      );
      for (const ext of [100, 103]) {
        const p = rtpPacket({ seq: ext, ts: 0, ssrc: 0, pt: 0, payload: Buffer.alloc(8) });
        w.append(0, ext, p, 0);
      }
      await w.close('partial');
      return dir;
    };
    const opts = { ...DEFAULT_REPAIR_OPTIONS, backoffSec: 0 };
    const deps = { createLeg: tcpLeg, log: quietLog };
    for (const [originUrl, identity, why] of [
      [url.replace(/long$/, 'no-such-thing'), rec.sdpIdentity, /answered 404/],
      [url, 'f'.repeat(64), /now serves other content/],
    ] as const) {
      const dir = await make(originUrl, identity);
      const report = await repairRecording(dir, 'r', opts, deps);
      expect(report.status).toBe('gone');
      expect(report.reason).toMatch(why);
      expect(report.passes).toBe(1);
      const meta = await readMeta(dir);
      expect(meta.repair).toMatchObject({ status: 'gone', attempts: 0 });
      expect(meta.repair?.reason).toMatch(why);
    }
  }, 30000);

  it('origin stopped: a viewer gets every packet from disk; ffmpeg decodes the clip clean', async () => {
    await origin?.stop();
    origin = undefined;
    const at = { host: '127.0.0.1', port: bern.port };
    const [via, ff] = await Promise.all([
      playAll(at, bern.url('long'), 'tcp', { maxMs: 40000 }),
      ffmpegDecode(bern.url('long'), 'tcp'),
    ]);
    for (let t = 0; t < 2; t++) {
      const got = via.rtp[t] ?? [];
      expect(got.length).toBe(direct[t]?.length);
      expect(
        got.findIndex((p, i) => !payloadOf(p).equals(payloadOf(direct[t]?.[i] as Buffer))),
      ).toBe(-1);
    }
    expect(bern.events('cache.hit').length).toBeGreaterThanOrEqual(1);
    expect(ff.stderr).toBe('');
    expect(ff.code).toBe(0);
  }, 60000);
});
