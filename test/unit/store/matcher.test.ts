/**
 * TrackMatcher: a repair leg's packets mapped onto a recording by payload, with the leg's own
 * SSRC / sequence / timestamp base, Speed-divided timestamps, clipped pre-roll timestamps, a
 * seek inside the leg, repeated payloads and foreign content.
 */
import { describe, expect, it } from 'vitest';
import {
  TrackMatcher,
  type RefPacket,
  type TrackMatcherOptions,
} from '../../../src/store/matcher.js';
import { rtpPacket } from '../../helpers/rtp.js';

const CANON_SSRC = 0x11111111;
const LEG_SSRC = 0x22222222;

/** Frame i of a video-like stream: 3600 ticks per frame, `perFrame` packets per frame. */
interface Unit {
  /** Position in the content (0..n-1). */
  i: number;
  /** Media time in clock ticks from the content's start. */
  media: number;
  payload: Buffer;
}

function content(n: number, step: number, perFrame = 1, repeatEvery = 0): Unit[] {
  return Array.from({ length: n }, (_, i) => {
    const payload = Buffer.alloc(40);
    // A repeated parameter-set-like payload every `repeatEvery` units; else unique.
    if (repeatEvery > 0 && i % repeatEvery === 0) payload.fill(0x67);
    else for (let k = 0; k < 40; k++) payload[k] = (i * 31 + k * 7 + ((i >> 3) ^ k)) & 0xff;
    payload.writeUInt32BE(repeatEvery > 0 && i % repeatEvery === 0 ? 0 : i + 1, 0);
    return { i, media: Math.floor(i / perFrame) * step, payload };
  });
}

const packet = (seq: number, ts: number, ssrc: number, payload: Buffer): Buffer =>
  rtpPacket({ seq, ts, ssrc, payload });

const CANON_EXT0 = 65530; // crosses the 16-bit wrap
const CANON_TS0 = 4294960000; // and the 32-bit one

function canonical(u: Unit): Buffer {
  return packet(CANON_EXT0 + u.i, CANON_TS0 + u.media, CANON_SSRC, u.payload);
}

function ref(units: Unit[], missing: Set<number>): RefPacket[] {
  return units
    .filter((u) => !missing.has(u.i))
    .map((u) => ({ ext: CANON_EXT0 + u.i, ts: (CANON_TS0 + u.media) >>> 0, packet: canonical(u) }));
}

/** The leg's packets for units [from, to]: own bases; timestamps divided by `rate`. */
function leg(units: Unit[], from: number, to: number, rate = 1, seqBase = 40000, tsBase = 777) {
  const start = units[from]?.media ?? 0;
  return units
    .slice(from, to + 1)
    .map((u, k) =>
      packet(seqBase + k, tsBase + Math.round((u.media - start) / rate), LEG_SSRC, u.payload),
    );
}

/** Every packet `m` filled is the canonical packet of `units` at its ext. */
function expectCanonicalFills(m: TrackMatcher, units: Unit[]): void {
  for (const [c, p] of m.filled)
    expect(p.equals(canonical(units[c - CANON_EXT0] as Unit))).toBe(true);
}

function ranges(missing: number[]): Array<[number, number]> {
  return missing.map((i): [number, number] => [CANON_EXT0 + i, CANON_EXT0 + i]);
}

describe('TrackMatcher', () => {
  const units = content(400, 3600, 3);
  const lost = [50, 51, 52, 120, 200, 201, 333];
  const missing = new Set(lost);
  /** A video matcher for `units` with the `lost` ones missing. */
  const matcher = (over: Partial<TrackMatcherOptions> = {}): TrackMatcher =>
    new TrackMatcher({ ref: ref(units, missing), wanted: ranges(lost), clockRate: 90000, ...over });

  it('fills exactly the missing packets, byte for byte as the canonical ones', () => {
    const m = matcher();
    for (const p of leg(units, 30, 380)) m.push(p);
    m.resolve();
    expect(m.complete).toBe(true);
    expect([...m.filled.keys()].sort((a, b) => a - b)).toEqual(lost.map((i) => CANON_EXT0 + i));
    for (const i of lost) {
      expect(m.filled.get(CANON_EXT0 + i)?.equals(canonical(units[i] as Unit))).toBe(true);
    }
  });

  it('restores canonical timestamps of a Speed 4 leg (timestamps divided by the rate)', () => {
    const m = matcher({ rate: 4 });
    for (const p of leg(units, 30, 380, 4)) m.push(p);
    m.resolve();
    expect(m.grid).toBe(3600);
    expect(m.filled.size).toBe(lost.length);
    for (const i of lost) {
      expect(m.filled.get(CANON_EXT0 + i)?.equals(canonical(units[i] as Unit))).toBe(true);
    }
  });

  it('AAC-like steps of 1023/1024/1025 still give a grid; packets come out within a tick', () => {
    // pts rounding as a file demuxer does it: 1024 samples at 44.1 kHz in ns, floored to ticks
    const audio = content(300, 1).map((u) => ({
      ...u,
      media: Math.floor((Math.round((u.i * 1024 * 1e9) / 44100) * 44100) / 1e9),
    }));
    const m = new TrackMatcher({
      ref: ref(audio, missing),
      wanted: ranges([50, 51, 52, 120, 200, 201]),
      clockRate: 44100,
      rate: 4,
    });
    for (const p of leg(audio, 10, 290, 4)) m.push(p);
    m.resolve();
    expect(m.grid).toBe(1024);
    expect(m.filled.size).toBe(6);
    for (const [c, p] of m.filled) {
      const want = canonical(audio[c - CANON_EXT0] as Unit);
      expect(p.subarray(12).equals(want.subarray(12))).toBe(true);
      expect(Math.abs(p.readUInt32BE(4) - want.readUInt32BE(4))).toBeLessThanOrEqual(1);
    }
  });

  it('uses nothing whose anchors disagree on the timestamp (clipped pre-roll)', () => {
    const m = matcher();
    // The origin stamps everything before the Range start (unit 60) with the start's time.
    const packets = leg(units, 30, 150);
    for (let k = 0; k < 30; k++) packets[k]?.writeUInt32BE(777 + 30 * 1200, 4);
    for (const p of packets) m.push(p);
    m.resolve();
    // 50-52 lie in the clipped stretch: left alone; 120 is past it: filled.
    expect([...m.filled.keys()]).toEqual([CANON_EXT0 + 120]);
  });

  it('a gap at the very start of a leg is never filled from one side', () => {
    // A ranged PLAY starts with parameter sets the stream did not have there (gst-rtsp-server
    // prepends SPS and PPS), so what precedes the first anchor is not trusted for a gap.
    const atStart = [28, 29];
    const m = new TrackMatcher({
      ref: ref(units, new Set(atStart)),
      wanted: ranges(atStart),
      clockRate: 90000,
    });
    const sps = (units[0] as Unit).payload;
    const packets = [packet(39998, 777, LEG_SSRC, sps), packet(39999, 777, LEG_SSRC, sps)];
    for (const p of [...packets, ...leg(units, 30, 150)]) m.push(p);
    m.resolve();
    expect(m.filled.size).toBe(0);
  });

  it('a head (before the first stored packet) is filled from a leg that played from the start', () => {
    const head = new Set(Array.from({ length: 12 }, (_, k) => k));
    const m = new TrackMatcher({
      ref: ref(units, head),
      wanted: [],
      head: { beforeExt: CANON_EXT0 + 12 },
      clockRate: 90000,
    });
    expect(m.complete).toBe(false);
    for (const p of leg(units, 0, 100)) m.push(p);
    m.resolve();
    expect(m.complete).toBe(true);
    expect([...m.filled.keys()].sort((a, b) => a - b)).toEqual(
      [...head].map((i) => CANON_EXT0 + i),
    );
    expectCanonicalFills(m, units);
  });

  it('a seek inside the leg (sequence goes on, content jumps) maps both parts, never across', () => {
    const m = matcher();
    const a = leg(units, 30, 60, 1, 40000, 777);
    const b = leg(units, 180, 220, 1, 40000 + a.length, 99999);
    for (const p of [...a, ...b]) m.push(p);
    m.resolve();
    expect([...m.filled.keys()].sort((x, y) => x - y)).toEqual(
      [50, 51, 52, 200, 201].map((i) => CANON_EXT0 + i),
    );
    expectCanonicalFills(m, units);
  });

  it('repeated payloads (parameter sets) do not confuse it', () => {
    const rep = content(300, 3600, 2, 25);
    const lostHere = [26, 27, 75, 150];
    const m = new TrackMatcher({
      ref: ref(rep, new Set(lostHere)),
      wanted: ranges(lostHere),
      clockRate: 90000,
    });
    for (const p of leg(rep, 0, 299)) m.push(p);
    m.resolve();
    expect(m.filled.size).toBe(4);
    expectCanonicalFills(m, rep);
  });

  it('other content fills nothing', () => {
    const other = content(400, 3600, 3).map((u) => ({
      ...u,
      payload: Buffer.from(u.payload).fill(u.i & 0xff, 8),
    }));
    const m = matcher();
    for (const p of leg(other, 30, 380)) m.push(p);
    m.resolve();
    expect(m.filled.size).toBe(0);
    expect(m.complete).toBe(false);
  });

  it('fills a tail after the last stored packet when asked, from one-sided anchors', () => {
    const stored = new Set(Array.from({ length: 50 }, (_, k) => 350 + k));
    const m = new TrackMatcher({
      ref: ref(units, stored),
      wanted: [],
      tail: { afterExt: CANON_EXT0 + 349 },
      clockRate: 90000,
    });
    for (const p of leg(units, 300, 399)) m.push(p);
    m.resolve();
    expect(m.filled.size).toBe(50);
    expectCanonicalFills(m, units);
  });
});
