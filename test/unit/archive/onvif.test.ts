import { describe, expect, it } from 'vitest';
import { parseReplayHeaders } from '../../../src/protocol/rtsp/headers/onvif.js';
import { readOnvifExtension, withOnvifExtension } from '../../../src/protocol/rtp/onvif-ext.js';
import { ntpFromMs } from '../../../src/protocol/rtp/rtcp.js';
import { payloadOf } from '../../helpers/raw-client.js';
import { rtpPacket } from '../../helpers/rtp.js';

const headers = (h: Record<string, string | undefined>) => (name: string) => h[name];

describe('ONVIF replay headers', () => {
  it('defaults: rate control, not immediate, all frames', () => {
    expect(parseReplayHeaders(headers({}))).toEqual({
      require: [],
      rateControl: true,
      immediate: false,
      intraOnly: false,
      scale: undefined,
    });
  });

  it('reads Require, Rate-Control, Immediate, Frames and Scale', () => {
    const r = parseReplayHeaders(
      headers({
        Require: 'onvif-replay, Other',
        'Rate-Control': 'no',
        Immediate: 'yes',
        Frames: 'intra/500',
        Scale: '-1.0',
      }),
    );
    expect(r).toEqual({
      require: ['onvif-replay', 'other'],
      rateControl: false,
      immediate: true,
      intraOnly: true,
      scale: -1,
    });
  });

  it.each([{ 'Rate-Control': 'maybe' }, { Frames: 'some' }, { Scale: 'fast' }, { Scale: '0' }])(
    '%j is a bad header',
    (h) => {
      expect(() => parseReplayHeaders(headers(h))).toThrow(
        expect.objectContaining({ code: 'RTSP_BAD_HEADER' }),
      );
    },
  );
});

describe('the 0xABAC header extension', () => {
  it('is inserted after the fixed header, keeps the payload and reads back', () => {
    const p = rtpPacket({ seq: 7, ts: 1234, payload: 'frame' });
    const at = Date.UTC(2026, 11, 1, 14, 15, 0, 250);
    const out = withOnvifExtension(
      p,
      at,
      { cleanPoint: true, end: false, discontinuity: true, terminal: false },
      0x1234,
    );
    expect(out.length).toBe(p.length + 16);
    expect((out[0]! & 0x10) !== 0).toBe(true);
    expect(payloadOf(out).toString()).toBe('frame');
    expect(out.readUInt16BE(2)).toBe(7);
    const ntp = ntpFromMs(at);
    expect(readOnvifExtension(out)).toEqual({
      ntpSec: ntp.sec,
      ntpFrac: ntp.frac,
      flags: { cleanPoint: true, end: false, discontinuity: true, terminal: false },
      cseq: 0x34,
    });
    expect(readOnvifExtension(p)).toBeUndefined();
  });
});
