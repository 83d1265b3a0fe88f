import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../../src/errors.js';
import {
  ntpFromMs,
  ntpMiddle32,
  parseRtcp,
  RTCP_MAX_COUNT,
  SdesItem,
  serializeRtcp,
  type ReportBlock,
  type RtcpPacket,
} from '../../../../src/protocol/rtp/rtcp.js';
import { expectCode } from '../../../helpers/expect-code.js';
import { hex, reportBlock } from '../../../helpers/rtp.js';

// SR without report blocks + SDES (CNAME, TOOL), as GStreamer's rtpsession sends for a sender.
const GST_SR =
  '80 c8 00 06  1a 2b 3c 4d  e9 5b 3a 80  80 00 00 00  00 01 5f 90  00 00 00 0a  00 00 27 10';
const GST_SDES =
  '81 ca 00 07  1a 2b 3c 4d  01 09 75 73 65 72 40 68 6f 73 74  06 09 47 53 74 72 65 61 6d 65 72  00 00';
const BLOCK_NEG = '1a 2b 3c 4d  40  ff ff fe  00 01 00 05  00 00 00 20  3a 80 80 00  00 01 00 00';
const BLOCK_MAX = '00 00 00 02  ff  7f ff ff  ff ff ff ff  00 00 00 00  00 00 00 00  00 00 00 00';
const BLOCK_MIN = '00 00 00 03  00  80 00 00  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00';

const block = (b: Partial<ReportBlock>): ReportBlock => reportBlock({ ssrc: 0, ...b });
/** BLOCK_NEG parsed. */
const NEG: ReportBlock = {
  ssrc: 0x1a2b3c4d,
  fractionLost: 64,
  cumulativeLost: -2,
  highestSeq: 65541,
  jitter: 32,
  lsr: 0x3a808000,
  dlsr: 65536,
};

const good: Array<[string, string, RtcpPacket[]]> = [
  [
    'gst SR + SDES compound',
    GST_SR + GST_SDES,
    [
      {
        type: 'sr',
        ssrc: 0x1a2b3c4d,
        ntpSec: 0xe95b3a80,
        ntpFrac: 0x80000000,
        rtpTimestamp: 90000,
        packetCount: 10,
        octetCount: 10000,
        reports: [],
      },
      {
        type: 'sdes',
        chunks: [
          {
            ssrc: 0x1a2b3c4d,
            items: [
              { type: SdesItem.CNAME, text: 'user@host' },
              { type: SdesItem.TOOL, text: 'GStreamer' },
            ],
          },
        ],
      },
    ],
  ],
  [
    'RR with three blocks (negative, max and min cumulative lost)',
    '83 c9 00 13  00 00 00 01' + BLOCK_NEG + BLOCK_MAX + BLOCK_MIN,
    [
      {
        type: 'rr',
        ssrc: 1,
        reports: [
          NEG,
          block({ ssrc: 2, fractionLost: 255, cumulativeLost: 0x7fffff, highestSeq: 0xffffffff }),
          block({ ssrc: 3, cumulativeLost: -0x800000 }),
        ],
      },
    ],
  ],
  [
    'SR with one report block',
    '81 c8 00 0c  00 00 00 07  00 00 00 01  00 00 00 02  00 00 00 03  00 00 00 04  00 00 00 05' +
      BLOCK_NEG,
    [
      {
        type: 'sr',
        ssrc: 7,
        ntpSec: 1,
        ntpFrac: 2,
        rtpTimestamp: 3,
        packetCount: 4,
        octetCount: 5,
        reports: [NEG],
      },
    ],
  ],
  ['empty RR', '80 c9 00 01  00 00 00 09', [{ type: 'rr', ssrc: 9, reports: [] }]],
  [
    'RR + BYE with reason',
    '80 c9 00 01  1a 2b 3c 4d' + '81 cb 00 03  1a 2b 3c 4d  04 67 6f 6e 65  00 00 00',
    [
      { type: 'rr', ssrc: 0x1a2b3c4d, reports: [] },
      { type: 'bye', ssrcs: [0x1a2b3c4d], reason: 'gone' },
    ],
  ],
  [
    'BYE with two sources, no reason',
    '82 cb 00 02  00 00 00 01  00 00 00 02',
    [{ type: 'bye', ssrcs: [1, 2] }],
  ],
  [
    'BYE with empty reason',
    '81 cb 00 02  00 00 00 01  00 00 00 00',
    [{ type: 'bye', ssrcs: [1], reason: '' }],
  ],
  ['BYE with no sources', '80 cb 00 00', [{ type: 'bye', ssrcs: [] }]],
  [
    'APP',
    '85 cc 00 03  1a 2b 3c 4d  54 45 53 54  01 02 03 04',
    [{ type: 'app', subtype: 5, ssrc: 0x1a2b3c4d, name: 'TEST', data: hex('01020304') }],
  ],
  [
    'APP without data',
    '80 cc 00 02  00 00 00 01  71 74 61 6b',
    [{ type: 'app', subtype: 0, ssrc: 1, name: 'qtak', data: Buffer.alloc(0) }],
  ],
  [
    'SDES chunk without items, two chunks',
    '82 ca 00 04  00 00 00 01  00 00 00 00  00 00 00 02  00 00 00 00',
    [
      {
        type: 'sdes',
        chunks: [
          { ssrc: 1, items: [] },
          { ssrc: 2, items: [] },
        ],
      },
    ],
  ],
  [
    'SDES with UTF-8 NOTE and exactly aligned end',
    '81 ca 00 03  00 00 00 05  07 05 c3 a9 74 c3 a9  00',
    [{ type: 'sdes', chunks: [{ ssrc: 5, items: [{ type: SdesItem.NOTE, text: 'été' }] }] }],
  ],
  [
    'PSFB PLI (unknown type 206)',
    '81 ce 00 02  00 00 00 01  1a 2b 3c 4d',
    [{ type: 'unknown', packetType: 206, count: 1, body: hex('000000011a2b3c4d') }],
  ],
];

describe('parseRtcp: good packets', () => {
  it.each(good)('%s', (_name, bytes, expected) => {
    expect(parseRtcp(hex(bytes))).toEqual(expected);
  });

  it.each(good)('serializes back to the same bytes: %s', (_name, bytes, packets) => {
    expect(serializeRtcp(packets).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it('honours the P bit (last packet of a compound) and drops the padding', () => {
    const buf = hex('80 c9 00 01  00 00 00 09' + 'a0 c9 00 02  00 00 00 01  00 00 00 04');
    expect(parseRtcp(buf)).toEqual([
      { type: 'rr', ssrc: 9, reports: [] },
      { type: 'rr', ssrc: 1, reports: [] },
    ]);
  });

  it('ignores SR/RR profile extensions after the report blocks', () => {
    expect(parseRtcp(hex('80 c9 00 02  00 00 00 09  de ad be ef'))).toEqual([
      { type: 'rr', ssrc: 9, reports: [] },
    ]);
  });

  it('returns zero-copy views for APP data and unknown bodies', () => {
    const buf = hex('85 cc 00 03  1a 2b 3c 4d  54 45 53 54  01 02 03 04');
    const [app] = parseRtcp(buf);
    expect(app?.type === 'app' && app.data.buffer === buf.buffer).toBe(true);
  });
});

describe('parseRtcp: bad packets', () => {
  const bad: Array<[string, string, ErrorCode]> = [
    ['empty', '', 'RTCP_TOO_SHORT'],
    ['3 bytes', '80 c8 00', 'RTCP_TOO_SHORT'],
    ['version 1', '41 c9 00 01  00 00 00 01', 'RTCP_BAD_VERSION'],
    [
      'version 0 in second packet',
      '80 c9 00 01  00 00 00 01  00 c9 00 01  00 00 00 01',
      'RTCP_BAD_VERSION',
    ],
    ['length beyond buffer', '80 c9 00 05  00 00 00 01', 'RTCP_BAD_LENGTH'],
    [
      'second packet length beyond buffer',
      GST_SR + '81 ca 00 08  1a 2b 3c 4d  00 00 00 00',
      'RTCP_BAD_LENGTH',
    ],
    ['2 trailing bytes', '80 c9 00 01  00 00 00 01  80 c9', 'RTCP_BAD_LENGTH'],
    ['SR body shorter than sender info', '80 c8 00 01  00 00 00 01', 'RTCP_BAD_LENGTH'],
    ['SR RC=1 without block', GST_SR.replace(/^80/, '81'), 'RTCP_BAD_LENGTH'],
    ['RR RC=2 with one block', '82 c9 00 07  00 00 00 01' + BLOCK_NEG, 'RTCP_BAD_LENGTH'],
    ['RR without SSRC', '80 c9 00 00', 'RTCP_BAD_LENGTH'],
    ['SDES item overrunning', '81 ca 00 02  00 00 00 01  01 20 61 62', 'RTCP_BAD_LENGTH'],
    ['SDES item without length octet', '81 ca 00 02  00 00 00 01  61 62 63 01', 'RTCP_BAD_LENGTH'],
    ['SDES chunk without end item', '81 ca 00 02  00 00 00 01  01 02 61 62', 'RTCP_BAD_LENGTH'],
    ['SDES SC=2 with one chunk', '82 ca 00 02  00 00 00 01  00 00 00 00', 'RTCP_BAD_LENGTH'],
    ['BYE SC=3 in 8 bytes', '83 cb 00 02  00 00 00 01  00 00 00 02', 'RTCP_BAD_LENGTH'],
    ['BYE reason overrunning', '81 cb 00 02  00 00 00 01  09 61 62 63', 'RTCP_BAD_LENGTH'],
    ['APP without name', '80 cc 00 01  00 00 00 01', 'RTCP_BAD_LENGTH'],
    ['padding count 0', 'a0 c9 00 02  00 00 00 01  00 00 00 00', 'RTCP_BAD_LENGTH'],
    ['padding count beyond body', 'a0 c9 00 02  00 00 00 01  00 00 00 09', 'RTCP_BAD_LENGTH'],
    ['padding eats the SSRC', 'a0 c9 00 02  00 00 00 01  00 00 00 08', 'RTCP_BAD_LENGTH'],
  ];
  it.each(bad)('%s → %s', (_name, bytes, code) => {
    expectCode(() => parseRtcp(hex(bytes)), code);
  });
});

describe('serializeRtcp', () => {
  const blocks = (n: number): ReportBlock[] =>
    Array.from({ length: n }, (_, i) => block({ ssrc: i + 1 }));

  it('splits more than 31 report blocks over several RR packets', () => {
    const out = parseRtcp(serializeRtcp([{ type: 'rr', ssrc: 1, reports: blocks(40) }]));
    expect(out.map((p) => p.type === 'rr' && p.reports.length)).toEqual([31, 9]);
    expect(out.flatMap((p) => (p.type === 'rr' ? p.reports : []))).toEqual(blocks(40));
  });

  it('puts an SR’s extra blocks into RR packets with the same SSRC', () => {
    const sr: RtcpPacket = {
      type: 'sr',
      ssrc: 5,
      ntpSec: 1,
      ntpFrac: 2,
      rtpTimestamp: 3,
      packetCount: 4,
      octetCount: 5,
      reports: blocks(33),
    };
    const out = parseRtcp(serializeRtcp([sr]));
    expect(out.map((p) => p.type)).toEqual(['sr', 'rr']);
    expect(out[1]).toEqual({ type: 'rr', ssrc: 5, reports: blocks(33).slice(31) });
  });

  it('splits SDES chunks and BYE sources, repeating the reason', () => {
    const chunks = Array.from({ length: RTCP_MAX_COUNT + 1 }, (_, i) => ({
      ssrc: i,
      items: [{ type: 1, text: `c${i}` }],
    }));
    expect(
      parseRtcp(serializeRtcp([{ type: 'sdes', chunks }])).map(
        (p) => p.type === 'sdes' && p.chunks.length,
      ),
    ).toEqual([31, 1]);
    const ssrcs = Array.from({ length: 62 }, (_, i) => i);
    const byes = parseRtcp(serializeRtcp([{ type: 'bye', ssrcs, reason: 'x' }]));
    expect(byes).toEqual([
      { type: 'bye', ssrcs: ssrcs.slice(0, 31), reason: 'x' },
      { type: 'bye', ssrcs: ssrcs.slice(31), reason: 'x' },
    ]);
  });

  it('writes an empty RR/SDES/BYE as one packet', () => {
    expect(serializeRtcp([{ type: 'sdes', chunks: [] }]).toString('hex')).toBe('80ca0000');
    expect(serializeRtcp([{ type: 'rr', ssrc: 1, reports: [] }]).toString('hex')).toBe(
      '80c9000100000001',
    );
  });

  it('clamps cumulative lost to 24-bit signed', () => {
    const out = parseRtcp(
      serializeRtcp([
        {
          type: 'rr',
          ssrc: 1,
          reports: [block({ cumulativeLost: 1e9 }), block({ cumulativeLost: -1e9 })],
        },
      ]),
    );
    expect(out[0]?.type === 'rr' && out[0].reports.map((r) => r.cumulativeLost)).toEqual([
      0x7fffff, -0x800000,
    ]);
  });

  it('pads every packet to 32-bit words', () => {
    for (let n = 0; n < 8; n++) {
      const text = 'a'.repeat(n);
      const buf = serializeRtcp([
        { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text }] }] },
        { type: 'bye', ssrcs: [1], reason: text },
      ]);
      expect(buf.length % 4).toBe(0);
      expect(parseRtcp(buf)).toEqual([
        { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text }] }] },
        { type: 'bye', ssrcs: [1], reason: text },
      ]);
    }
  });

  const invalid: Array<[string, RtcpPacket]> = [
    ['APP name too short', { type: 'app', subtype: 0, ssrc: 1, name: 'AB', data: Buffer.alloc(0) }],
    [
      'APP name non-ASCII',
      { type: 'app', subtype: 0, ssrc: 1, name: 'ABé', data: Buffer.alloc(0) },
    ],
    [
      'APP data of 3 octets',
      { type: 'app', subtype: 0, ssrc: 1, name: 'ABCD', data: Buffer.alloc(3) },
    ],
    ['APP subtype 32', { type: 'app', subtype: 32, ssrc: 1, name: 'ABCD', data: Buffer.alloc(0) }],
    [
      'unknown body of 5 octets',
      { type: 'unknown', packetType: 207, count: 0, body: Buffer.alloc(5) },
    ],
    ['unknown count 32', { type: 'unknown', packetType: 207, count: 32, body: Buffer.alloc(0) }],
    [
      'unknown packet type 256',
      { type: 'unknown', packetType: 256, count: 0, body: Buffer.alloc(0) },
    ],
    [
      'SDES text of 256 octets',
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'x'.repeat(256) }] }] },
    ],
    ['SDES item type 0', { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 0, text: 'x' }] }] }],
    ['BYE reason of 256 octets', { type: 'bye', ssrcs: [1], reason: 'é'.repeat(128) }],
    ['fraction lost 256', { type: 'rr', ssrc: 1, reports: [block({ fractionLost: 256 })] }],
    ['negative SSRC', { type: 'rr', ssrc: -1, reports: [] }],
  ];
  it.each(invalid)('RangeError: %s', (_name, p) => {
    expect(() => serializeRtcp([p])).toThrow(RangeError);
  });
});

describe('NTP helpers', () => {
  it.each([
    [0, 2208988800, 0],
    [1500, 2208988801, 0x80000000],
    [1704067200000, 3913056000, 0],
    [1704067200250, 3913056000, 0x40000000],
    [(2 ** 32 - 2208988800) * 1000, 0, 0], // NTP era 1 begins 2036-02-07T06:28:16Z
    [(2 ** 32 - 2208988800) * 1000 - 1, 0xffffffff, Math.floor(0.999 * 2 ** 32)],
    [-1000, 2208988799, 0],
  ])('ntpFromMs(%d)', (ms, sec, frac) => {
    expect(ntpFromMs(ms)).toEqual({ sec, frac });
  });

  it('keeps fractional milliseconds', () => {
    const { frac } = ntpFromMs(0.5);
    expect(frac).toBe(Math.floor(0.0005 * 2 ** 32));
  });

  it('ntpMiddle32 takes the low 16 bits of seconds and the high 16 of the fraction', () => {
    expect(ntpMiddle32(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
    expect(ntpMiddle32(0xffffffff, 0xffffffff)).toBe(0xffffffff);
    expect(ntpMiddle32(0, 0)).toBe(0);
    const { sec, frac } = ntpFromMs(1704067200250);
    expect(ntpMiddle32(sec, frac)).toBe(((3913056000 & 0xffff) * 65536 + 0x4000) >>> 0);
  });
});
