/**
 * TrackMatcher with a reference that comes without its bytes (a recording being fed keeps only
 * an index in memory): offsets are voted by payload hash, and the anchors a fill relies on are
 * read back and compared byte for byte before anything is filled. The hash samples the head and
 * the tail of a long payload, so payloads that differ only in the middle collide: such a twin is
 * no anchor.
 */
import { describe, expect, it } from 'vitest';
import { rtpPayloadHash } from '../../../src/seam/payload-hash.js';
import { TrackMatcher, type RefPacket } from '../../../src/store/matcher.js';
import { rtpPacket } from '../../helpers/rtp.js';

const E0 = 70_000;
const TS0 = 1_000_000;
const STEP = 3600;
const N = 40;
const HOLE = 20;

/** Unit i: a 400-byte payload, unique in its first bytes; `middle` goes to byte 200. */
function payload(i: number, middle = 0): Buffer {
  const b = Buffer.alloc(400);
  b.writeUInt32BE(i + 1, 0);
  for (let k = 4; k < 400; k++) b[k] = (i * 13 + k) & 0xff;
  b[200] = middle;
  return b;
}

const canonical = (i: number, middle = 0): Buffer =>
  rtpPacket({
    seq: (E0 + i) & 0xffff,
    ts: TS0 + i * STEP,
    ssrc: 0x1111,
    payload: payload(i, middle),
  });

function matcher(read: (ext: number) => Buffer | undefined): TrackMatcher {
  const ref: RefPacket[] = [];
  for (let i = 0; i < N; i++) {
    if (i === HOLE) continue;
    // The index: timestamp and hash, no packet.
    ref.push({ ext: E0 + i, ts: TS0 + i * STEP, hash: rtpPayloadHash(canonical(i)) ?? 0 });
  }
  const m = new TrackMatcher({
    ref,
    wanted: [[E0 + HOLE, E0 + HOLE]],
    clockRate: 90_000,
    read,
    ssrc: 0x1111,
  });
  for (let i = 0; i < N; i++) {
    m.push(rtpPacket({ seq: 500 + i, ts: 77 + i * STEP, ssrc: 0x2222, payload: payload(i) }));
  }
  return m;
}

describe('TrackMatcher with a reference read back on demand', () => {
  it('fills the hole from anchors read back byte for byte, reading only those', () => {
    const reads: number[] = [];
    const m = matcher((ext) => {
      reads.push(ext);
      return canonical(ext - E0);
    });
    expect(m.resolve()).toBe(1);
    expect(m.filled.get(E0 + HOLE)?.equals(canonical(HOLE))).toBe(true);
    expect(reads.sort()).toEqual([E0 + HOLE - 1, E0 + HOLE + 1]);
    // Verified once: a second resolve reads nothing again.
    m.resolve();
    expect(reads).toHaveLength(2);
  });

  it('twins whose hash matches but whose bytes differ are no anchors: nothing is filled', () => {
    const m = matcher((ext) => canonical(ext - E0, 0x5a));
    expect(rtpPayloadHash(canonical(3, 0x5a))).toBe(rtpPayloadHash(canonical(3)));
    expect(m.resolve()).toBe(0);
    expect(m.filled.size).toBe(0);
  });

  it('the anchors next to the hole differ: the next ones that hold are used', () => {
    const bad = new Set([E0 + HOLE - 1, E0 + HOLE + 1]);
    const m = matcher((ext) => canonical(ext - E0, bad.has(ext) ? 0x5a : 0));
    expect(m.resolve()).toBe(1);
    expect(m.filled.get(E0 + HOLE)?.equals(canonical(HOLE))).toBe(true);
  });

  it('a reference that cannot be read back maps nothing', () => {
    const m = matcher(() => undefined);
    expect(m.resolve()).toBe(0);
    expect(m.filled.size).toBe(0);
  });
});
