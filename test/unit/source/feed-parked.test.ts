/**
 * A session's ended segments stay parked for retries until the recording closes; a viewer who
 * seeks again and again through a long file leaves one a seek. What they hold together is
 * bounded (MAX_PARKED packets, the oldest segments let go first), while what the session carried
 * is still written.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PARKED, SessionFeed } from '../../../src/source/feed-session.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { newFedRecording } from '../store/helpers.js';

const PPS = 100; // 4 packets a frame at 25 fps
const SECONDS = 60;
const STEP = 3600;

function packet(seq: number, tsBase: number, ssrc: number, u: number): Buffer {
  const payload = Buffer.alloc(200);
  payload.writeUInt32BE(u + 1, 0);
  for (let k = 4; k < 200; k++) payload[k] = (u * 17 + k) & 0xff;
  return rtpPacket({ seq: seq & 0xffff, ts: (tsBase + (u >> 2) * STEP) >>> 0, ssrc, payload });
}

describe('parked segments of a session', () => {
  it('a viewer seeking 30 times through a file keeps at most MAX_PARKED packets parked', async () => {
    const { feed, writer } = await newFedRecording('seamd-feed-parked-', {
      durationSec: SECONDS,
      startRtpTime: 0,
    });
    // The first viewer plays it all, losing every 10th packet.
    const first = new SessionFeed({ feed, clockRates: [90_000], creator: true, base: 0 });
    first.play({ npt: 0, rtptime: [0], seq: [0] }, false);
    for (let u = 0; u < SECONDS * PPS; u++)
      if (u % 10 !== 3) first.packet(0, packet(u, 0, 1, u), 0);
    first.end();
    // The second seeks 30 times, 15 s each (sequence numbers count on across seeks).
    const second = new SessionFeed({ feed, clockRates: [90_000], creator: false });
    let seq = 5000;
    for (let k = 0; k < 30; k++) {
      const from = (k * 15) % 60;
      second.play({ npt: from, rtptime: [(777 + from * 90_000) >>> 0] }, false);
      for (let u = from * PPS; u < (from + 15) * PPS; u++) {
        second.packet(0, packet(seq++, 777, 2, u), 0);
      }
    }
    second.end();
    expect(30 * 15 * PPS).toBeGreaterThan(MAX_PARKED);
    expect(second.parkedPackets).toBeLessThanOrEqual(MAX_PARKED);
    expect(second.parkedPackets).toBeGreaterThan(0);
    // What the first lost up to 60 s, the second filled.
    expect(feed.tracks[0]?.missing()).toBe(0);
    expect(feed.tracks[0]?.count).toBe(SECONDS * PPS);
    feed.close();
    await writer.close('partial');
  });
});
