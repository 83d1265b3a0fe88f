/**
 * RTP-Info and Session header vectors of another RTSP library, taken as test data.
 *
 * Source: gortsplib (https://github.com/bluenviron/gortsplib), MIT License,
 * Copyright (c) 2020 aler9. Package pkg/headers:
 * - valid: `casesRTPInfo` in rtp_info_test.go and `casesSession` in session_test.go at commit
 *   9b93574c4d1ff0e72e3673d4362410b01d063c68 (the Axis and ssrc-carrying RTP-Info come from
 *   real cameras);
 * - invalid: `TestRTPInfoUnmarshalErrors` / `TestSessionUnmarshalErrors` at commit
 *   55fa72f0c2734060a522ee551e2f3392e9832547 (the last one with error tables; the "empty" and
 *   "2 values" cases are about header counts, not values, and are left out);
 * - fuzz seeds: testdata/fuzz/FuzzRTPInfoUnmarshal/* and FuzzSessionUnmarshal/* at 9b93574c
 *   (inputs only: the fuzz test asks just that the parser does not crash).
 *
 * Expectations are seamd's. RTP-Info is only ever read from an origin's PLAY answer, so it is
 * read liberally: `ignored` counts the parameters left out of the entries. A Session header is
 * read strictly from a viewer (refused: 454) and liberally from an origin.
 */
import type { RtpInfoEntry } from '../../../../src/protocol/rtsp/headers/rtp-info.js';
import type { SessionHeader } from '../../../../src/protocol/rtsp/headers/session.js';

export interface RtpInfoVector {
  name: string;
  input: string;
  /** undefined: refused (HDR_BAD_RTP_INFO) */
  want: RtpInfoEntry[] | undefined;
  ignored?: number;
  note?: string;
}

export const GORTSPLIB_RTP_INFO: RtpInfoVector[] = [
  {
    name: 'single value',
    input: 'url=rtsp://127.0.0.1/test.mkv/track1;seq=35243;rtptime=717574556',
    want: [{ url: 'rtsp://127.0.0.1/test.mkv/track1', seq: 35243, rtptime: 717574556 }],
  },
  {
    name: 'multiple value',
    input:
      'url=rtsp://127.0.0.1/test.mkv/track1;seq=35243;rtptime=717574556,' +
      'url=rtsp://127.0.0.1/test.mkv/track2;seq=13655;rtptime=2848846950',
    want: [
      { url: 'rtsp://127.0.0.1/test.mkv/track1', seq: 35243, rtptime: 717574556 },
      { url: 'rtsp://127.0.0.1/test.mkv/track2', seq: 13655, rtptime: 2848846950 },
    ],
  },
  {
    name: 'missing timestamp',
    input: 'url=rtsp://127.0.0.1/test.mkv/track1;seq=35243',
    want: [{ url: 'rtsp://127.0.0.1/test.mkv/track1', seq: 35243 }],
  },
  {
    name: 'missing sequence number',
    input: 'url=rtsp://127.0.0.1/test.mkv/track1;rtptime=717574556',
    want: [{ url: 'rtsp://127.0.0.1/test.mkv/track1', rtptime: 717574556 }],
  },
  {
    name: 'path instead of url',
    input: 'url=trackID=0;seq=12447;rtptime=12447',
    want: [{ url: 'trackID=0', seq: 12447, rtptime: 12447 }],
  },
  {
    name: 'with space',
    input:
      'url=rtsp://10.13.146.53/axis-media/media.amp/trackID=1;seq=58477;rtptime=1020884293, ' +
      'url=rtsp://10.13.146.53/axis-media/media.amp/trackID=2;seq=15727;rtptime=1171661503',
    want: [
      {
        url: 'rtsp://10.13.146.53/axis-media/media.amp/trackID=1',
        seq: 58477,
        rtptime: 1020884293,
      },
      {
        url: 'rtsp://10.13.146.53/axis-media/media.amp/trackID=2',
        seq: 15727,
        rtptime: 1171661503,
      },
    ],
  },
  {
    name: 'with session',
    input:
      'url=trackID=1;seq=55664;rtptime=254718369;ssrc=56597976,' +
      'url=trackID=2;seq=43807;rtptime=1702259566;ssrc=ee839a80',
    want: [
      { url: 'trackID=1', seq: 55664, rtptime: 254718369 },
      { url: 'trackID=2', seq: 43807, rtptime: 1702259566 },
    ],
    ignored: 2,
    note: 'ssrc (RFC 7826) is not used by seamd: left out and reported, as gortsplib drops it',
  },
  {
    name: 'invalid key-value',
    input: 'test="a',
    want: undefined,
  },
  {
    name: 'invalid sequence',
    input: 'url=rtsp://127.0.0.1/test.mkv/track1;seq=aa;rtptime=717574556',
    want: [{ url: 'rtsp://127.0.0.1/test.mkv/track1', rtptime: 717574556 }],
    ignored: 1,
    note:
      'gortsplib refuses the header; seamd keeps what is usable of an origin answer (RTP-Info ' +
      'is a hint) and reports the bad seq',
  },
  {
    name: 'invalid rtptime',
    input: 'url=rtsp://127.0.0.1/test.mkv/track1;seq=35243;rtptime=aa',
    want: [{ url: 'rtsp://127.0.0.1/test.mkv/track1', seq: 35243 }],
    ignored: 1,
    note: 'as for the invalid sequence',
  },
  { name: 'missing URL', input: 'seq=35243;rtptime=717574556', want: undefined },
  { name: 'fuzz 15422aae47040b82', input: '="', want: undefined },
  { name: 'fuzz 4230da86ed7bbb89', input: 'seq', want: undefined },
  { name: 'fuzz 771e938e4458e983', input: '0', want: undefined },
  { name: 'fuzz fde7322eb8d3199e', input: 'rtptime', want: undefined },
];

export interface SessionVector {
  name: string;
  input: string;
  /** what a viewer's header gives; undefined: refused (HDR_BAD_SESSION, answered 454) */
  viewer: SessionHeader | undefined;
  /** what an origin's answer gives (liberal); undefined: refused */
  origin: SessionHeader | undefined;
  note?: string;
}

export const GORTSPLIB_SESSION: SessionVector[] = [
  {
    name: 'base',
    input: 'A3eqwsafq3rFASqew',
    viewer: { id: 'A3eqwsafq3rFASqew' },
    origin: { id: 'A3eqwsafq3rFASqew' },
  },
  {
    name: 'with timeout',
    input: 'A3eqwsafq3rFASqew;timeout=47',
    viewer: { id: 'A3eqwsafq3rFASqew', timeout: 47 },
    origin: { id: 'A3eqwsafq3rFASqew', timeout: 47 },
  },
  {
    name: 'with timeout and space',
    input: 'A3eqwsafq3rFASqew; timeout=47',
    viewer: { id: 'A3eqwsafq3rFASqew', timeout: 47 },
    origin: { id: 'A3eqwsafq3rFASqew', timeout: 47 },
  },
  {
    name: 'invalid key-value',
    input: 'A3eqwsafq3rFASqew;test="a',
    viewer: { id: 'A3eqwsafq3rFASqew' },
    origin: { id: 'A3eqwsafq3rFASqew' },
    note:
      'gortsplib refuses the unclosed quote; seamd skips unknown Session parameters unread ' +
      '(RFC 7826 adds some), and the id, all that a viewer Session is used for, is good',
  },
  {
    name: 'invalid timeout',
    input: 'A3eqwsafq3rFASqew;timeout=aaa',
    viewer: undefined,
    origin: { id: 'A3eqwsafq3rFASqew' },
    note: 'from an origin the bad timeout is left out (the default applies), the session kept',
  },
  { name: 'fuzz c06a455eda3af1e0', input: ';="', viewer: undefined, origin: undefined },
  { name: 'fuzz c143b4412cbdbe78', input: ';timeout', viewer: undefined, origin: undefined },
];
