import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ntpMiddle32, serializeRtcp } from '../../../src/protocol/rtp/rtcp.js';
import { ViewerIntake } from '../../../src/telemetry/intake.js';

class FakeLegs extends EventEmitter {
  canonicalSsrc(track: number): number | undefined {
    return track === 0 ? 0x1111 : 0x2222;
  }
}

function fakeSource(): {
  id: string;
  info: { tracks: Array<{ clockRate: number }> };
  legs: FakeLegs;
} {
  return {
    id: 'src-1',
    info: { tracks: [{ clockRate: 90000 }, { clockRate: 48000 }] },
    legs: new FakeLegs(),
  };
}

const rr = (block: {
  ssrc: number;
  cumulativeLost: number;
  highestSeq: number;
  lsr?: number;
  dlsr?: number;
}) =>
  serializeRtcp([
    {
      type: 'rr',
      ssrc: 0x9999,
      reports: [{ fractionLost: 0, jitter: 450, lsr: 0, dlsr: 0, ...block }],
    },
    { type: 'sdes', chunks: [{ ssrc: 0x9999, items: [{ type: 1, text: 'viewer' }] }] },
  ]);

describe('viewer RTCP intake', () => {
  it('takes the block about the track (canonical SSRC), and RTT from the SRs seamd sent', () => {
    let now = 10_000;
    const intake = new ViewerIntake(10_000, () => now);
    const source = fakeSource();
    intake.watch(source);
    const sr = serializeRtcp([
      {
        type: 'sr',
        ssrc: 0x1111,
        ntpSec: 3_900_000_000,
        ntpFrac: 0x80000000,
        rtpTimestamp: 1,
        packetCount: 1,
        octetCount: 1,
        reports: [],
      },
    ]);
    source.legs.emit('rtcp', 0, sr); // seamd sends this SR to viewers at t = 10 000
    const lsr = ntpMiddle32(3_900_000_000, 0x80000000);
    const viewer = { id: 'session-a', source };
    intake.onViewerRtcp(viewer, 0, rr({ ssrc: 0x1111, cumulativeLost: 0, highestSeq: 1000 }));
    now = 10_300;
    const two = serializeRtcp([
      {
        type: 'rr',
        ssrc: 0x9999,
        reports: [
          {
            ssrc: 0x7777,
            fractionLost: 255,
            cumulativeLost: 999,
            highestSeq: 5,
            jitter: 0,
            lsr: 0,
            dlsr: 0,
          },
          {
            ssrc: 0x1111,
            fractionLost: 5,
            cumulativeLost: 30,
            highestSeq: 2000,
            jitter: 900,
            lsr,
            dlsr: 65536 / 10,
          },
        ],
      },
    ]);
    intake.onViewerRtcp(viewer, 0, two);
    const s = intake.stats('session-a');
    expect(s?.lossPct).toBeCloseTo(3, 5);
    expect(s?.jitterMs).toBeCloseTo(10, 5);
    expect(s?.rttMs).toBeCloseTo(200, 0); // 300 ms since the SR − 100 ms held by the viewer
    expect(intake.reports).toBe(2);
  });

  it('counts and drops malformed RTCP; a playout viewer (no legs) still reports', () => {
    const intake = new ViewerIntake(10_000, () => 0);
    const source = fakeSource();
    intake.onViewerRtcp({ id: 'x', source }, 0, Buffer.from([0x80, 0xc9, 0x00]));
    expect(intake.badRtcp).toBe(1);
    expect(intake.stats('x')).toBeUndefined();
    const playout = { id: 'rec-1', info: source.info };
    intake.onViewerRtcp(
      { id: 'p', source: playout },
      1,
      rr({ ssrc: 5, cumulativeLost: 0, highestSeq: 10 }),
    );
    expect(intake.stats('p')?.reports).toBe(1);
  });

  it('forgets viewers and stops listening to sources that are gone', () => {
    const intake = new ViewerIntake(10_000, () => 0);
    const source = fakeSource();
    intake.onViewerRtcp(
      { id: 'a', source },
      0,
      rr({ ssrc: 0x1111, cumulativeLost: 0, highestSeq: 1 }),
    );
    expect(source.legs.listenerCount('rtcp')).toBe(1);
    intake.prune(new Set(), new Set());
    expect(intake.stats('a')).toBeUndefined();
    expect(source.legs.listenerCount('rtcp')).toBe(0);
  });
});
