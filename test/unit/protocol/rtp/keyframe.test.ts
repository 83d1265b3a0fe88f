import { describe, expect, it } from 'vitest';
import { knowsKeyframes, startKind } from '../../../../src/protocol/rtp/keyframe.js';

const b = (...bytes: number[]) => Buffer.from(bytes);

describe('startKind: H.264 (RFC 6184)', () => {
  it.each([
    ['IDR slice', b(0x65, 0x88), 'keyframe'],
    ['SPS', b(0x67, 0x42), 'prefix'],
    ['PPS', b(0x68, 0xce), 'prefix'],
    ['SEI', b(0x06, 0x05), 'prefix'],
    ['non-IDR slice', b(0x41, 0x9a), 'other'],
    ['FU-A start of an IDR', b(0x7c, 0x85, 0x00), 'keyframe'],
    ['FU-A middle of an IDR', b(0x7c, 0x05, 0x00), 'other'],
    ['FU-A start of a P slice', b(0x7c, 0x81, 0x00), 'other'],
    ['STAP-A SPS+PPS', b(0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce), 'prefix'],
    ['STAP-A SPS+IDR', b(0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x65, 0x88), 'keyframe'],
    ['STAP-A with a bad size', b(0x78, 0xff, 0xff, 0x41), 'other'],
    ['empty payload', b(), 'other'],
  ])('%s', (_name, payload, kind) => {
    expect(startKind('H264', payload)).toBe(kind);
    expect(startKind('h264', payload)).toBe(kind);
  });
});

describe('startKind: H.265 (RFC 7798)', () => {
  // NAL header: type in bits 1..6 of the first byte.
  const nal = (type: number, ...rest: number[]) => b(type << 1, 0x01, ...rest);
  it.each([
    ['IDR_W_RADL', nal(19), 'keyframe'],
    ['CRA', nal(21), 'keyframe'],
    ['VPS', nal(32), 'prefix'],
    ['SPS', nal(33), 'prefix'],
    ['TRAIL_R', nal(1), 'other'],
    ['FU start of IDR', nal(49, 0x80 | 19), 'keyframe'],
    ['FU end of IDR', nal(49, 0x40 | 19), 'other'],
    ['AP VPS+IDR', nal(48, 0x00, 0x02, 32 << 1, 0x01, 0x00, 0x02, 19 << 1, 0x01), 'keyframe'],
  ])('%s', (_name, payload, kind) => {
    expect(startKind('H265', payload)).toBe(kind);
  });
});

describe('other codecs', () => {
  it('every packet of audio or an unknown video codec is a start', () => {
    expect(startKind('MPEG4-GENERIC', b(0x00, 0x10))).toBe('keyframe');
    expect(startKind(undefined, b(0x41))).toBe('keyframe');
    expect(knowsKeyframes('H264')).toBe(true);
    expect(knowsKeyframes('H265')).toBe(true);
    expect(knowsKeyframes('VP8')).toBe(false);
    expect(knowsKeyframes(undefined)).toBe(false);
  });
});
