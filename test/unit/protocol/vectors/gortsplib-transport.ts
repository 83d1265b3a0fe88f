/**
 * Transport header vectors of another RTSP library, taken as test data.
 *
 * Source: gortsplib (https://github.com/bluenviron/gortsplib), MIT License,
 * Copyright (c) 2020 aler9. Package pkg/headers:
 * - valid: `casesTransport` in transport_test.go and `casesTransports` in transports_test.go at
 *   commit 9b93574c4d1ff0e72e3673d4362410b01d063c68 (many come from real cameras: Hikvision,
 *   Dahua, ...);
 * - invalid: `TestTransportUnmarshalErrors` / `TestTransportsUnmarshalErrors` at commit
 *   55fa72f0c2734060a522ee551e2f3392e9832547 (the last one with error tables; they were then
 *   replaced by fuzz seeds);
 * - fuzz seeds: testdata/fuzz/FuzzTransportsUnmarshal/* at 9b93574c (inputs only: the fuzz test
 *   asks only that the parser does not crash).
 *
 * Expectations are seamd's, written in seamd's field names. `fields` is what the liberal parse
 * (an origin's SETUP answer) yields, `ignored` how many parameters it leaves out; the strict parse
 * (a viewer's SETUP) yields the same fields when nothing is ignored and is refused otherwise.
 * `viewer` is the status a viewer's SETUP with this header gets (200: served). `note` says why
 * seamd differs from gortsplib or RFC 2326 where it does.
 */
import type { TransportSpec } from '../../../../src/protocol/rtsp/headers/transport.js';

export interface TransportVector {
  name: string;
  input: string;
  /** undefined: refused even by the liberal parse (HDR_BAD_TRANSPORT) */
  fields: Array<Partial<TransportSpec>> | undefined;
  ignored?: number;
  viewer: number;
  note?: string;
}

export const GORTSPLIB_TRANSPORT_VALID: TransportVector[] = [
  {
    name: 'udp unicast play request',
    input: 'RTP/AVP;unicast;client_port=3456-3457;mode="PLAY"',
    fields: [{ delivery: 'unicast', clientPort: [3456, 3457], mode: 'PLAY' }],
    viewer: 200,
  },
  {
    name: 'udp unicast play response',
    input: 'RTP/AVP/UDP;unicast;client_port=3056-3057;server_port=5000-5001',
    fields: [{ delivery: 'unicast', clientPort: [3056, 3057], serverPort: [5000, 5001] }],
    viewer: 200,
  },
  {
    name: 'udp multicast play request / response',
    input: 'RTP/AVP;multicast;destination=225.219.201.15;port=7000-7001;ttl=127',
    fields: [
      { delivery: 'multicast', destination: '225.219.201.15', port: [7000, 7001], ttl: 127 },
    ],
    viewer: 461,
    note: 'seamd serves viewers unicast only',
  },
  {
    name: 'tcp play request / response',
    input: 'RTP/AVP/TCP;interleaved=0-1',
    fields: [{ lowerTransport: 'TCP', interleaved: [0, 1] }],
    viewer: 200,
  },
  {
    name: 'udp unicast play response with a single port and ssrc',
    input: 'RTP/AVP/UDP;unicast;server_port=8052;client_port=14186;ssrc=0B6020AD;mode=PLAY',
    fields: [
      {
        delivery: 'unicast',
        serverPort: [8052, 8053],
        clientPort: [14186, 14187],
        ssrc: 0x0b6020ad,
        mode: 'PLAY',
      },
    ],
    viewer: 200,
  },
  {
    name: 'udp record response with receive',
    input:
      'RTP/AVP/UDP;unicast;mode=receive;source=127.0.0.1;client_port=14186-14187;server_port=5000-5001',
    fields: [
      {
        delivery: 'unicast',
        mode: 'RECEIVE',
        source: '127.0.0.1',
        clientPort: [14186, 14187],
        serverPort: [5000, 5001],
      },
    ],
    viewer: 461,
    note:
      'gortsplib maps mode=receive to record; seamd keeps the method name as sent (RFC 2326 ' +
      'mode is a method list) and serves only PLAY',
  },
  {
    name: 'unsorted udp unicast play request headers',
    input: 'client_port=3456-3457;RTP/AVP;mode="PLAY";unicast',
    fields: [{ delivery: 'unicast', clientPort: [3456, 3457], mode: 'PLAY' }],
    ignored: 1,
    viewer: 400,
    note:
      'RFC 2326 §12.39 puts transport-protocol/profile first; gortsplib accepts any order. seamd ' +
      'finds the id anywhere in an origin answer (and says so) but refuses it from a viewer',
  },
  {
    name: 'ssrc odd',
    input: 'RTP/AVP/UDP;unicast;client_port=14186;server_port=8052;ssrc=4317f;mode=play',
    fields: [
      {
        delivery: 'unicast',
        clientPort: [14186, 14187],
        serverPort: [8052, 8053],
        ssrc: 0x4317f,
        mode: 'PLAY',
      },
    ],
    viewer: 200,
  },
  {
    name: 'hikvision ssrc with initial spaces',
    input: 'RTP/AVP/UDP;unicast;client_port=14186;server_port=8052;ssrc= 4317f;mode=play',
    fields: [
      {
        delivery: 'unicast',
        clientPort: [14186, 14187],
        serverPort: [8052, 8053],
        ssrc: 0x4317f,
        mode: 'PLAY',
      },
    ],
    viewer: 200,
  },
  {
    name: 'dahua rtsp server ssrc with initial spaces',
    input: 'RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=     D93FF',
    fields: [{ lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1], ssrc: 0xd93ff }],
    viewer: 200,
  },
  {
    name: 'empty source',
    input:
      'RTP/AVP/UDP;unicast;source=;client_port=32560-32561;server_port=3046-3047;ssrc=45dcb578',
    fields: [
      {
        delivery: 'unicast',
        clientPort: [32560, 32561],
        serverPort: [3046, 3047],
        ssrc: 0x45dcb578,
      },
    ],
    ignored: 1,
    viewer: 400,
    note: 'an empty source= is left out of an origin answer; a viewer gets 400 for it',
  },
  {
    name: 'invalid ssrc',
    input: 'RTP/AVP;unicast;client_port=14236;source=172.16.8.2;server_port=56002;ssrc=1449463210',
    fields: [
      {
        delivery: 'unicast',
        clientPort: [14236, 14237],
        source: '172.16.8.2',
        serverPort: [56002, 56003],
      },
    ],
    ignored: 1,
    viewer: 400,
    note:
      'a 10-digit (decimal) ssrc is not RFC 2326 8HEX; as gortsplib, seamd leaves it out of an ' +
      'origin answer rather than guess its base (the SSRC is then learnt from the RTP packets)',
  },
  {
    name: 'secure udp unicast play request',
    input: 'RTP/SAVP;unicast;client_port=3456-3457;mode="PLAY"',
    fields: [{ profile: 'SAVP', delivery: 'unicast', clientPort: [3456, 3457], mode: 'PLAY' }],
    viewer: 461,
    note: 'seamd does not do SRTP',
  },
  {
    name: 'secure tcp play request / response',
    input: 'RTP/SAVP/TCP;interleaved=0-1',
    fields: [{ profile: 'SAVP', lowerTransport: 'TCP', interleaved: [0, 1] }],
    viewer: 461,
    note: 'seamd does not do SRTP',
  },
  {
    name: 'transports: two offers',
    input: 'RTP/AVP;unicast;client_port=3456-3457;mode="PLAY", RTP/AVP/TCP;unicast;interleaved=0-1',
    fields: [
      { delivery: 'unicast', clientPort: [3456, 3457], mode: 'PLAY' },
      { lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1] },
    ],
    viewer: 200,
  },
];

/** gortsplib refuses all of these; `fields`/`viewer` say what seamd does. */
export const GORTSPLIB_TRANSPORT_INVALID: TransportVector[] = [
  { name: 'invalid keys', input: 'key1="k', fields: undefined, viewer: 400 },
  {
    name: 'protocol not found',
    input: 'invalid;unicast;client_port=14186-14187',
    fields: undefined,
    viewer: 400,
  },
  {
    name: 'invalid interleaved port',
    input: 'RTP/AVP;unicast;interleaved=aa-14187',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid ttl',
    input: 'RTP/AVP;unicast;ttl=aa',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid destination',
    input: 'RTP/AVP;unicast;destination=aa',
    fields: [{ delivery: 'unicast', destination: 'aa' }],
    viewer: 403,
    note:
      'RFC 2326 §12.39 lets destination be a host name, so it parses; a viewer still gets 403 ' +
      'because seamd sends media only to the address the request came from',
  },
  {
    name: 'invalid ports 1',
    input: 'RTP/AVP;unicast;port=aa',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid ports 2',
    input: 'RTP/AVP;unicast;port=aa-bb-cc',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid ports 3',
    input: 'RTP/AVP;unicast;port=aa-14187',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid ports 4',
    input: 'RTP/AVP;unicast;port=14186-aa',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid client port',
    input: 'RTP/AVP;unicast;client_port=aa-14187',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid server port',
    input: 'RTP/AVP;unicast;server_port=aa-14187',
    fields: [{ delivery: 'unicast' }],
    ignored: 1,
    viewer: 400,
  },
  {
    name: 'invalid mode',
    input: 'RTP/AVP;unicast;mode=aa',
    fields: [{ delivery: 'unicast', mode: 'AA' }],
    viewer: 461,
    note:
      'RFC 2326 mode is a list of methods, extension methods included, so it parses; seamd ' +
      'serves only PLAY (461)',
  },
  { name: 'transports: invalid', input: 'aasd', fields: undefined, viewer: 400 },
];

/** Fuzz seeds: seamd refuses each with HDR_BAD_TRANSPORT (none names a transport id). */
export const GORTSPLIB_TRANSPORT_FUZZ_SEEDS: string[] = [
  '="',
  'port=0-',
  'port=--',
  'port=-',
  '0',
  'source=0.0.0.0.A.0',
  'source=0:0:0::0%0',
];
