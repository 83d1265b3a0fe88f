/**
 * What a recording being fed holds of a track in memory. A live recording grows as long as its
 * source lives (a soak run saw a process's buffers grow 270 MiB/h with one live source open):
 * its track keeps only the newest packets in memory, while the counts stay those of the whole
 * recording and what it let go is not filled again.
 */
import { describe, expect, it } from 'vitest';
import { FeedTrack, LIVE_KEEP_PACKETS } from '../../../src/store/feed.js';
import { rtpPacket } from '../../helpers/rtp.js';

const pkt = (ext: number): Buffer => rtpPacket({ seq: ext & 0xffff, ts: ext * 3600 });

describe('FeedTrack', () => {
  it('live (keep): holds at most `keep` packets, counts every one, lets none in again', () => {
    const t = new FeedTrack(90_000, 0, 100);
    for (let ext = 0; ext < 1000; ext++) if (ext !== 500) t.add(ext, pkt(ext));
    expect(t.held).toBe(100);
    expect(t.count).toBe(999);
    expect(t.missing()).toBe(1);
    expect(t.firstExt).toBe(0);
    expect(t.lastExt).toBe(999);
    // Let go of: counts as held (it is on disk), so nobody fills it again.
    expect(t.has(10)).toBe(true);
    expect(t.get(10)).toBeUndefined();
    t.add(10, pkt(10));
    expect(t.count).toBe(999);
    // The newest are there to map sessions onto.
    expect(t.get(999)?.ts).toBe(999 * 3600);
    expect(t.window(990 / 25, 1000 / 25).length).toBeGreaterThan(0);
  });

  it('on-demand (no keep): holds every packet; a second add of an ext changes nothing', () => {
    const t = new FeedTrack(90_000, 0);
    for (let ext = 0; ext < 3000; ext++) t.add(ext, pkt(ext));
    t.add(5, pkt(6));
    expect(t.held).toBe(3000);
    expect(t.count).toBe(3000);
    expect(t.get(5)?.ts).toBe(5 * 3600);
    expect(t.missing()).toBe(0);
  });

  it('the live bound is what a feed of live content uses', () => {
    expect(LIVE_KEEP_PACKETS).toBeGreaterThanOrEqual(4096);
    const t = new FeedTrack(90_000, 0, LIVE_KEEP_PACKETS);
    for (let ext = 0; ext < LIVE_KEEP_PACKETS * 3; ext++) t.add(ext, pkt(ext));
    expect(t.held).toBe(LIVE_KEEP_PACKETS);
    expect(t.count).toBe(LIVE_KEEP_PACKETS * 3);
  });
});
