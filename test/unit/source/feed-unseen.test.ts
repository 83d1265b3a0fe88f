/**
 * A session that starts where the recording holds nothing yet (a viewer further on than the
 * first, or one from the start of a recording begun later): its packets are placed by the npt its
 * PLAY announced (RTP-Info rtptime at the Range start and the clock rate) only to know where it
 * meets the recording; nothing is written from it until payloads verify the mapping, and then at
 * once, the part before the meeting point included. Two viewers of one file, each with its own
 * lossy upstream session, in real time (one 12 s ahead of the other, or one that started at 30 s
 * while the other plays from 0).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/seam/loss-model.js';
import { SessionFeed, extBaseFor } from '../../../src/source/feed-session.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { newFedRecording } from '../store/helpers.js';

const FPS = 25;
const PER_FRAME = 2;
const SECONDS = 60;
const FRAMES = SECONDS * FPS;
const CLOCK = 90_000;
const STEP = CLOCK / FPS;

interface Bases {
  seq: number;
  ts: number;
  ssrc: number;
}
const C: Bases = { seq: 1000, ts: 500_000, ssrc: 0xc0c0 };
const B: Bases = { seq: 40_000, ts: 3_000_000_000, ssrc: 0xb0b0 };

function payload(u: number): Buffer {
  const b = Buffer.alloc(300);
  b.writeUInt32BE(u + 1, 0);
  for (let k = 4; k < 300; k++) b[k] = (u * 29 + k * 11) & 0xff;
  return b;
}

/** Unit u as a session with bases `s` whose PLAY began at unit `u0` numbers it. */
function packet(s: Bases, u0: number, u: number): Buffer {
  return rtpPacket({
    seq: (s.seq + u - u0) & 0xffff,
    ts: (s.ts + Math.floor(u / PER_FRAME) * STEP) >>> 0,
    ssrc: s.ssrc,
    marker: u % PER_FRAME === PER_FRAME - 1,
    payload: payload(u),
  });
}

interface Viewer {
  from: number;
  bases: Bases;
  feed: SessionFeed;
  lost: () => boolean;
  carried: Set<number>;
  done: boolean;
}

async function run(
  creatorFrom: number,
  otherFrom: number,
  check: (
    atSec: number,
    stored: (u: number) => boolean,
    other: SessionFeed,
    carried: (u: number) => boolean,
  ) => void,
): Promise<{ stored: (u: number) => boolean; carried: Set<number>; count: number }> {
  const { feed, writer } = await newFedRecording('seamd-feed-unseen-', {
    durationSec: SECONDS,
    startRtpTime: C.ts,
  });
  const viewer = (from: number, bases: Bases, creator: boolean, seed: number): Viewer => {
    const f = new SessionFeed({
      feed,
      clockRates: [CLOCK],
      creator,
      base: extBaseFor(creatorFrom),
    });
    const u0 = from * FPS * PER_FRAME;
    f.play(
      { npt: from, rtptime: [(bases.ts + from * CLOCK) >>> 0], seq: [bases.seq & 0xffff] },
      false,
    );
    const rnd = mulberry32(seed);
    return { from, bases, feed: f, lost: () => rnd() < 0.1, carried: new Set(), done: u0 < 0 };
  };
  const creator = viewer(creatorFrom, C, true, 7);
  const other = viewer(otherFrom, B, false, 99);
  // The canonical packet of unit u: the creator's numbering (extBaseFor leaves the head room).
  const u0c = creatorFrom * FPS * PER_FRAME;
  const extOf = (u: number) => extBaseFor(creatorFrom) + 0x10000 + C.seq + u - u0c;
  const stored = (u: number) =>
    feed.tracks[0]?.packet(extOf(u))?.equals(packet(C, u0c, u)) ?? false;

  for (let k = 0; ; k++) {
    let sent = false;
    for (const v of [creator, other]) {
      const f = v.from * FPS + k;
      if (v.done) continue;
      if (f >= FRAMES) {
        v.feed.end();
        v.done = true;
        continue;
      }
      sent = true;
      for (let i = 0; i < PER_FRAME; i++) {
        const u = f * PER_FRAME + i;
        if (v.lost()) continue;
        v.carried.add(u);
        v.feed.packet(0, packet(v.bases, v.from * FPS * PER_FRAME, u), 0);
      }
    }
    if (k % FPS === FPS - 1) {
      creator.feed.round();
      other.feed.round();
      feed.retryParked();
      await writer.flush();
      check(
        (k + 1) / FPS,
        stored,
        other.feed,
        (u) => creator.carried.has(u) || other.carried.has(u),
      );
    }
    if (!sent) break;
  }
  feed.retryParked();
  const union = new Set([...creator.carried, ...other.carried]);
  const count = feed.tracks[0]?.count ?? 0;
  feed.close();
  await writer.close('partial');
  return { stored, carried: union, count };
}

describe('a session starting where the recording holds nothing yet', () => {
  it('12 s ahead of the first: kept apart until it meets the recording, then fills at once', async () => {
    const ahead = 12;
    let checked = 0;
    const out = await run(0, ahead, (at, stored, other, carried) => {
      if (at <= ahead - 3) {
        // Nothing of it is written before it meets what is stored.
        expect(other.filled, `at ${at} s`).toBe(0);
      }
      if (at === 30) {
        // The creator reached 30 s: where both played (12-28 s) nothing carried is missing.
        checked++;
        expect(other.filled).toBeGreaterThan(0);
        for (let u = (ahead + 1) * FPS * PER_FRAME; u < 28 * FPS * PER_FRAME; u++) {
          if (carried(u)) expect(stored(u), `unit ${u} at ${at} s`).toBe(true);
        }
      }
    });
    expect(checked).toBe(1);
    for (const u of out.carried) expect(out.stored(u), `unit ${u}`).toBe(true);
    expect(out.count).toBe(out.carried.size);
  });

  it('from 0 while the recording began at 30 s: its whole head is placed', async () => {
    const out = await run(30, 0, () => undefined);
    for (const u of out.carried) expect(out.stored(u), `unit ${u}`).toBe(true);
    expect(out.count).toBe(out.carried.size);
  });
});
