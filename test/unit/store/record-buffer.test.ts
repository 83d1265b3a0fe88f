import { describe, expect, it } from 'vitest';
import { RECORD_HEADER_LENGTH, encodeRecord } from '../../../src/store/format.js';
import { RecordBuffer, SLAB_BYTES } from '../../../src/store/record-buffer.js';
import { rtp } from './helpers.js';

describe('RecordBuffer', () => {
  it('takes exactly the records encodeRecord would make, in order, across slabs', () => {
    const buf = new RecordBuffer();
    const expected: Buffer[] = [];
    // Enough 1200-byte packets to fill several slabs, plus one that does not fit a remainder.
    for (let ext = 0; ext < 200; ext++) {
      const pkt = rtp(ext, ext * 3000, { size: ext === 120 ? 60000 : 1200 });
      expect(buf.append(ext, pkt, 1000 + ext)).toBe(RECORD_HEADER_LENGTH + pkt.length);
      expected.push(encodeRecord(ext, pkt, 1000 + ext));
    }
    const want = Buffer.concat(expected);
    expect(buf.bytes).toBe(want.length);
    const pieces = buf.take();
    expect(pieces.length).toBeGreaterThan(want.length / SLAB_BYTES);
    expect(Buffer.concat(pieces).equals(want)).toBe(true);
    expect(buf.bytes).toBe(0);
    expect(buf.take()).toEqual([]);
  });

  it('never writes where a taken piece lies (a flush in flight reads it)', () => {
    const buf = new RecordBuffer();
    buf.append(1, rtp(1, 1), 1);
    const [first] = buf.take();
    const copy = Buffer.from(first ?? Buffer.alloc(0));
    for (let ext = 2; ext < 120; ext++) buf.append(ext, rtp(ext, ext, { size: 1000 }), ext);
    expect(first?.equals(copy)).toBe(true);
    const rest = Buffer.concat(buf.take());
    const want = Buffer.concat(
      Array.from({ length: 118 }, (_, i) =>
        encodeRecord(i + 2, rtp(i + 2, i + 2, { size: 1000 }), i + 2),
      ),
    );
    expect(rest.equals(want)).toBe(true);
  });

  it('lastPacket is a view of the record just appended that later appends and takes leave alone', () => {
    const buf = new RecordBuffer();
    expect(buf.lastPacket()).toBeUndefined();
    const views: Array<[Buffer, Buffer]> = [];
    for (let ext = 0; ext < 150; ext++) {
      const pkt = rtp(ext, ext * 3000, { size: 1200 });
      buf.append(ext, pkt, ext);
      const view = buf.lastPacket();
      expect(view?.equals(pkt)).toBe(true);
      views.push([view ?? Buffer.alloc(0), Buffer.from(pkt)]);
      pkt.fill(0);
      if (ext % 40 === 0) buf.take();
    }
    buf.take();
    for (const [view, want] of views) expect(view.equals(want)).toBe(true);
  });
});

describe('RecordBuffer with kept packets', () => {
  it('writes the same bytes as encodeRecord, taking large packets by reference and copying small ones', () => {
    const buf = new RecordBuffer();
    const expected: Buffer[] = [];
    const kept: Buffer[] = [];
    for (let ext = 0; ext < 300; ext++) {
      const size = ext % 7 === 3 ? 100 : ext === 150 ? 60000 : 1200;
      const pkt = rtp(ext, ext * 3000, { size });
      expect(buf.append(ext, pkt, 1000 + ext, true)).toBe(RECORD_HEADER_LENGTH + pkt.length);
      // The last packet is the caller's own buffer when kept, an equal view when copied.
      if (size > 256) {
        expect(buf.lastPacket()).toBe(pkt);
        kept.push(pkt);
      } else expect(buf.lastPacket()?.equals(pkt)).toBe(true);
      expected.push(encodeRecord(ext, pkt, 1000 + ext));
      if (ext % 97 === 0) {
        // Interleaved takes, as flushes come: each piece sequence joins into whole records.
        const part = Buffer.concat(buf.take());
        const want = Buffer.concat(expected.splice(0));
        expect(part.equals(want)).toBe(true);
      }
    }
    const pieces = buf.take();
    expect(Buffer.concat(pieces).equals(Buffer.concat(expected))).toBe(true);
    // Kept packets are pieces themselves: no copy was made of them.
    const tail = kept.filter((p) => pieces.includes(p));
    expect(tail.length).toBeGreaterThan(0);
    expect(buf.bytes).toBe(0);
  });

  it('mixes with copied records in one take', () => {
    const buf = new RecordBuffer();
    const a = rtp(1, 10, { size: 1200 });
    const b = rtp(2, 20, { size: 1200 });
    const c = rtp(3, 30, { size: 1200 });
    buf.append(1, a, 1);
    buf.append(2, b, 2, true);
    buf.append(3, c, 3);
    const want = Buffer.concat([
      encodeRecord(1, a, 1),
      encodeRecord(2, b, 2),
      encodeRecord(3, c, 3),
    ]);
    const pieces = buf.take();
    expect(pieces).toContain(b);
    expect(Buffer.concat(pieces).equals(want)).toBe(true);
  });
});
