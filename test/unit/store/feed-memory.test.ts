/**
 * What a recording being fed keeps in memory: an index (timestamp, record offset, length, payload
 * hash per packet), not the packets. A file of hours would otherwise be held whole while its
 * sessions feed it. The packets are read back from the log (or from the writer's buffer while
 * not written out) exactly as written.
 */
import { describe, expect, it } from 'vitest';
import { RecordingFeed } from '../../../src/store/feed.js';
import { RecordingWriter } from '../../../src/store/writer.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { newFedRecording } from './helpers.js';
import { liveBytes } from '../../helpers/memory.js';

const PACKETS = 20_000;

/** Packet `ext` of a 1200-byte-payload video track (payload unique per ext). */
function packet(ext: number): Buffer {
  const payload = Buffer.alloc(1200);
  payload.writeUInt32BE(ext, 0);
  for (let k = 4; k < 64; k++) payload[k] = (ext * 7 + k) & 0xff;
  return rtpPacket({ seq: ext & 0xffff, ts: (ext >> 1) * 3600, ssrc: 0x1234, payload });
}

async function newFeed(): Promise<{ feed: RecordingFeed; dir: string }> {
  const { feed, dir } = await newFedRecording('seamd-feed-mem-');
  return { feed, dir };
}

describe('RecordingFeed memory', () => {
  it('keeps an index of the packets it wrote, not the packets (under 64 bytes a packet)', async () => {
    const { feed } = await newFeed();
    const before = liveBytes();
    for (let ext = 0; ext < PACKETS; ext++) {
      expect(feed.fill(0, 70_000 + ext, packet(70_000 + ext), 0)).toBe(true);
      if (ext % 2000 === 1999) await feed.writer.flush();
    }
    await feed.writer.flush();
    feed.retryParked(); // lets go of what the log holds now
    const perPacket = (liveBytes() - before) / PACKETS;
    // Holding the packets is over 1200 bytes each.
    expect(perPacket).toBeLessThan(64);
    const t = feed.tracks[0];
    expect(t?.count).toBe(PACKETS);
    expect(t?.heldPacketBytes).toBe(0);
    // Read back from the log, byte for byte.
    for (const ext of [70_000, 75_123, 70_000 + PACKETS - 1]) {
      expect(t?.packet(ext)?.equals(packet(ext))).toBe(true);
    }
    expect(t?.packet(70_000 + PACKETS)).toBeUndefined();
    feed.close();
    await feed.writer.close('partial');
  }, 60_000);

  it('packets not written out yet are read from the writer, and let go once written', async () => {
    const { feed } = await newFeed();
    for (let ext = 0; ext < 100; ext++) feed.fill(0, ext + 10, packet(ext + 10), 0);
    const t = feed.tracks[0];
    expect(t?.heldPacketBytes).toBeGreaterThan(100 * 1200);
    expect(t?.packet(50)?.equals(packet(50))).toBe(true);
    await feed.writer.flush();
    expect(t?.heldPacketBytes).toBe(0);
    expect(t?.packet(50)?.equals(packet(50))).toBe(true);
    feed.close();
    await feed.writer.close('partial');
  });

  it('a recording reopened is indexed from its logs, not loaded (first copy of an ext counts)', async () => {
    const { feed, dir } = await newFeed();
    for (let ext = 0; ext < PACKETS; ext++) feed.fill(0, ext, packet(ext), 0);
    feed.close();
    await feed.writer.close('partial');
    // A duplicate record of ext 5 after the first: readers keep the first copy.
    const w = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0, dedupWindow: 1 });
    const other = rtpPacket({ seq: 5, ts: 0, ssrc: 0x1234, payload: Buffer.alloc(1200, 9) });
    w.append(0, 70_000, packet(70_000), 0);
    w.append(0, 5, other, 0);
    await w.flush();
    const before = liveBytes();
    const again = new RecordingFeed({ ...feed.entry }, w, false);
    await again.load();
    const perPacket = (liveBytes() - before) / PACKETS;
    expect(perPacket).toBeLessThan(64);
    const t = again.tracks[0];
    expect(t?.count).toBe(PACKETS + 1);
    expect(t?.packet(5)?.equals(packet(5))).toBe(true);
    expect(t?.packet(12_345)?.equals(packet(12_345))).toBe(true);
    expect(t?.ssrc).toBe(0x1234);
    again.close();
    await w.close('partial');
  }, 60_000);
});
