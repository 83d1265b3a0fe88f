/**
 * Range header vectors of another RTSP library, taken as test data.
 *
 * Source: gortsplib (https://github.com/bluenviron/gortsplib), MIT License,
 * Copyright (c) 2020 aler9. Package pkg/headers:
 * - valid: `casesRange` in range_test.go at commit 9b93574c4d1ff0e72e3673d4362410b01d063c68;
 * - invalid: `TestRangeUnmarshalErrors` at commit 55fa72f0c2734060a522ee551e2f3392e9832547 (the
 *   last one with error tables) and the fuzz seeds testdata/fuzz/FuzzRangeUnmarshal/* at
 *   9b93574c (inputs only: gortsplib's fuzz test asks just that its parser does not crash; each
 *   breaks the RFC 2326 §3.5-3.7 grammar, so seamd refuses each).
 *
 * Expectations are seamd's. A viewer's PLAY with a valid Range has it forwarded as `forwarded`;
 * with an invalid one it is answered 457 Invalid Range by seamd itself.
 */
import type { RangeSpec } from '../../../../src/protocol/rtsp/headers/range.js';

export interface RangeVector {
  name: string;
  input: string;
  want: RangeSpec;
  forwarded: string;
}

export const GORTSPLIB_RANGE_VALID: RangeVector[] = [
  {
    name: 'smpte',
    input: 'smpte=10:07:00-10:07:33:05.01',
    want: { unit: 'smpte', raw: '10:07:00-10:07:33:05.01' },
    forwarded: 'smpte=10:07:00-10:07:33:05.01',
  },
  {
    name: 'smpte open ended',
    input: 'smpte=0:10:00-',
    want: { unit: 'smpte', raw: '0:10:00-' },
    forwarded: 'smpte=0:10:00-',
  },
  {
    name: 'smpte with frame',
    input: 'smpte=0:10:00:01-',
    want: { unit: 'smpte', raw: '0:10:00:01-' },
    forwarded: 'smpte=0:10:00:01-',
  },
  {
    name: 'npt',
    input: 'npt=123.45-125',
    want: { unit: 'npt', start: 123.45, end: 125 },
    forwarded: 'npt=123.45-125',
  },
  {
    name: 'npt open ended',
    input: 'npt=12:05:35.3-',
    want: { unit: 'npt', start: 43535.3, end: undefined },
    forwarded: 'npt=43535.3-',
  },
  {
    name: 'clock',
    input: 'clock=19961108T142300Z-19961108T143520Z',
    want: { unit: 'clock', raw: '19961108T142300Z-19961108T143520Z' },
    forwarded: 'clock=19961108T142300Z-19961108T143520Z',
  },
  {
    name: 'clock open ended',
    input: 'clock=19960213T143205Z-',
    want: { unit: 'clock', raw: '19960213T143205Z-' },
    forwarded: 'clock=19960213T143205Z-',
  },
  {
    name: 'time',
    input: 'clock=19960213T143205Z-;time=19970123T143720Z',
    want: { unit: 'clock', raw: '19960213T143205Z-', time: '19970123T143720Z' },
    forwarded: 'clock=19960213T143205Z-;time=19970123T143720Z',
  },
];

/** [name, input]: each is HDR_BAD_RANGE, and a viewer PLAY carrying it gets 457. */
export const GORTSPLIB_RANGE_INVALID: Array<[string, string]> = [
  ['invalid keys', 'key1="k'],
  ['value not found', ''],
  ['smpte without values', 'smpte='],
  ['smtpe end invalid', 'smpte=00:00:01-123'],
  ['smpte invalid 1', 'smpte=123-'],
  ['smpte invalid 2', 'smpte=aa:00:00-'],
  ['smpte invalid 3', 'smpte=00:aa:00-'],
  ['smpte invalid 4', 'smpte=00:00:aa-'],
  ['smpte invalid 5', 'smpte=00:00:00:aa-'],
  ['smpte invalid 6', 'smpte=00:00:00:aa.00-'],
  ['smpte invalid 7', 'smpte=00:00:00:00.aa-'],
  ['npt without values', 'npt='],
  ['npt end invalid', 'npt=00:00:00-aa'],
  ['npt invalid 1', 'npt=00:00:00:00-'],
  ['npt invalid 2', 'npt=aa-'],
  ['npt invalid 3', 'npt=aa:00-'],
  ['npt invalid 4', 'npt=aa:00:00-'],
  ['clock without values', 'clock='],
  ['clock end invalid', 'clock=20060102T150405Z-aa'],
  ['clock invalid 1', 'clock=aa-'],
  ['time invalid', 'time=aa'],
  ['fuzz 004943ecb339bfe3', 'clock=-'],
  ['fuzz 058576b517a900ab', 'smpte=0::-'],
  ['fuzz 094e8699a2b0498e', 'smpte=0:0:0-0:0:0:0.'],
  ['fuzz 0be015f3a8e9d205', 'smpte'],
  ['fuzz 15422aae47040b82', '="'],
  ['fuzz 279c27b15659ed37', 'npt=0-A'],
  ['fuzz 377ba66160e60e9d', 'smpte=0:0:0:-'],
  ['fuzz 48015f85af9b7d4c', 'npt=-'],
  ['fuzz 4b087c92430c42c2', 'npt=::-'],
  ['fuzz 4e251d9d33f8ea08', 'smpte=0:0:A-'],
  ['fuzz 5b813a5623dcc9a2', 'npt=:::-'],
  ['fuzz 631898e223f2e221', 'clock=00000101T000000Z-0'],
  ['fuzz 76d86663b6246d0d', 'smpte=0:0:0-0'],
  ['fuzz 8aaf8b24c6ebaaaf', 'npt=:-'],
  ['fuzz b66fc0a00769691e', 'smpte=::-'],
  ['fuzz c974b74859131d56', 'smpte=0:0:0-0:0:0:.0'],
  ['fuzz dd46188692c3868a', 'smpte=-'],
  ['fuzz f9816bb07c5c49ca', 'time'],
];
