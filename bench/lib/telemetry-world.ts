/**
 * Fake sources and viewers in the shapes the daemon hands telemetry (bench/telemetry.ts,
 * bench/console.ts): `sources` spread over 10 origins, viewers spread over the sources and over
 * /24 networks, half on TCP. With `moving`, byte counters grow with the clock so rates are not 0.
 */
import { EventEmitter } from 'node:events';
import type { LegSnapshot } from '../../src/source/legs.js';
import type { TelemetrySource, TelemetryViewer } from '../../src/telemetry/engine.js';

class FakeLegs extends EventEmitter {
  openingCount = 0;
  constructor(
    private readonly legs: LegSnapshot[],
    private readonly moving: boolean,
  ) {
    super();
  }
  legSnapshots(): LegSnapshot[] {
    if (!this.moving) return this.legs;
    return this.legs.map((l) => ({ ...l, bytes: l.bytes + Date.now() * 50 }));
  }
  mergedLossPct(): number {
    return 0.1;
  }
  canonicalSsrc(): number {
    return 1;
  }
  express(): [] {
    return [];
  }
}

/** Leg `n` (1 = the clock leg) of source `i`. */
export function fakeLeg(i: number, n: number, lossPct: number): LegSnapshot {
  return {
    id: `src-${i}-leg${n}`,
    url: `rtsp://origin-${i % 10}:554/x`,
    transport: 'udp',
    lossPct,
    jitterMs: 2,
    packets: 1000,
    bytes: 1e6,
    aligned: true,
    playing: true,
    clock: n === 1,
  };
}

export function fakeSources(
  count: number,
  legsOf: (i: number) => LegSnapshot[],
  moving = false,
): TelemetrySource[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `src-${i}`,
    pathName: `cam${i}`,
    origin: `rtsp://origin-${i % 10}:554/x`,
    mirrors: [],
    shared: true,
    closed: false,
    packetsOut: 0,
    bytesOut: 0,
    info: { tracks: [{ clockRate: 90000 }, { clockRate: 48000 }] },
    legs: new FakeLegs(legsOf(i), moving),
  }));
}

export function fakeViewers(
  count: number,
  sources: readonly TelemetrySource[],
  moving = false,
): TelemetryViewer[] {
  return Array.from({ length: count }, (_, j) => {
    const src = sources[j % sources.length] as TelemetrySource;
    return {
      id: `viewer-${j}`,
      remoteAddress: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`,
      source: { ...src, kind: 'upstream', pathName: src.pathName, shared: true },
      state: 'playing',
      usesTcp: j % 2 === 0,
      packetsSent: j,
      get bytesSent() {
        return j * 1200 + (moving ? Date.now() * 60 : 0);
      },
      packetsDropped: 0,
      playAt: 0,
      firstPacketAt: 20,
    } as unknown as TelemetryViewer;
  });
}
