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
