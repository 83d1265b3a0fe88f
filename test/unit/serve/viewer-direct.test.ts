/**
 * A playing UDP viewer's RTP through a connected sender (front.ts opens one per track): used
 * while the track keeps the transport it was opened for, counted like any send, and dropped
 * back to the shared socket when the session lets go of it.
 */
import { describe, expect, it } from 'vitest';
import type { MediaSource } from '../../../src/source/media-source.js';
import type { ViewerTransport } from '../../../src/serve/negotiate.js';
import { ViewerSession } from '../../../src/serve/viewer.js';
import { rtpPacket } from '../../helpers/rtp.js';

function playing(): { s: ViewerSession; shared: number[]; t: ViewerTransport } {
  const shared: number[] = [];
  const out = {
    sendFrame: () => true,
    sendUdpRtp: (p: Buffer) => void shared.push(p.readUInt16BE(2)),
    sendUdpRtcp: () => undefined,
  };
  const s = new ViewerSession('c1', '127.0.0.1', {} as MediaSource, 'rtsp://x/cam', out);
  const t: ViewerTransport = { kind: 'udp', address: '127.0.0.1', rtpPort: 5000, rtcpPort: 5001 };
  s.tracks.set(0, t);
  s.beginPlay();
  s.started();
  return { s, shared, t };
}

const pkt = (seq: number): Buffer => rtpPacket({ seq, ts: seq * 100 });

describe('connected RTP sender of a viewer session', () => {
  it('carries the track while it has the transport the sender was opened for', () => {
    const { s, shared, t } = playing();
    const direct: number[] = [];
    s.onRtp(0, pkt(1));
    s.useDirectRtp(0, t, (p) => void direct.push(p.readUInt16BE(2)));
    s.onRtp(0, pkt(2));
    s.onRtp(0, pkt(3));
    expect(shared).toEqual([1]);
    expect(direct).toEqual([2, 3]);
    expect(s.packetsSent).toBe(3);
  });

  it('a new transport on the track (SETUP while paused) goes back to the shared socket', () => {
    const { s, shared, t } = playing();
    const direct: number[] = [];
    s.useDirectRtp(0, t, (p) => void direct.push(p.readUInt16BE(2)));
    s.tracks.set(0, { kind: 'udp', address: '127.0.0.1', rtpPort: 6000, rtcpPort: 6001 });
    s.onRtp(0, pkt(4));
    expect(direct).toEqual([]);
    expect(shared).toEqual([4]);
  });

  it('after dropDirectRtp the shared socket carries it again', () => {
    const { s, shared, t } = playing();
    const direct: number[] = [];
    s.useDirectRtp(0, t, (p) => void direct.push(p.readUInt16BE(2)));
    s.onRtp(0, pkt(5));
    s.dropDirectRtp();
    s.onRtp(0, pkt(6));
    expect(direct).toEqual([5]);
    expect(shared).toEqual([6]);
  });
});
