import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../../src/errors.js';
import {
  looksLikeRtcp,
  parseRtp,
  rtpMarker,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSeq,
  rtpSsrc,
  rtpTimestamp,
  serializeRtp,
  setRtpSeq,
  setRtpSsrc,
  setRtpTimestamp,
  type RtpPacket,
} from '../../../../src/protocol/rtp/rtp.js';
import { expectCode } from '../../../helpers/expect-code.js';
import { hex } from '../../../helpers/rtp.js';

type Expected = Omit<RtpPacket, 'version' | 'payload' | 'extension'> & {
  payload: string;
  extension?: { profile: number; data: string };
  payloadOffset: number;
};

const base = { padding: false, marker: false, csrcs: [], paddingLength: 0 };

const good: Array<[string, string, Expected]> = [
  [
    'minimal H.264 packet',
    '80 60 00 01  00 00 00 64  12 34 56 78  de ad',
    {
      ...base,
      payloadType: 96,
      sequence: 1,
      timestamp: 100,
      ssrc: 0x12345678,
      payload: 'dead',
      payloadOffset: 12,
    },
  ],
  [
    'marker, max seq/timestamp/ssrc',
    '80 e0 ff ff  ff ff ff ff  ff ff ff ff  01',
    {
      ...base,
      marker: true,
      payloadType: 96,
      sequence: 0xffff,
      timestamp: 0xffffffff,
      ssrc: 0xffffffff,
      payload: '01',
      payloadOffset: 12,
    },
  ],
  [
    'PCMU, empty payload',
    '80 00 00 00  00 00 00 00  00 00 00 01',
    { ...base, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 1, payload: '', payloadOffset: 12 },
  ],
  [
    'two CSRCs',
    '82 08 12 34  00 01 e2 40  0a 0b 0c 0d  00 00 00 01  ff ff ff fe  d5 d5',
    {
      ...base,
      payloadType: 8,
      sequence: 0x1234,
      timestamp: 123456,
      ssrc: 0x0a0b0c0d,
      csrcs: [1, 0xfffffffe],
      payload: 'd5d5',
      payloadOffset: 20,
    },
  ],
  [
    'one-byte header extension (RFC 8285, 0xBEDE)',
    '90 60 00 02  00 00 00 00  00 00 00 02  be de 00 01  10 aa 00 00  7c 85',
    {
      ...base,
      payloadType: 96,
      sequence: 2,
      timestamp: 0,
      ssrc: 2,
      extension: { profile: 0xbede, data: '10aa0000' },
      payload: '7c85',
      payloadOffset: 20,
    },
  ],
  [
    'empty header extension',
    '90 60 00 02  00 00 00 00  00 00 00 02  ab cd 00 00  7c',
    {
      ...base,
      payloadType: 96,
      sequence: 2,
      timestamp: 0,
      ssrc: 2,
      extension: { profile: 0xabcd, data: '' },
      payload: '7c',
      payloadOffset: 16,
    },
  ],
  [
    'padding (3 octets)',
    'a0 60 00 03  00 00 00 00  00 00 00 03  aa bb 00 00  03',
    {
      ...base,
      padding: true,
      paddingLength: 3,
      payloadType: 96,
      sequence: 3,
      timestamp: 0,
      ssrc: 3,
      payload: 'aabb',
      payloadOffset: 12,
    },
  ],
  [
    'padding only (whole payload is padding)',
    'a0 60 00 03  00 00 00 00  00 00 00 03  00 00 00 04',
    {
      ...base,
      padding: true,
      paddingLength: 4,
      payloadType: 96,
      sequence: 3,
      timestamp: 0,
      ssrc: 3,
      payload: '',
      payloadOffset: 12,
    },
  ],
  [
    'padding + extension + CSRC + marker',
    'b1 e1 00 04  00 00 01 00  00 00 00 04  00 00 00 09  10 00 00 01  01 02 03 04  ee 00 02',
    {
      ...base,
      padding: true,
      paddingLength: 2,
      marker: true,
      payloadType: 97,
      sequence: 4,
      timestamp: 256,
      ssrc: 4,
      csrcs: [9],
      extension: { profile: 0x1000, data: '01020304' },
      payload: 'ee',
      payloadOffset: 24,
    },
  ],
];

describe('parseRtp: good packets', () => {
  it.each(good)('%s', (_name, bytes, exp) => {
    const buf = hex(bytes);
    const p = parseRtp(buf);
    const { payload, extension, payloadOffset, ...fields } = exp;
    expect(p).toMatchObject({ version: 2, ...fields });
    expect(p.payload.toString('hex')).toBe(payload);
    expect(p.extension?.profile).toBe(extension?.profile);
    expect(p.extension?.data.toString('hex')).toBe(extension?.data);
    // zero-copy: the payload is a view of the input
    expect(p.payload.buffer).toBe(buf.buffer);
    expect(rtpPayloadOffset(buf)).toBe(payloadOffset);
    // accessors agree
    expect(rtpSeq(buf)).toBe(p.sequence);
    expect(rtpTimestamp(buf)).toBe(p.timestamp);
    expect(rtpSsrc(buf)).toBe(p.ssrc);
    expect(rtpPayloadType(buf)).toBe(p.payloadType);
    expect(rtpMarker(buf)).toBe(p.marker);
    // canonical bytes serialize back identically
    expect(serializeRtp(p).toString('hex')).toBe(buf.toString('hex'));
  });
});

describe('parseRtp: bad packets', () => {
  const bad: Array<[string, string, ErrorCode]> = [
    ['empty', '', 'RTP_TOO_SHORT'],
    ['11 bytes', '80 60 00 01 00 00 00 64 12 34 56', 'RTP_TOO_SHORT'],
    ['version 0', '00 60 00 01 00 00 00 64 12 34 56 78', 'RTP_BAD_VERSION'],
    ['version 1', '40 60 00 01 00 00 00 64 12 34 56 78', 'RTP_BAD_VERSION'],
    ['version 3', 'c0 60 00 01 00 00 00 64 12 34 56 78', 'RTP_BAD_VERSION'],
    ['CC=1 without CSRC', '81 60 00 01 00 00 00 64 12 34 56 78', 'RTP_BAD_LENGTH'],
    [
      'CC=15, 3 CSRCs present',
      '8f 60 00 01 00 00 00 64 12 34 56 78' + ' 00000001'.repeat(3),
      'RTP_BAD_LENGTH',
    ],
    [
      'CC=2, partial second CSRC',
      '82 60 00 01 00 00 00 64 12 34 56 78 00 00 00 01 00 00',
      'RTP_BAD_LENGTH',
    ],
    ['X without extension header', '90 60 00 01 00 00 00 64 12 34 56 78', 'RTP_BAD_LENGTH'],
    [
      'X with partial extension header',
      '90 60 00 01 00 00 00 64 12 34 56 78 be de 00',
      'RTP_BAD_LENGTH',
    ],
    [
      'extension length beyond packet',
      '90 60 00 01 00 00 00 64 12 34 56 78 be de 00 02 00 00 00 00',
      'RTP_BAD_LENGTH',
    ],
    [
      'extension length 0xffff',
      '90 60 00 01 00 00 00 64 12 34 56 78 be de ff ff',
      'RTP_BAD_LENGTH',
    ],
    ['padding count 0', 'a0 60 00 01 00 00 00 64 12 34 56 78 aa bb 00', 'RTP_BAD_LENGTH'],
    ['padding beyond payload', 'a0 60 00 01 00 00 00 64 12 34 56 78 aa 03', 'RTP_BAD_LENGTH'],
    ['padding into header (no payload)', 'a0 60 00 01 00 00 00 64 12 34 56 05', 'RTP_BAD_LENGTH'],
    ['padding into CSRCs', 'a1 60 00 01 00 00 00 64 12 34 56 78 00 00 00 01 02', 'RTP_BAD_LENGTH'],
  ];
  it.each(bad)('%s → %s', (_name, bytes, code) => {
    const buf = hex(bytes);
    expectCode(() => parseRtp(buf), code);
    expect(rtpPayloadOffset(buf)).toBe(-1);
  });
});

describe('serializeRtp', () => {
  const packet = {
    padding: false,
    extension: undefined,
    marker: false,
    payloadType: 96,
    sequence: 7,
    timestamp: 9,
    ssrc: 11,
    csrcs: [],
    payload: Buffer.from('abcde'),
  };

  it('pads to a 32-bit boundary by default when padding is set', () => {
    for (let n = 0; n < 8; n++) {
      const buf = serializeRtp({ ...packet, padding: true, payload: Buffer.alloc(n, 1) });
      expect(buf.length % 4).toBe(0);
      const p = parseRtp(buf);
      expect(p.payload).toEqual(Buffer.alloc(n, 1));
      expect(p.paddingLength).toBeGreaterThanOrEqual(1);
      expect(p.paddingLength).toBeLessThanOrEqual(4);
    }
  });

  it('honours an explicit paddingLength', () => {
    const buf = serializeRtp({ ...packet, padding: true, paddingLength: 255 });
    expect(buf.length).toBe(12 + 5 + 255);
    expect(parseRtp(buf)).toMatchObject({ paddingLength: 255, payload: Buffer.from('abcde') });
  });

  it('copies the payload', () => {
    const payload = Buffer.from('xyz');
    const buf = serializeRtp({ ...packet, payload });
    payload[0] = 0;
    expect(parseRtp(buf).payload.toString()).toBe('xyz');
  });

  const invalid: Array<[string, Parameters<typeof serializeRtp>[0]]> = [
    ['16 CSRCs', { ...packet, csrcs: Array.from({ length: 16 }, (_, i) => i) }],
    ['payload type 128', { ...packet, payloadType: 128 }],
    ['payload type -1', { ...packet, payloadType: -1 }],
    ['extension data of 3 octets', { ...packet, extension: { profile: 1, data: Buffer.alloc(3) } }],
    ['padding with paddingLength 0', { ...packet, padding: true, paddingLength: 0 }],
    ['padding with paddingLength 256', { ...packet, padding: true, paddingLength: 256 }],
    ['paddingLength without padding', { ...packet, paddingLength: 2 }],
    ['sequence 65536', { ...packet, sequence: 65536 }],
    ['timestamp 2^32', { ...packet, timestamp: 2 ** 32 }],
    ['negative ssrc', { ...packet, ssrc: -1 }],
    ['CSRC 2^32', { ...packet, csrcs: [2 ** 32] }],
  ];
  it.each(invalid)('RangeError: %s', (_name, p) => {
    expect(() => serializeRtp(p)).toThrow(RangeError);
  });
});

describe('accessors and setters', () => {
  it('rewrite fields in place, wrapping modulo 2^16 / 2^32', () => {
    const buf = hex(
      'b1 e1 00 04  00 00 01 00  00 00 00 04  00 00 00 09  10 00 00 01  01 02 03 04  ee 00 02',
    );
    setRtpSeq(buf, 0x1_0005);
    setRtpTimestamp(buf, -1);
    setRtpSsrc(buf, 2 ** 32 + 7);
    const p = parseRtp(buf);
    expect(p).toMatchObject({
      sequence: 5,
      timestamp: 0xffffffff,
      ssrc: 7,
      marker: true,
      payloadType: 97,
      csrcs: [9],
    });
    expect(p.payload.toString('hex')).toBe('ee');
    setRtpSeq(buf, -1);
    setRtpTimestamp(buf, 2 ** 32 + 3);
    expect([rtpSeq(buf), rtpTimestamp(buf)]).toEqual([0xffff, 3]);
  });
});

describe('looksLikeRtcp', () => {
  const rows: Array<[string, string, boolean]> = [
    ['SR (200)', '80 c8 00 06', true],
    ['RR (201)', '81 c9 00 07', true],
    ['FIR (192), lower bound', '80 c0', true],
    ['223, upper bound', '80 df', true],
    ['191', '80 bf', false],
    ['224', '80 e0', false],
    ['RTP PT 96', '80 60 00 01', false],
    ['RTP PT 96 with marker', '80 e0 00 01', false],
    ['RTP PT 72 with marker collides with SR (RFC 5761 4)', '80 c8 00 01', true],
    ['one byte', '80', false],
    ['empty', '', false],
  ];
  it.each(rows)('%s', (_name, bytes, expected) => {
    expect(looksLikeRtcp(hex(bytes))).toBe(expected);
  });
});
