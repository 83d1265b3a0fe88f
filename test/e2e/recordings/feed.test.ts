/**
 * One recording per content, fed by every upstream session of it (the real origin, the 20 s
 * clip, 10 % seeded loss on every session, no extra legs, no repair): viewers who watched
 * different parts, viewers at the same time, a viewer who seeks. The recording is compared packet
 * for packet with a clean direct session of the origin: no wrong payload under any sequence
 * number, timestamps as the canonical session's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { rtpSeq, rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import { completenessOf } from '../../../src/store/completeness.js';
import { openRecording, type Recording } from '../../../src/store/reader.js';
import { longClip, startOrigin, type Origin } from '../../helpers/origin.js';
import { RawRtspClient, payloadOf, playAll } from '../../helpers/raw-client.js';
import { startSeamd, type Seamd } from '../../helpers/seamd.js';

let origin: Origin;
let root: string;
/** Per track, the payloads and timestamps of a clean direct session, in order. */
let clean: Array<Array<{ payload: Buffer; ts: number }>>;

beforeAll(async () => {
  origin = await startOrigin({ longClip: await longClip() });
  root = mkdtempSync(join(tmpdir(), 'seamd-feed-'));
  const u = new URL(origin.url('long'));
  const direct = await playAll({ host: u.hostname, port: Number(u.port) }, origin.url('long'), 'tcp', {
    maxMs: 30000,
    idleMs: 3000,
  });
  clean = direct.rtp.map((pkts) => pkts.map((p) => ({ payload: payloadOf(p), ts: rtpTimestamp(p) })));
}, 60000);

afterAll(async () => {
  await origin?.stop();
  rmSync(root, { recursive: true, force: true });
});

const config = (dir: string) => `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }
paths:
  long: { origin: ${origin.url('long')}, seam: { maxLegs: 1, minLegs: 1 } }
recordings: { dir: ${dir} }
repair: { schedule: manual }
`;

/** Every session gets its own 10 % Bernoulli loss (another seed each). */
function lossySeamd(dir: string, seed: number): Promise<Seamd> {
  let n = 0;
  return startSeamd(config(dir), {
    lossFor: (_req, leg) => (leg === 0 ? bernoulli(10, seed + 7919 * n++) : undefined),
  });
}

async function until(cond: () => boolean, ms = 20000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 50) await new Promise((r) => setTimeout(r, 50));
}

async function onlyRecording(seamd: Seamd): Promise<Recording> {
  const list = seamd.handle.catalog?.list() ?? [];
  expect(list).toHaveLength(1);
  return openRecording(list[0]?.dir ?? '');
}

/**
 * Every stored packet is the clean session's packet at the same offset (one offset per track,
 * found from the first stored payload): right payload, right timestamp. Returns per track the
 * packets stored and the packets of the clean session the recording's span should hold.
 */
async function checkAgainstClean(rec: Recording): Promise<Array<{ stored: number; expected: number }>> {
  const out: Array<{ stored: number; expected: number }> = [];
  for (const track of rec.tracks) {
    const ref = clean[track.index] ?? [];
    const stored = [];
    for await (const p of track.readRange(track.firstExt ?? 0, track.lastExt ?? -1)) stored.push(p);
    // The offset: the one position of the clean session where a run of stored payloads fits.
    const offsets = new Map<number, number>();
    for (const p of stored.slice(0, 200)) {
      const body = payloadOf(p.packet);
      ref.forEach((r, i) => {
        if (r.payload.equals(body)) offsets.set(p.ext - i, (offsets.get(p.ext - i) ?? 0) + 1);
      });
    }
    const [offset] = [...offsets.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0];
    // The timestamp offset most stored packets agree on (the first stored packet may be a fill a
    // tick off, which would shift every comparison by one).
    const tsVotes = new Map<number, number>();
    for (const p of stored) {
      const r = ref[p.ext - offset];
      if (!r) continue;
      const d = (rtpTimestamp(p.packet) - r.ts) | 0;
      tsVotes.set(d, (tsVotes.get(d) ?? 0) + 1);
    }
    const [tsOffset] = [...tsVotes.entries()].sort((a, b) => b[1] - a[1])[0] ?? [0];
    const wrong: string[] = [];
    for (const p of stored) {
      const r = ref[p.ext - offset];
      expect(rtpSeq(p.packet)).toBe(p.ext & 0xffff);
      if (!r || !r.payload.equals(payloadOf(p.packet))) wrong.push(`payload at ${p.ext}`);
      else {
        const d = (rtpTimestamp(p.packet) - r.ts - tsOffset) | 0;
        // Audio after a seek may be a tick off (the origin's own rounding; see Repair).
        if (Math.abs(d) > 1) wrong.push(`ts at ${p.ext} (npt ${p.npt.toFixed(3)}) off by ${d}`);
      }
    }
    if (wrong.length > 0) console.log(`track ${track.index}:`, wrong.length, wrong.slice(0, 10), wrong.slice(-5));
    expect(wrong).toEqual([]);
    out.push({ stored: stored.length, expected: ref.length });
  }
  return out;
}

describe('every session feeds the one recording of its content', () => {
  it('a viewer of 0-7 s and a later one of npt=5- to the end leave one recording of the union', async () => {
    const dir = join(root, 'union');
    const seamd = await lossySeamd(dir, 11);
    try {
      const at = { host: '127.0.0.1', port: seamd.port };
      await playAll(at, seamd.url('long'), 'tcp', { maxMs: 7000 });
      await until(() => seamd.events('recording.finish').length === 1);
      const alone = completenessOf(await onlyRecording(seamd)).percent;
      expect(alone).toBeLessThan(40);
      await playAll(at, seamd.url('long'), 'tcp', { range: 'npt=5-', maxMs: 30000, idleMs: 3000 });
      await until(() => seamd.events('recording.finish').length === 2);
      const rec = await onlyRecording(seamd);
      const c = completenessOf(rec);
      expect(c.percent).toBeGreaterThanOrEqual(85);
      expect(rec.meta.sessions).toHaveLength(2);
      const fills = seamd.events('recording.fill');
      expect(fills).toHaveLength(2);
      expect(Number(fills[1]?.packets)).toBeGreaterThan(1500);
      expect(Number(fills[1]?.nptTo)).toBeGreaterThan(19);
      expect(Number(fills[1]?.completenessAfter)).toBeGreaterThan(Number(fills[1]?.completenessBefore));
      const check = await checkAgainstClean(rec);
      for (const t of check) expect(t.stored / t.expected).toBeGreaterThan(0.85);
    } finally {
      await seamd.stop();
    }
  }, 90000);

  it('two viewers at once, each through its own lossy session: about p² missing', async () => {
    const dir = join(root, 'together');
    const seamd = await lossySeamd(dir, 23);
    try {
      const at = { host: '127.0.0.1', port: seamd.port };
      await Promise.all([
        playAll(at, seamd.url('long'), 'tcp', { maxMs: 30000, idleMs: 3000 }),
        playAll(at, seamd.url('long'), 'udp', { maxMs: 30000, idleMs: 3000 }),
      ]);
      await until(() => seamd.events('recording.finish').length === 1);
      expect(seamd.events('recording.start').map((e) => e.created)).toEqual([true, false]);
      const rec = await onlyRecording(seamd);
      const c = completenessOf(rec);
      expect(100 - c.percent).toBeLessThanOrEqual(1.5);
      const check = await checkAgainstClean(rec);
      // Per track the bound is looser than the whole's 1.5 %: the audio track has a tenth of the
      // packets, so its share missing scatters more around p² (one run under load: 1.55 %).
      for (const t of check) expect(t.stored / t.expected).toBeGreaterThan(0.98);
    } finally {
      await seamd.stop();
    }
  }, 90000);

  it('a viewer who seeks mid-playback contributes both parts', async () => {
    const dir = join(root, 'seek');
    const seamd = await lossySeamd(dir, 37);
    try {
      const at = { host: '127.0.0.1', port: seamd.port };
      await playAll(at, seamd.url('long'), 'tcp', { maxMs: 30000, idleMs: 3000 });
      await until(() => seamd.events('recording.finish').length === 1);
      const before = await onlyRecording(seamd);
      // A second viewer: 0 to about 6 s, then a seek to 12 s and on to the end.
      const client = await RawRtspClient.connect('127.0.0.1', seamd.port);
      try {
        const url = seamd.url('long');
        const d = await client.request('DESCRIBE', url, { Accept: 'application/sdp' });
        const base = d.headers.get('Content-Base') ?? `${url}/`;
        const controls = [...d.body.toString().matchAll(/^a=control:(\S+)/gm)]
          .map((m) => m[1] ?? '')
          .filter((c) => c !== '*');
        for (const [i, c] of controls.entries()) {
          await client.request('SETUP', `${base}${c}`, {
            Transport: `RTP/AVP/TCP;unicast;interleaved=${2 * i}-${2 * i + 1}`,
          });
        }
        await client.request('PLAY', base, { Range: 'npt=0-' });
        await new Promise((r) => setTimeout(r, 6000));
        await client.request('PLAY', base, { Range: 'npt=12-' });
        await until(() => client.frames.length > 0 && Date.now() - (client.frames.at(-1)?.at ?? 0) > 3000, 20000);
        await client.request('TEARDOWN', base).catch(() => undefined);
      } finally {
        client.close();
      }
      await until(() => seamd.events('recording.finish').length === 2);
      const after = await onlyRecording(seamd);
      const fill = seamd.events('recording.fill')[1];
      expect(Number(fill?.nptFrom)).toBeLessThan(6);
      expect(Number(fill?.nptTo)).toBeGreaterThan(19);
      // Both parts filled holes: more stored in 0-6 s and in 12-20 s than before.
      for (const [from, to] of [
        [0, 6],
        [12.5, 19.5],
      ] as const) {
        expect(await storedIn(after, from, to)).toBeGreaterThan(await storedIn(before, from, to));
      }
      await checkAgainstClean(after);
    } finally {
      await seamd.stop();
    }
  }, 120000);
});

/** Packets stored (all tracks) whose npt lies in [from, to]. */
async function storedIn(rec: Recording, from: number, to: number): Promise<number> {
  let n = 0;
  for (const t of rec.tracks) {
    for await (const p of t.readRange(t.firstExt ?? 0, t.lastExt ?? -1)) if (p.npt >= from && p.npt <= to) n++;
  }
  return n;
}
