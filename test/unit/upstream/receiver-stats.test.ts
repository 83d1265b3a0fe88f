import { describe, expect, it } from 'vitest';
import { ReceiverStats } from '../../../src/upstream/receiver-stats.js';
import { matchControlUrl, parseOriginUrl, stripUserinfo } from '../../../src/upstream/url.js';
import { rtpPacket } from '../../helpers/rtp.js';

describe('ReceiverStats', () => {
  it('has no report block before any RTP', () => {
    expect(new ReceiverStats(90000).reportBlock(0)).toBeUndefined();
  });

  it('extends the sequence across a wrap and counts losses per interval', () => {
    const s = new ReceiverStats(90000);
    for (const seq of [65530, 65531, 65533, 65534, 65535, 0, 1, 3])
      s.onRtp(rtpPacket({ seq, ts: 0, ssrc: 7 }), 0);
    const b1 = s.reportBlock(1000);
    // expected 65530..65539 = 10, received 8
    expect(b1).toMatchObject({ ssrc: 7, highestSeq: 0x10003, cumulativeLost: 2, lsr: 0, dlsr: 0 });
    expect(b1?.fractionLost).toBe(Math.floor((2 * 256) / 10));
    for (const seq of [4, 5, 6, 7]) s.onRtp(rtpPacket({ seq, ts: 0, ssrc: 7 }), 0);
    const b2 = s.reportBlock(2000);
    expect(b2).toMatchObject({ highestSeq: 0x10007, cumulativeLost: 2, fractionLost: 0 });
  });

  it('counts duplicates and late packets without moving the highest seq back', () => {
    const s = new ReceiverStats(8000);
    for (const seq of [10, 12, 11, 12]) s.onRtp(rtpPacket({ seq, ts: 0, ssrc: 1 }), 0);
    expect(s.reportBlock(0)).toMatchObject({ highestSeq: 12, cumulativeLost: -1 });
  });

  it('restarts on a new SSRC', () => {
    const s = new ReceiverStats(8000);
    s.onRtp(rtpPacket({ seq: 10, ts: 0, ssrc: 1 }), 0);
    s.onRtp(rtpPacket({ seq: 500, ts: 0, ssrc: 2 }), 0);
    expect(s.reportBlock(0)).toMatchObject({ ssrc: 2, highestSeq: 500, cumulativeLost: 0 });
  });

  it('reports LSR and DLSR from the last sender report', () => {
    const s = new ReceiverStats(90000);
    s.onRtp(rtpPacket({ seq: 1, ts: 0, ssrc: 9 }), 0);
    s.onSenderReport(0x00011234, 0x56780000, 1000);
    expect(s.reportBlock(1500)).toMatchObject({ lsr: 0x12345678, dlsr: 32768 });
  });

  it('estimates interarrival jitter (RFC 3550 A.8)', () => {
    const s = new ReceiverStats(1000); // 1 tick per ms
    s.onRtp(rtpPacket({ seq: 1, ts: 0, ssrc: 1 }), 0);
    s.onRtp(rtpPacket({ seq: 2, ts: 20, ssrc: 1 }), 30); // 10 ms late
    expect(s.reportBlock(30)?.jitter).toBe(Math.floor(10 / 16));
  });
});

describe('origin URLs', () => {
  it('takes percent-decoded credentials from the userinfo and strips them', () => {
    const u = parseOriginUrl('rtsp://us%40er:p%3Aw@[::1]:8554/a/b?x=1');
    expect(u).toEqual({
      host: '::1',
      port: 8554,
      url: 'rtsp://[::1]:8554/a/b?x=1',
      credentials: { username: 'us@er', password: 'p:w' },
    });
    expect(parseOriginUrl('rtsp://cam/x').port).toBe(554);
    expect(parseOriginUrl('rtsp://cam/x').credentials).toBeUndefined();
    expect(stripUserinfo('rtsp://a:b@h/p@q')).toBe('rtsp://h/p@q');
  });

  it('matches RTP-Info URLs to control URLs', () => {
    const controls = ['rtsp://h:554/s/stream=0', 'rtsp://h:554/s/stream=1'];
    expect(matchControlUrl('rtsp://h:554/s/stream=1', controls)).toBe(1);
    expect(matchControlUrl('rtsp://h:554/s/stream=0/', controls)).toBe(0);
    expect(matchControlUrl('rtsp://10.0.0.1/s/stream=1', controls)).toBe(1);
    expect(matchControlUrl('stream=1', controls)).toBe(1);
    expect(matchControlUrl('/s/stream=0', controls)).toBe(0);
    expect(matchControlUrl('am=0', controls)).toBeUndefined();
    expect(matchControlUrl('rtsp://h/other', controls)).toBeUndefined();
    expect(matchControlUrl('', controls)).toBeUndefined();
  });
});
