import { describe, expect, it } from 'vitest';
import { parseRtcp } from '../../../src/protocol/rtp/rtcp.js';
import { byePacket, RtcpRelay } from '../../../src/source/rtcp-relay.js';
import { byeRtcp, rtpPacket, srPacket } from '../../helpers/rtp.js';

const CANON = [0xaaaa0001, 0xaaaa0002];

function relay(active: string[], clock = 'L1') {
  const out: Array<[number, Buffer]> = [];
  const r = new RtcpRelay({
    tracks: 2,
    seamer: {
      canonicalSsrc: (t) => CANON[t],
      // L1 is the reference (offset 0); L2 runs 1000 ticks ahead; L3 is not aligned.
      mapTimestamp: (leg, _t, ts) =>
        leg === 'L1' ? ts : leg === 'L2' ? (ts - 1000) >>> 0 : undefined,
    },
    clockLeg: () => clock,
    activeLegs: () => active,
    emit: (t, p) => out.push([t, p]),
  });
  return { r, out };
}

const sr = (ssrc: number, rtpTimestamp: number) =>
  srPacket({
    ssrc,
    ntpSec: 3900000000,
    ntpFrac: 0x80000000,
    rtpTimestamp,
    packetCount: 9,
    octetCount: 99,
    cname: 'origin',
  });
const bye = (ssrc: number) => byeRtcp([ssrc], { compound: true });

describe('RtcpRelay', () => {
  it("maps the clock leg's sender report into canonical space with seamd's own counts", () => {
    const { r, out } = relay(['L1', 'L2']);
    const packet = rtpPacket({ seq: 1, ts: 5, ssrc: 7, payload: Buffer.alloc(100) });
    r.countOutput(0, packet);
    r.countOutput(0, packet);
    r.fromLeg('L1', 0, sr(0x1234, 777), 0);
    expect(out).toHaveLength(1);
    const [first, sdes] = parseRtcp(out[0]?.[1] ?? Buffer.alloc(0));
    expect(first).toMatchObject({
      type: 'sr',
      ssrc: CANON[0],
      rtpTimestamp: 777,
      ntpSec: 3900000000,
      packetCount: 2,
      octetCount: 200,
    });
    expect(sdes).toMatchObject({ type: 'sdes' });
  });

  it('ignores reports from other legs (their NTP/RTP pairing may differ) and unaligned ones', () => {
    const { r, out } = relay(['L1', 'L2'], 'L2');
    r.fromLeg('L1', 0, sr(1, 10), 0);
    expect(out).toHaveLength(0);
    r.fromLeg('L2', 1, sr(2, 5000), 0);
    expect(parseRtcp(out[0]?.[1] ?? Buffer.alloc(0))[0]).toMatchObject({
      ssrc: CANON[1],
      rtpTimestamp: 4000,
    });
    const { r: r3, out: out3 } = relay(['L3'], 'L3');
    r3.fromLeg('L3', 0, sr(3, 10), 0);
    expect(out3).toHaveLength(0);
  });

  it('one BYE per track: when every playing leg sent one, or byeWaitMs after the first', () => {
    const { r, out } = relay(['L1', 'L2']);
    r.fromLeg('L1', 0, bye(1), 1000);
    expect(out).toHaveLength(0);
    r.fromLeg('L2', 0, bye(2), 1100);
    expect(out).toHaveLength(1);
    r.fromLeg('L1', 0, bye(1), 1200); // a repeat changes nothing
    r.fromLeg('L1', 1, bye(1), 2000);
    r.tick(3000);
    expect(out).toHaveLength(1);
    r.tick(3500);
    expect(out.map(([t]) => t)).toEqual([0, 1]);
    // A new PLAY (seek) starts over.
    r.reset();
    r.fromLeg('L1', 0, bye(1), 4000);
    r.fromLeg('L2', 0, bye(2), 4000);
    expect(out).toHaveLength(3);
  });

  it("a track whose BYE was lost everywhere ends 2 s after another track's", () => {
    const { r, out } = relay(['L1']);
    r.fromLeg('L1', 0, bye(1), 1000); // track 0 ends; track 1's BYE never comes
    expect(out.map(([t]) => t)).toEqual([0]);
    r.tick(3000);
    expect(out).toHaveLength(1);
    r.tick(4600);
    expect(out.map(([t]) => t)).toEqual([0, 1]);
    r.tick(9000);
    expect(out).toHaveLength(2);
  });

  it('endAll ends every track once', () => {
    const { r, out } = relay(['L1']);
    r.endAll();
    r.endAll();
    expect(out.map(([t]) => t)).toEqual([0, 1]);
    expect(parseRtcp(out[0]?.[1] ?? Buffer.alloc(0)).map((p) => p.type)).toEqual([
      'rr',
      'sdes',
      'bye',
    ]);
  });

  it('malformed RTCP from upstream is dropped, not relayed', () => {
    const { r, out } = relay(['L1']);
    r.fromLeg('L1', 0, Buffer.from([0x80, 200, 0, 50]), 0);
    expect(out).toHaveLength(0);
  });
});

describe('byePacket', () => {
  it('is a compound packet starting with a report, at least 12 bytes (ffmpeg drops shorter)', () => {
    const p = byePacket(0xdeadbeef, 'origin gone');
    expect(p.length).toBeGreaterThanOrEqual(12);
    const parsed = parseRtcp(p);
    expect(parsed.map((x) => x.type)).toEqual(['rr', 'sdes', 'bye']);
    expect(parsed[2]).toMatchObject({ ssrcs: [0xdeadbeef], reason: 'origin gone' });
  });
});
