/**
 * A fast start's burst to a UDP viewer goes out in slices (a GOP of hundreds of packets at once
 * overflows a default-sized receive buffer before the player reads), with the live packets that
 * arrive meanwhile queued behind it; a TCP viewer gets it at once (TCP paces itself).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GopBurst } from '../../../src/source/gop-cache.js';
import type { MediaSource } from '../../../src/source/media-source.js';
import {
  UDP_SLICE_BYTES,
  UDP_SLICE_MS,
  ViewerSession,
  type ViewerOutput,
} from '../../../src/serve/viewer.js';

function packet(seq: number, size = 1200): Buffer {
  const b = Buffer.alloc(12 + size);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  return b;
}

function session(kind: 'udp' | 'tcp'): { s: ViewerSession; sent: number[] } {
  const sent: number[] = [];
  const out: ViewerOutput = {
    sendFrame: (channel, p) => {
      if (channel % 2 === 0) sent.push(p.readUInt16BE(2));
      return true;
    },
    sendUdpRtp: (p) => void sent.push(p.readUInt16BE(2)),
    sendUdpRtcp: () => undefined,
  };
  const s = new ViewerSession('c1', '127.0.0.1', {} as MediaSource, 'rtsp://x/live', out);
  s.tracks.set(
    0,
    kind === 'udp'
      ? { kind: 'udp', address: '127.0.0.1', rtpPort: 5000, rtcpPort: 5001 }
      : { kind: 'tcp', rtpChannel: 0, rtcpChannel: 1 },
  );
  return { s, sent };
}

function burst(n: number): GopBurst {
  const packets = Array.from({ length: n }, (_, i) => ({ track: 0, packet: packet(i) }));
  return {
    packets,
    tracks: [{ seq: 0, rtptime: 0 }],
    last: packets[n - 1]?.packet ?? packet(0),
    reports: [],
  };
}

describe('fast-start burst', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('UDP: a slice at a time, live packets behind the burst, every packet in order', () => {
    const { s, sent } = session('udp');
    s.beginPlay();
    s.prime(burst(500));
    s.started();
    const perSlice = Math.ceil(UDP_SLICE_BYTES / 1212);
    expect(sent.length).toBe(perSlice);
    // Live packets arriving while the burst goes out wait for it.
    s.onRtp(0, packet(500));
    s.onRtp(0, packet(501));
    expect(sent.length).toBe(perSlice);
    vi.advanceTimersByTime(UDP_SLICE_MS);
    expect(sent.length).toBe(2 * perSlice);
    vi.advanceTimersByTime(UDP_SLICE_MS * 20);
    expect(sent).toEqual(Array.from({ length: 502 }, (_, i) => i));
    // Once the burst is out, live packets go straight through.
    s.onRtp(0, packet(502));
    expect(sent.at(-1)).toBe(502);
    expect(s.packetsSent).toBe(503);
  });

  it('UDP: a new PLAY or a close drops what was still to go', () => {
    const { s, sent } = session('udp');
    s.beginPlay();
    s.prime(burst(500));
    s.started();
    const first = sent.length;
    s.close();
    vi.advanceTimersByTime(1000);
    expect(sent.length).toBe(first);
  });

  it('TCP: the whole burst at once', () => {
    const { s, sent } = session('tcp');
    s.beginPlay();
    s.prime(burst(500));
    s.started();
    expect(sent.length).toBe(500);
    s.onRtp(0, packet(500));
    expect(sent.length).toBe(501);
  });
});
