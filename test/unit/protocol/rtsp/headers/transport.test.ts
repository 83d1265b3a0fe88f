import { describe, expect, it } from 'vitest';
import {
  formatTransport,
  parseTransport,
  type TransportSpec,
} from '../../../../../src/protocol/rtsp/headers/transport.js';
import { errorCode } from './helpers.js';

const udp = (more: Partial<TransportSpec>): TransportSpec => ({
  protocol: 'RTP',
  profile: 'AVP',
  lowerTransport: 'UDP',
  extra: {},
  ...more,
});

describe('parseTransport', () => {
  const good: Array<[string, string, TransportSpec[]]> = [
    [
      'live555 SETUP answer',
      'RTP/AVP;unicast;client_port=5000-5001;server_port=6256-6257;ssrc=1A2B3C4D;mode="PLAY"',
      [
        udp({
          delivery: 'unicast',
          clientPort: [5000, 5001],
          serverPort: [6256, 6257],
          ssrc: 0x1a2b3c4d,
          mode: 'PLAY',
        }),
      ],
    ],
    [
      'gst rtspsrc TCP offer',
      'RTP/AVP/TCP;unicast;interleaved=0-1',
      [udp({ lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1] })],
    ],
    [
      'ffmpeg offers UDP (explicit /UDP)',
      'RTP/AVP/UDP;unicast;client_port=29550-29551',
      [udp({ delivery: 'unicast', clientPort: [29550, 29551] })],
    ],
    [
      'several offers in preference order, with whitespace',
      'RTP/AVP/TCP;unicast;interleaved=2-3 , RTP/AVP;unicast;client_port=5002-5003',
      [
        udp({ lowerTransport: 'TCP', delivery: 'unicast', interleaved: [2, 3] }),
        udp({ delivery: 'unicast', clientPort: [5002, 5003] }),
      ],
    ],
    [
      'Hikvision answer: high ssrc, unquoted lower-case mode, destination/source',
      'RTP/AVP;unicast;destination=192.168.1.10;source=192.168.1.64;client_port=50000-50001;server_port=8218-8219;ssrc=FFFFFFFF;mode=play',
      [
        udp({
          delivery: 'unicast',
          destination: '192.168.1.10',
          source: '192.168.1.64',
          clientPort: [50000, 50001],
          serverPort: [8218, 8219],
          ssrc: 0xffffffff,
          mode: 'PLAY',
        }),
      ],
    ],
    [
      'multicast with ttl, port, layers',
      'RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16;layers=2',
      [
        udp({
          delivery: 'multicast',
          destination: '224.2.0.1',
          port: [3456, 3457],
          ttl: 16,
          layers: 2,
        }),
      ],
    ],
    [
      'single ports mean n and n+1; short ssrc; append; RECORD',
      'RTP/AVP;unicast;client_port=5000;server_port=6000;ssrc=abc;mode="RECORD";append',
      [
        udp({
          delivery: 'unicast',
          clientPort: [5000, 5001],
          serverPort: [6000, 6001],
          ssrc: 0xabc,
          mode: 'RECORD',
          append: true,
        }),
      ],
    ],
    [
      'single interleaved channel, lower-case ids, SAVP profile',
      'rtp/savp/tcp;interleaved=4',
      [udp({ profile: 'SAVP', lowerTransport: 'TCP', interleaved: [4, 5] })],
    ],
    [
      'unknown parameters kept (flag, token and quoted values)',
      'RTP/AVP;unicast;client_port=5000-5001;x-dynamic-rate=1;RTCP-mux;x-note="a;b,c"',
      [
        udp({
          delivery: 'unicast',
          clientPort: [5000, 5001],
          extra: { 'x-dynamic-rate': '1', 'RTCP-mux': true, 'x-note': '"a;b,c"' },
        }),
      ],
    ],
    [
      'prototype-looking parameter names stay plain own keys',
      'RTP/AVP;constructor=1;__proto__=x;toString',
      [
        udp({
          extra: Object.defineProperty({ constructor: '1', toString: true }, '__proto__', {
            value: 'x',
            enumerable: true,
          }) as Record<string, string | true>,
        }),
      ],
    ],
    ['empty offers and params skipped', ',RTP/AVP;;unicast;,', [udp({ delivery: 'unicast' })]],
  ];
  for (const [name, input, want] of good) {
    it(name, () => expect(parseTransport(input)).toEqual(want));
  }

  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['only commas', ' , '],
    ['no profile', 'RTP;unicast'],
    ['too many id parts', 'RTP/AVP/TCP/X;unicast'],
    ['unknown lower transport', 'RTP/AVP/SCTP;unicast'],
    ['port above 65535', 'RTP/AVP;client_port=65536-65537'],
    ['single port 65535 (no room for RTCP)', 'RTP/AVP;client_port=65535'],
    ['non-numeric port', 'RTP/AVP;client_port=a-b'],
    ['negative port', 'RTP/AVP;server_port=-5'],
    ['channel above 255', 'RTP/AVP/TCP;interleaved=255-256'],
    ['single channel 255', 'RTP/AVP/TCP;interleaved=255'],
    ['ssrc with 9 hex digits', 'RTP/AVP;ssrc=123456789'],
    ['ssrc not hex', 'RTP/AVP;ssrc=XYZ'],
    ['empty ssrc', 'RTP/AVP;ssrc='],
    ['ttl above 255', 'RTP/AVP;multicast;ttl=256'],
    ['layers zero', 'RTP/AVP;multicast;layers=0'],
    ['empty mode', 'RTP/AVP;mode=""'],
    ['unterminated quote', 'RTP/AVP;mode="PLAY'],
    ['bad parameter name', 'RTP/AVP;un icast'],
    ['empty destination', 'RTP/AVP;destination='],
    ['valued parameter without value', 'RTP/AVP;unicast;ttl'],
    ['flag with a value', 'RTP/AVP;unicast=yes'],
    ['control character', 'RTP/AVP;unicast;x=a\x01'],
  ];
  for (const [name, input] of bad) {
    it(`rejects ${name}`, () =>
      expect(errorCode(() => parseTransport(input))).toBe('HDR_BAD_TRANSPORT'));
  }
});

describe('parseTransport of an origin answer (liberal, reporting)', () => {
  const cases: Array<[string, string, TransportSpec, string[]]> = [
    [
      'empty, malformed and valueless parameters left out, the rest kept',
      'RTP/AVP;unicast;source=;destination="";ttl=999;layers=0;ssrc=XYZ;mode="";client_port=5000-5001;ttl;unicast=1;server_port=70000',
      udp({ delivery: 'unicast', clientPort: [5000, 5001] }),
      [
        'source= (empty)',
        'destination="" (empty)',
        'ttl=999 (not 0-255)',
        'layers=0 (not 1-65535)',
        'ssrc=XYZ (not 1-8 hex digits)',
        'mode="" (bad method list)',
        'ttl (no value)',
        'unicast=1 (takes no value)',
        'server_port=70000 (bad range)',
      ],
    ],
    [
      'a bad parameter name is left out',
      'RTP/AVP/TCP;un icast;interleaved=0-1',
      udp({ lowerTransport: 'TCP', interleaved: [0, 1] }),
      ['un icast (bad parameter name)'],
    ],
    [
      'the transport id found after parameters',
      'client_port=3456-3457;RTP/AVP/TCP;interleaved=2-3',
      udp({ lowerTransport: 'TCP', clientPort: [3456, 3457], interleaved: [2, 3] }),
      ['transport id not first: "client_port=3456-3457;RTP/AVP/TCP;interleaved=2-3"'],
    ],
  ];
  for (const [name, input, want, ignored] of cases) {
    it(name, () => {
      const seen: string[] = [];
      expect(parseTransport(input, seen)).toEqual([want]);
      expect(seen).toEqual(ignored);
      expect(errorCode(() => parseTransport(input))).toBe('HDR_BAD_TRANSPORT');
    });
  }

  it('still refuses what has no usable transport id, or an open quote', () => {
    for (const input of ['', 'RTP;unicast', 'RTP/AVP/SCTP', 'client_port=1-2', 'RTP/AVP;x="a']) {
      expect(errorCode(() => parseTransport(input, []))).toBe('HDR_BAD_TRANSPORT');
    }
  });
});

describe('parseTransport: wire-chosen keys', () => {
  it('never touches prototypes', () => {
    const [spec] = parseTransport('RTP/AVP;constructor=1;__proto__=x;toString');
    expect(Object.getPrototypeOf(spec?.extra)).toBe(Object.prototype);
    expect(Object.keys(spec?.extra ?? {})).toEqual(['constructor', '__proto__', 'toString']);
    expect(spec?.clientPort).toBeUndefined();
    expect(formatTransport(spec!)).toBe('RTP/AVP;constructor=1;__proto__=x;toString');
  });
});

describe('formatTransport', () => {
  it('writes canonical forms', () => {
    expect(
      formatTransport(udp({ lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1] })),
    ).toBe('RTP/AVP/TCP;unicast;interleaved=0-1');
    expect(
      formatTransport(
        udp({
          delivery: 'unicast',
          clientPort: [5000, 5001],
          serverPort: [6256, 6257],
          ssrc: 0x1a2b,
          mode: 'PLAY',
        }),
      ),
    ).toBe('RTP/AVP;unicast;client_port=5000-5001;server_port=6256-6257;ssrc=00001A2B;mode="PLAY"');
    expect(
      formatTransport(
        udp({
          delivery: 'multicast',
          destination: '224.2.0.1',
          source: '10.0.0.1',
          port: [3456, 3457],
          ttl: 16,
          layers: 2,
          append: true,
          extra: { 'RTCP-mux': true, x: '"q;q"' },
        }),
      ),
    ).toBe(
      'RTP/AVP;multicast;destination=224.2.0.1;source=10.0.0.1;ttl=16;layers=2;port=3456-3457;append;RTCP-mux;x="q;q"',
    );
  });

  const bad: Array<[string, TransportSpec]> = [
    ['port out of range', udp({ clientPort: [70000, 70001] })],
    ['channel out of range', udp({ interleaved: [0, 256] })],
    ['fractional port', udp({ serverPort: [1.5, 2] })],
    ['ssrc above uint32', udp({ ssrc: 2 ** 32 })],
    ['lower-case mode', udp({ mode: 'play' })],
    ['injection through destination', udp({ destination: '1.2.3.4\r\nX: y' })],
    ['injection through extra', udp({ extra: { x: 'a\r\nb' } })],
    ['separator in extra value', udp({ extra: { x: 'a;b' } })],
    ['extra shadowing a known parameter', udp({ extra: { Unicast: true } })],
    ['bad protocol token', udp({ protocol: 'R/TP' })],
  ];
  for (const [name, spec] of bad) {
    it(`rejects ${name}`, () =>
      expect(errorCode(() => formatTransport(spec))).toBe('HDR_BAD_TRANSPORT'));
  }
});
