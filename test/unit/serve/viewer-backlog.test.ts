/**
 * What a viewer session tells a source that may send as fast as the viewer takes it
 * (`Rate-Control: no`): the TCP connection's queued bytes when all its media rides that
 * connection (plus what the session holds until its PLAY answer is out), nothing (undefined:
 * pace instead) when any track is on UDP or none is set up.
 */
import { describe, expect, it } from 'vitest';
import type { MediaSource } from '../../../src/source/media-source.js';
import { ViewerSession, type ViewerOutput } from '../../../src/serve/viewer.js';

function session(out: Partial<ViewerOutput>): ViewerSession {
  const full: ViewerOutput = {
    sendFrame: () => true,
    sendUdpRtp: () => undefined,
    sendUdpRtcp: () => undefined,
    ...out,
  };
  return new ViewerSession('c1', '127.0.0.1', {} as MediaSource, 'rtsp://x/cam', full);
}

const tcp = (i: number) => ({ kind: 'tcp', rtpChannel: 2 * i, rtcpChannel: 2 * i + 1 }) as const;
const udp = { kind: 'udp', address: '127.0.0.1', rtpPort: 5000, rtcpPort: 5001 } as const;

describe('viewer backlog', () => {
  it('all tracks on TCP: the connection backlog', () => {
    let queued = 1234;
    const s = session({ tcpBacklog: () => queued });
    s.tracks.set(0, tcp(0));
    s.tracks.set(1, tcp(1));
    expect(s.backlogBytes()).toBe(1234);
    queued = 0;
    expect(s.backlogBytes()).toBe(0);
  });

  it('a track on UDP, no track, or an output without a TCP backlog: undefined', () => {
    const mixed = session({ tcpBacklog: () => 0 });
    mixed.tracks.set(0, tcp(0));
    mixed.tracks.set(1, udp);
    expect(mixed.backlogBytes()).toBeUndefined();
    expect(session({ tcpBacklog: () => 0 }).backlogBytes()).toBeUndefined();
    const noBacklog = session({});
    noBacklog.tracks.set(0, tcp(0));
    expect(noBacklog.backlogBytes()).toBeUndefined();
  });

  it('while its PLAY answer is not out, the packets it holds count too', () => {
    const s = session({ tcpBacklog: () => 100 });
    s.tracks.set(0, tcp(0));
    s.beginPlay();
    s.onRtp(0, Buffer.alloc(1000));
    s.onRtp(0, Buffer.alloc(500));
    expect(s.backlogBytes()).toBe(1600);
    s.started();
    expect(s.backlogBytes()).toBe(100);
  });
});
