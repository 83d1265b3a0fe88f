/**
 * The viewer's RTP space of a time-shift track (ArchiveCursor.rewrite / rtpTimeAt): sender
 * reports stay on one line however the stored wall-clock times jump (a section's first packets
 * are timed by arrival until the origin's first sender report), so a player that times packets
 * by the reports, as ffmpeg does, sees timestamps that only go forward; after a gap the
 * timestamps go on from the line, never back.
 */
import { describe, expect, it } from 'vitest';
import { ArchiveCursor, type QueuedPacket } from '../../../src/serve/timeshift-cursor.js';
import type { ArchiveStore, Segment } from '../../../src/store/segments.js';
import { rtpPacket } from '../../helpers/rtp.js';

const RATE = 90_000;
const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);

function cursor(): ArchiveCursor {
  return new ArchiveCursor(0, RATE, {} as ArchiveStore, {} as Segment, 0, -Infinity, undefined);
}

function frame(f: number, wallMs: number, section = 1, ts = 1_000_000 + f * 3600): QueuedPacket {
  const packet = rtpPacket({ seq: 500 + f, ts });
  return { ext: 500 + f, wallMs, ts, packet, section, keyframe: true, startsUnit: true };
}

/**
 * Plays `frames` as the pump does (a packet when the clock reaches its wall time; a sender
 * report every second of clock) and times them as ffmpeg does once reports come: pts = the
 * report's NTP time since the first report + the packet's RTP distance from the report's.
 */
function ffmpegPts(c: ArchiveCursor, frames: QueuedPacket[]): number[] {
  const pts: number[] = [];
  let first: { ms: number; rtp: number } | undefined;
  let sr: { ms: number; rtp: number } | undefined;
  let next = 0;
  const end = Math.max(...frames.map((p) => p.wallMs)) + 1000;
  for (let clock = frames[0]!.wallMs; clock <= end; clock += 10) {
    while (next < frames.length && frames[next]!.wallMs <= clock) {
      const p = frames[next++]!;
      const ts = c.rewrite(p, p.wallMs).readUInt32BE(4);
      if (sr && first) pts.push(sr.ms - first.ms + (((ts - sr.rtp) | 0) * 1000) / RATE);
    }
    if ((clock - frames[0]!.wallMs) % 1000 === 0) {
      const rtp = c.rtpTimeAt(clock);
      if (rtp !== undefined) {
        sr = { ms: clock, rtp };
        first ??= sr;
      }
    }
  }
  return pts;
}

describe('time-shift RTP space', () => {
  it('wall-clock times jumping back 300 ms (a first sender report): pts go on 40 ms a frame', () => {
    const frames = Array.from({ length: 150 }, (_, f) =>
      frame(f, T0 + f * 40 - (f >= 60 ? 300 : 0)),
    );
    const pts = ffmpegPts(cursor(), frames);
    expect(pts.length).toBeGreaterThan(100);
    // A frame every 40 ms of RTP time: 40 ms apart for the player, no hole, no overlap.
    for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBeCloseTo(40, 6);
  });

  it('jumping forward 300 ms: no hole of 300 ms either', () => {
    const frames = Array.from({ length: 150 }, (_, f) =>
      frame(f, T0 + f * 40 + (f >= 60 ? 300 : 0)),
    );
    const pts = ffmpegPts(cursor(), frames);
    for (let i = 1; i < pts.length; i++) expect(pts[i]! - pts[i - 1]!).toBeCloseTo(40, 6);
  });

  it('the reports are on one line: RTP time advances as media time does', () => {
    const c = cursor();
    const at = (f: number) => T0 + f * 40 - (f >= 30 ? 500 : 0);
    for (let f = 0; f < 25; f++) c.rewrite(frame(f, at(f)), at(f));
    const a = c.rtpTimeAt(T0 + 1000)!;
    for (let f = 25; f < 100; f++) c.rewrite(frame(f, at(f)), at(f));
    const b = c.rtpTimeAt(T0 + 3000)!;
    expect((b - a) | 0).toBe(2 * RATE);
  });

  it('a new section goes on from the line, after the last packet', () => {
    const c = cursor();
    // Section 1: 2 s, its second half timed 200 ms late (viewer behind the line).
    let last = 0;
    for (let f = 0; f < 50; f++) {
      const p = frame(f, T0 + f * 40 + (f >= 25 ? 200 : 0));
      last = c.rewrite(p, p.wallMs).readUInt32BE(4);
    }
    // Section 2 (another timestamp space), 100 ms of media later for the viewer.
    const media = T0 + 49 * 40 + 200 + 100;
    const out = c.rewrite(frame(0, media, 2, 7), media).readUInt32BE(4);
    expect(out).toBe(c.rtpTimeAt(media));
    expect((out - last) | 0).toBeGreaterThan(0);
    // Section 3 when the viewer is ahead of the line: 1 ms after the last packet.
    const c2 = cursor();
    let last2 = 0;
    for (let f = 0; f < 50; f++) {
      const p = frame(f, T0 + f * 40 - (f >= 25 ? 500 : 0));
      last2 = c2.rewrite(p, p.wallMs).readUInt32BE(4);
    }
    const media2 = T0 + 49 * 40 - 500 + 40;
    const out2 = c2.rewrite(frame(0, media2, 2, 7), media2).readUInt32BE(4);
    expect((out2 - last2) | 0).toBe(90);
    // Sequence numbers go on by one.
    expect(c2.lastOutSeq).toBe((500 + 49 + 1) & 0xffff);
  });
});
