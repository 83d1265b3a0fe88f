import { describe, expect, it } from 'vitest';
import { formatCSeq, parseCSeq } from '../../../../../src/protocol/rtsp/headers/cseq.js';
import {
  formatSession,
  parseSession,
  type SessionHeader,
} from '../../../../../src/protocol/rtsp/headers/session.js';
import { errorCode } from './helpers.js';

describe('CSeq', () => {
  const good: Array<[string, number]> = [
    ['1', 1],
    ['0', 0],
    [' 42 ', 42],
    ['007', 7],
    ['4294967295', 4294967295],
    ['00000000004294967295', 4294967295],
  ];
  for (const [input, want] of good) {
    it(`parses ${JSON.stringify(input)}`, () => expect(parseCSeq(input)).toBe(want));
  }
  for (const input of ['', ' ', '-1', '1.5', '4294967296', '12a', '0x10', '1 2', '+3', '１']) {
    it(`rejects ${JSON.stringify(input)}`, () =>
      expect(errorCode(() => parseCSeq(input))).toBe('HDR_BAD_CSEQ'));
  }
  it('formats', () => {
    expect(formatCSeq(17)).toBe('17');
    expect(errorCode(() => formatCSeq(-1))).toBe('HDR_BAD_CSEQ');
    expect(errorCode(() => formatCSeq(2 ** 32))).toBe('HDR_BAD_CSEQ');
    expect(errorCode(() => formatCSeq(1.5))).toBe('HDR_BAD_CSEQ');
  });
});

describe('Session', () => {
  const good: Array<[string, string, SessionHeader]> = [
    ['live555 (hex)', '6B8B4567;timeout=65', { id: '6B8B4567', timeout: 65 }],
    ['gst-rtsp-server', 'xAJgtnOaCNNNlLb1;timeout=60', { id: 'xAJgtnOaCNNNlLb1', timeout: 60 }],
    ['Hikvision (digits)', '1273222592;timeout=60', { id: '1273222592', timeout: 60 }],
    ['no timeout', '47112344', { id: '47112344' }],
    ['RFC safe chars', 'a$b-c_d.e+f', { id: 'a$b-c_d.e+f' }],
    ['base64-ish id', 'q83vEjRWeJA=/x', { id: 'q83vEjRWeJA=/x' }],
    ['whitespace and case', '  ABC123 ; Timeout = 30 ', { id: 'ABC123', timeout: 30 }],
    ['unknown parameter ignored', 'ABC;foo=bar;timeout=5', { id: 'ABC', timeout: 5 }],
    ['trailing semicolon', 'ABC;', { id: 'ABC' }],
  ];
  for (const [name, input, want] of good) {
    it(`parses ${name}: ${JSON.stringify(input)}`, () => expect(parseSession(input)).toEqual(want));
  }
  const bad: Array<[string, string]> = [
    ['empty', ''],
    ['only timeout', ';timeout=60'],
    ['space inside id', 'AB CD'],
    ['comma inside id', 'AB,CD'],
    ['control char', 'AB\x01'],
    ['non-ASCII', 'séssion'],
    ['bad timeout', 'ABC;timeout=abc'],
    ['negative timeout', 'ABC;timeout=-1'],
    ['fractional timeout', 'ABC;timeout=1.5'],
    ['timeout without value', 'ABC;timeout'],
    ['too long', 'a'.repeat(1025)],
  ];
  for (const [name, input] of bad) {
    it(`rejects ${name}`, () =>
      expect(errorCode(() => parseSession(input))).toBe('HDR_BAD_SESSION'));
  }
  it('formats', () => {
    expect(formatSession({ id: '6B8B4567', timeout: 60 })).toBe('6B8B4567;timeout=60');
    expect(formatSession({ id: 'abc' })).toBe('abc');
    expect(errorCode(() => formatSession({ id: 'a;b' }))).toBe('HDR_BAD_SESSION');
    expect(errorCode(() => formatSession({ id: 'a\r\nb' }))).toBe('HDR_BAD_SESSION');
    expect(errorCode(() => formatSession({ id: 'a', timeout: -5 }))).toBe('HDR_BAD_SESSION');
  });
});
