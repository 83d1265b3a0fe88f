import type { LegView, SourceView, ViewerView } from '../../../src/telemetry/types.js';

export function leg(p: Partial<LegView> & { id: string; host: string }): LegView {
  return {
    url: `rtsp://${p.host}/x`,
    transport: 'udp',
    lossPct: 0,
    jitterMs: 1,
    packets: 500,
    bytes: 500_000,
    kbps: 1000,
    aligned: true,
    playing: true,
    clock: false,
    ...p,
  };
}

export function viewer(p: Partial<ViewerView> & { id: string; network: string }): ViewerView {
  return {
    address: p.network.replace(/\/\d+$/, ''),
    transport: 'udp',
    state: 'playing',
    joinMs: 20,
    packetsSent: 1000,
    bytesSent: 1_000_000,
    packetsDropped: 0,
    lossPct: 0,
    fractionLostPct: 0,
    cumulativeLost: 0,
    jitterMs: 2,
    rttMs: 1,
    reports: 3,
    ...p,
  };
}

export function source(
  p: Partial<SourceView> & { id: string; originHost: string; legs: LegView[] },
): SourceView {
  return {
    kind: 'upstream',
    path: p.id,
    origin: `rtsp://${p.originHost}/x`,
    mirrors: [],
    live: true,
    mergedLossPct: 0,
    legsOpening: 0,
    packets: 1000,
    bytes: 1_000_000,
    viewers: [],
    ...p,
  };
}
