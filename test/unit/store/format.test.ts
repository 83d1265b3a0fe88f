import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  RECORD_HEADER_LENGTH,
  decodeRecordHeader,
  encodeRecord,
  recordCrcOk,
} from '../../../src/store/format.js';
import { rtp } from './helpers.js';

describe('record layout (format v1)', () => {
  it('encodes the documented 32-byte header before the whole packet', () => {
    const ext = 5 * 2 ** 32 + 0x1234;
    const pkt = rtp(ext, 0xdeadbeef, { pt: 97, marker: true, size: 3 });
    const rec = encodeRecord(ext, pkt, 1700000000123.5);
    expect(rec.length).toBe(RECORD_HEADER_LENGTH + 15);
    expect(rec.subarray(0, 4).toString('latin1')).toBe('SREC');
    expect(rec.readUInt16BE(4)).toBe(15);
    expect(rec.readUInt16BE(6)).toBe(5);
    expect(rec.readUInt32BE(8)).toBe(0x1234);
    expect(rec.readUInt32BE(12)).toBe(0xdeadbeef);
    expect(rec[16]).toBe(0x80 | 97);
    expect(rec.readUInt32BE(16) & 0x00ffffff).toBe(0);
    expect(rec.readDoubleBE(20)).toBe(1700000000123.5);
    expect(rec.readUInt32BE(28)).toBe(crc32(rec.subarray(32), crc32(rec.subarray(0, 28))));
    expect(rec.subarray(32).equals(pkt)).toBe(true);
    expect(decodeRecordHeader(rec, 0)).toEqual({
      ext,
      packetLength: 15,
      timestamp: 0xdeadbeef,
      marker: true,
      payloadType: 97,
      arrivalMs: 1700000000123.5,
      crc: rec.readUInt32BE(28),
    });
    expect(recordCrcOk(rec, 0, 15)).toBe(true);
  });

  it('rejects impossible headers and detects any flipped bit', () => {
    const rec = encodeRecord(7, rtp(7, 1), 0);
    const bad = (mut: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(rec);
      mut(b);
      return b;
    };
    expect(
      decodeRecordHeader(
        bad((b) => (b[0] = 0)),
        0,
      ),
    ).toBe('bad record magic');
    expect(
      decodeRecordHeader(
        bad((b) => b.writeUInt16BE(3, 4)),
        0,
      ),
    ).toMatch(/too small/);
    expect(
      decodeRecordHeader(
        bad((b) => (b[17] = 1)),
        0,
      ),
    ).toMatch(/reserved/);
    for (let i = 0; i < rec.length; i++) {
      if (i >= 4 && i < 6) continue; // the length field changes what is checked
      expect(
        recordCrcOk(
          bad((b) => (b[i]! ^= 0x10)),
          0,
          32,
        ),
      ).toBe(false);
    }
  });
});
