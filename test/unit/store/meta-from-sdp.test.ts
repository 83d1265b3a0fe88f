/** The one SDP → recording meta (used by the recorder and by prefetch). */
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../src/protocol/sdp/sdp.js';
import { recordingMetaFromSdp } from '../../../src/store/meta.js';

const sdp = (range: string): string =>
  [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=clip',
    't=0 0',
    `a=range:${range}`,
    'm=video 0 RTP/AVP 96',
    'a=rtpmap:96 H264/90000',
    'a=control:stream=0',
    'm=audio 0 RTP/AVP 0',
    'a=control:stream=1',
    '',
  ].join('\r\n');

function metaOf(range: string) {
  const text = sdp(range);
  const info = parseSdp(text, 'rtsp://o/clip');
  return {
    info,
    meta: recordingMetaFromSdp({
      originUrl: 'rtsp://o/clip',
      path: 'clip',
      sdp: text,
      info,
      startRtpTime: (track) => 1000 + track,
    }),
  };
}

describe('recordingMetaFromSdp', () => {
  it('file-backed: tracks, the duration the range announces, npt 0 per track', () => {
    const { info, meta } = metaOf('npt=0-20.5');
    expect(meta).toEqual({
      originUrl: 'rtsp://o/clip',
      path: 'clip',
      sdp: sdp('npt=0-20.5'),
      sdpIdentity: info.identity,
      live: false,
      durationSec: 20.5,
      tracks: [
        {
          index: 0,
          control: 'rtsp://o/clip/stream=0',
          media: 'video',
          clockRate: 90000,
          payloadTypes: [96],
          startRtpTime: 1000,
        },
        {
          index: 1,
          control: 'rtsp://o/clip/stream=1',
          media: 'audio',
          clockRate: 8000,
          payloadTypes: [0],
          startRtpTime: 1001,
        },
      ],
    });
  });

  it('live: no duration, and npt 0 is the first packet (no start rtptime)', () => {
    const { meta } = metaOf('npt=now-');
    expect(meta.live).toBe(true);
    expect(meta).not.toHaveProperty('durationSec');
    expect(meta.tracks.map((t) => t.startRtpTime)).toEqual([undefined, undefined]);
  });
});
