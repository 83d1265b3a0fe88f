/**
 * A fast start as the viewer session applies it: the burst goes out first, then the live
 * packets that came after the burst was taken; packets held while the PLAY was in flight that
 * the burst already covers (or left out) are not sent twice.
 */
import { describe, expect, it } from 'vitest';
import type { GopBurst } from '../../../src/source/gop-cache.js';
import type { MediaSource } from '../../../src/source/media-source.js';
import { ViewerSession } from '../../../src/serve/viewer.js';
import { rtpPacket, srPacket } from '../../helpers/rtp.js';

function session(): { s: ViewerSession; sent: number[]; order: string[] } {
  const sent: number[] = [];
  const order: string[] = [];
  const out = {
    sendFrame: () => true,
    sendUdpRtp: (p: Buffer) => {
      sent.push(p.readUInt16BE(2));
      order.push(`rtp ${p.readUInt16BE(2)}`);
    },
    sendUdpRtcp: (p: Buffer) => void order.push(`rtcp ${p[1]}`),
  };
  const s = new ViewerSession('c1', '127.0.0.1', {} as MediaSource, 'rtsp://x/cam', out);
  s.tracks.set(0, { kind: 'udp', address: '127.0.0.1', rtpPort: 5000, rtcpPort: 5001 });
  return { s, sent, order };
}

const pkt = (seq: number): Buffer => rtpPacket({ seq, ts: seq * 100 });

describe('fast start in the viewer session', () => {
  it('sends the burst, then only the packets after its last one', () => {
    const { s, sent } = session();
    s.beginPlay();
    const live = [10, 11, 12, 13].map(pkt);
    // 10 and 11 arrive while the PLAY is in flight, before the burst is taken.
    s.onRtp(0, live[0] as Buffer);
    s.onRtp(0, live[1] as Buffer);
    const burst: GopBurst = {
      packets: [7, 8, 9]
        .map((n) => ({ track: 0, packet: pkt(n) }))
        .concat([
          { track: 0, packet: live[0] as Buffer },
          { track: 0, packet: live[1] as Buffer },
        ]),
      tracks: [{ seq: 7, rtptime: 700 }],
      last: live[1] as Buffer,
      reports: [],
    };
    s.prime(burst);
    s.onRtp(0, live[2] as Buffer);
    expect(sent).toEqual([]);
    s.started();
    s.onRtp(0, live[3] as Buffer);
    expect(sent).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect(s.burstPackets).toBe(5);
  });

  it('keeps every held packet when the burst was taken before any arrived', () => {
    const { s, sent } = session();
    s.beginPlay();
    const last = pkt(9);
    s.prime({ packets: [{ track: 0, packet: last }], tracks: [{ seq: 9 }], last, reports: [] });
    s.onRtp(0, pkt(10));
    s.started();
    expect(sent).toEqual([9, 10]);
  });

  it('a session that is not starting a PLAY ignores a burst', () => {
    const { s, sent } = session();
    const last = pkt(9);
    s.prime({ packets: [{ track: 0, packet: last }], tracks: [{ seq: 9 }], last, reports: [] });
    expect(s.burstPackets).toBe(0);
    expect(sent).toEqual([]);
  });

  it("sends each track's newest sender report before the burst's packets", () => {
    const { s, order } = session();
    s.beginPlay();
    const last = pkt(9);
    const sr = srPacket({ ssrc: 1, rtpTimestamp: 900, ntpSec: 1000, ntpFrac: 0 });
    s.prime({
      packets: [8, 9].map((n) => ({ track: 0, packet: n === 9 ? last : pkt(n) })),
      tracks: [{ seq: 8 }],
      last,
      reports: [{ track: 0, packet: sr }],
    });
    s.started();
    expect(order).toEqual(['rtcp 200', 'rtp 8', 'rtp 9']);
    expect(s.burstPackets).toBe(3);
  });
});
