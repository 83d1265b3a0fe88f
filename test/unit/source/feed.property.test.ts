/**
 * Sessions feeding one recording, against the model of a file-backed origin (origin-model.ts:
 * Range starts snap to the keyframe at or before, ranged PLAYs re-send the parameter sets first,
 * every session has its own SSRC, sequence and timestamp bases, a seek keeps counting sequence
 * numbers while timestamps jump): random start points, seeks, pauses and loss, fed in any
 * interleaving with mapping rounds anywhere. What ends up on disk is exactly the canonical
 * packets (payload, marker and timestamp of the content at that ext), nothing nobody carried,
 * and every packet some session carried away from the edges of its segments.
 */
import { mulberry32 } from '../../../src/seam/loss-model.js';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { rtpTimestamp } from '../../../src/protocol/rtp/rtp.js';
import { RecordingCatalog } from '../../../src/store/catalog.js';
import { RecordingFeed } from '../../../src/store/feed.js';
import { openRecording } from '../../../src/store/reader.js';
import { SessionFeed, extBaseFor, type SegmentStart } from '../../../src/source/feed-session.js';
import { sourceKey } from '../../../src/upstream/url.js';
import {
  clipMeta,
  makeContent,
  play,
  rtp,
  A_CLOCK,
  V_CLOCK,
  type Content,
} from '../repair/origin-model.js';
import { payloadOf } from '../../helpers/raw-client.js';

const root = mkdtempSync(join(tmpdir(), 'seamd-feed-prop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

const GOPS = 10;
const GOP_FRAMES = 25; // a keyframe every second: 10 s of content
const CLOCKS = [V_CLOCK, A_CLOCK];
/**
 * Units closer than this (s) to an end of the segment that carried them may stay unplaced: at 0
 * the parameter sets leading a PLAY whose first packets were lost are (rightly) left for others.
 */
const EDGE_SEC = 0.5;

interface SegmentSpec {
  /** Asked start (s), never within 2 ms of a keyframe. */
  from: number;
  /** Asked end (s); undefined = to the end of the content. */
  to: number | undefined;
  /** A PAUSE and PLAY without Range in the middle. */
  pause: boolean;
}

interface SessionSpec {
  segments: SegmentSpec[];
  lossPct: number;
  seed: number;
}

const segmentArb = (creatorFirst: boolean) =>
  fc.record({
    from: fc.integer({ min: 0, max: creatorFirst ? 40 : 60 }).map((n) => n / 10 + 0.05),
    len: fc.integer({ min: 30, max: 80 }).map((n) => n / 10),
    open: fc.boolean(),
    pause: fc.boolean(),
  });

const caseArb = fc.record({
  creator: fc.array(segmentArb(true), { minLength: 1, maxLength: 3 }),
  others: fc.array(
    fc.record({
      segments: fc.array(segmentArb(false), { minLength: 1, maxLength: 3 }),
      lossPct: fc.constantFrom(0, 5, 10, 30),
      seed: fc.nat(1000),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  creatorLoss: fc.constantFrom(0, 10, 30),
  order: fc.array(fc.nat(1000), { minLength: 50, maxLength: 400 }),
  sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
});

type Event =
  | { kind: 'play'; start: SegmentStart; resume: boolean }
  | { kind: 'rtp'; track: number; packet: Buffer; unit: number | undefined; seg: number }
  | { kind: 'round' };

/** A session's events and what it carried: per track, unit index → the segment that carried it. */
function sessionEvents(
  content: Content,
  spec: SessionSpec,
  n: number,
): {
  events: Event[];
  carried: Array<Array<{ unit: number; seg: number }>>;
  segs: Array<[number, number]>;
} {
  const rnd = mulberry32(spec.seed * 31 + n);
  const seqBase = [(n * 7001 + 17) & 0xffff, (n * 3001 + 900) & 0xffff];
  const tsBase = [(n * 1_000_003 + 12345) >>> 0, (n * 77_777 + 999) >>> 0];
  const next = [0, 0];
  const events: Event[] = [];
  const carried: Array<Array<{ unit: number; seg: number }>> = [[], []];
  const segs: Array<[number, number]> = [];
  spec.segments.forEach((s, k) => {
    const to = s.to === undefined ? '' : String(Math.min(s.to, content.durationSec));
    const header = `npt=${s.from.toFixed(2)}-${to}`;
    const out = play(content, header, { speed: 1, skewSec: 0, seed: n + 1 });
    const key = [...content.keyframes].reverse().find((x) => x <= s.from + 1e-9) ?? 0;
    events.push({
      kind: 'play',
      start: {
        npt: key,
        rtptime: CLOCKS.map((c, t) => ((tsBase[t] ?? 0) + Math.round(key * c)) >>> 0),
        seq: [0, 1].map((t) => ((next[t] ?? 0) + (seqBase[t] ?? 0)) & 0xffff),
      },
      resume: false,
    });
    const units = [content.video, content.audio];
    const seqStart = next.slice();
    const perTrack = out.map((pkts, t) => {
      const ts0 = ((n + 1) * 104729 + t * 99991) >>> 0;
      const list = units[t] ?? [];
      const firstT = t === 0 ? key : key - 1024 / A_CLOCK;
      const firstIdx = list.findIndex((x) => x.t >= firstT - 1e-9);
      // A ranged PLAY with an end re-sends the parameter sets first: they are no unit.
      const prefix = t === 0 && s.to !== undefined ? 2 : 0;
      return pkts.map((p, i) => {
        const body = payloadOf(p);
        const unit = i < prefix ? undefined : firstIdx + i - prefix;
        const ticks = ((rtpTimestamp(p) - ts0) | 0) + Math.round(key * (CLOCKS[t] ?? 1));
        const packet = rtp(
          ((seqStart[t] ?? 0) + (seqBase[t] ?? 0) + i) & 0xffff,
          ((tsBase[t] ?? 0) + ticks) >>> 0,
          0x7000 + n * 2 + t,
          96 + t,
          (p[1] ?? 0) >= 0x80,
          body,
        );
        return { packet, unit };
      });
    });
    perTrack.forEach((l, t) => (next[t] = (next[t] ?? 0) + l.length));
    // Interleave the tracks as an origin would, in media order, with mapping rounds.
    const merged: Array<{ t: number; i: number }> = [];
    perTrack.forEach((l, t) => l.forEach((_, i) => merged.push({ t, i })));
    merged.sort((a, b) => a.i / (perTrack[a.t]?.length ?? 1) - b.i / (perTrack[b.t]?.length ?? 1));
    let lo = Infinity;
    let hi = -Infinity;
    merged.forEach(({ t, i }, j) => {
      const x = perTrack[t]?.[i];
      if (!x) return;
      if (s.pause && j === Math.floor(merged.length / 2)) {
        events.push({
          kind: 'play',
          start: { npt: 0, rtptime: [undefined, undefined] },
          resume: true,
        });
      }
      if (rnd() * 100 < spec.lossPct) return;
      events.push({ kind: 'rtp', track: t, packet: x.packet, unit: x.unit, seg: k });
      if (x.unit !== undefined) {
        carried[t]?.push({ unit: x.unit, seg: k });
        const at = (t === 0 ? content.video : content.audio)[x.unit]?.t ?? 0;
        lo = Math.min(lo, at);
        hi = Math.max(hi, at);
      }
      if (rnd() < 0.02) events.push({ kind: 'round' });
    });
    segs.push([lo, hi]);
  });
  return { events, carried, segs };
}

function toSpec(s: { from: number; len: number; open: boolean; pause: boolean }): SegmentSpec {
  return { from: s.from, to: s.open ? undefined : s.from + s.len, pause: s.pause };
}

describe('sessions feeding one recording (property)', () => {
  it('any starts, seeks, pauses, losses and interleaving: the recording is the union, in canonical space', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const content = makeContent(GOPS, GOP_FRAMES, c.sizes);
        const creatorSpec: SessionSpec = {
          segments: c.creator.map(toSpec),
          lossPct: c.creatorLoss,
          seed: 1,
        };
        const specs = [
          creatorSpec,
          ...c.others.map((o) => ({ ...o, segments: o.segments.map(toSpec) })),
        ];
        const sessions = specs.map((s, n) => sessionEvents(content, s, n));
        const first = sessions[0]?.events[0];
        if (first?.kind !== 'play') throw new Error('no first play');

        const log = pino({ level: 'silent' });
        const catalog = new RecordingCatalog({
          dir: join(root, `r${++runs}`),
          log,
          quotaBytes: 0,
          keyOf: sourceKey,
        });
        await catalog.open();
        const { entry, writer } = await catalog.create(
          clipMeta(
            content.durationSec,
            CLOCKS.map(
              (c, t) => ((first.start.rtptime[t] ?? 0) - Math.round(first.start.npt * c)) >>> 0,
            ),
          ),
          0,
        );
        const feed = new RecordingFeed(entry, writer, true);
        const feeders = sessions.map(
          (_, n) =>
            new SessionFeed({
              feed,
              clockRates: CLOCKS,
              encodings: ['H264', 'MPEG4-GENERIC'],
              creator: n === 0,
              base: extBaseFor(first.start.npt),
            }),
        );
        // Any interleaving: the creator's first PLAY first, then sessions step by `order`.
        const pos = sessions.map(() => 0);
        const step = (n: number) => {
          const ev = sessions[n]?.events[pos[n] ?? 0];
          const f = feeders[n];
          if (!ev || !f) return false;
          pos[n] = (pos[n] ?? 0) + 1;
          if (ev.kind === 'play') f.play(ev.start, ev.resume);
          else if (ev.kind === 'rtp') f.packet(ev.track, ev.packet, 0);
          else f.round();
          if ((pos[n] ?? 0) === sessions[n]?.events.length) f.end();
          feed.retryParked();
          return true;
        };
        step(0);
        for (const o of c.order) {
          const n = o % sessions.length;
          for (let k = 0; k < (o >> 4) % 40; k++) if (!step(n)) break;
          // Written out now and then: the feed reads back from the log what it verifies.
          if (o % 7 === 0) await writer.flush();
        }
        for (let n = 0; n < sessions.length; n++) while (step(n));
        feed.retryParked();
        await writer.close();

        // Segments that overlap (by a second) the creator's first one, or one that does, and so on.
        const connected = new Set<string>(['0/0']);
        let [cl, ch] = sessions[0]?.segs[0] ?? [0, 0];
        for (let grew = true; grew;) {
          grew = false;
          for (const [n, s] of sessions.entries()) {
            for (const [k, [lo, hi]] of s.segs.entries()) {
              if (connected.has(`${n}/${k}`) || Math.min(hi, ch) - Math.max(lo, cl) < 1) continue;
              connected.add(`${n}/${k}`);
              [cl, ch] = [Math.min(cl, lo), Math.max(ch, hi)];
              grew = true;
            }
          }
        }

        // Canonical space: the creator's numbering; a stored packet of a unique payload fixes
        // where unit 0 is and what its timestamp is.
        const rec = await openRecording(entry.dir);
        for (const t of [0, 1]) {
          const units = t === 0 ? content.video : content.audio;
          const track = rec.track(t);
          const stored = [];
          for await (const p of track.readRange(track.firstExt ?? 0, track.lastExt ?? -1))
            stored.push(p);
          const union = new Set(sessions.flatMap((s) => (s.carried[t] ?? []).map((x) => x.unit)));
          let e0: number | undefined;
          let t0 = 0;
          for (const p of stored) {
            const body = payloadOf(p.packet);
            const hits = units.flatMap((u, i) => (u.payload.equals(body) ? [i] : []));
            if (hits.length === 1) {
              e0 = p.ext - (hits[0] ?? 0);
              t0 = (rtpTimestamp(p.packet) - (units[hits[0] ?? 0]?.ticks ?? 0)) >>> 0;
              break;
            }
          }
          if (e0 === undefined) {
            expect(stored).toHaveLength(0);
            continue;
          }
          const have = new Set<number>();
          for (const p of stored) {
            const u = p.ext - e0;
            const unit = units[u];
            expect(unit, `track ${t} ext ${p.ext}: no such unit ${u}`).toBeDefined();
            expect(
              payloadOf(p.packet).equals(unit?.payload ?? Buffer.alloc(0)),
              `track ${t} unit ${u} payload`,
            ).toBe(true);
            expect(rtpTimestamp(p.packet), `track ${t} unit ${u} timestamp`).toBe(
              (t0 + (unit?.ticks ?? 0)) >>> 0,
            );
            expect(union.has(u), `track ${t} unit ${u} carried by nobody`).toBe(true);
            have.add(u);
          }
          // Every unit carried away from the edges of a segment that overlaps what is placed is stored.
          for (const [n, s] of sessions.entries()) {
            for (const x of s.carried[t] ?? []) {
              if (!connected.has(`${n}/${x.seg}`)) continue;
              const [lo, hi] = s.segs[x.seg] ?? [0, 0];
              const at = units[x.unit]?.t ?? 0;
              if (at < lo + EDGE_SEC || at > hi - EDGE_SEC) continue;
              expect(
                have.has(x.unit),
                `track ${t} unit ${x.unit} (${at}s) of session ${n} segment ${x.seg}`,
              ).toBe(true);
            }
          }
        }
      }),
      { numRuns: 25 },
    );
  }, 240000);
});
