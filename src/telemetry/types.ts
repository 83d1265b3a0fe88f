/**
 * What telemetry sees at one instant: every source with its legs and viewers. The collector
 * (collect.ts) builds it from the running daemon; the aggregator, the status API and the
 * metrics read it. Plain data, no behaviour.
 */

export type ViewerPhase = 'joining' | 'playing' | 'paused';

export interface LegView {
  readonly id: string;
  readonly url: string;
  /** The origin `url` names: `host:port` (see originOfUrl). */
  readonly host: string;
  readonly transport: 'udp' | 'tcp' | 'unknown';
  /** Over seam.windowSec, the worst track. */
  readonly lossPct: number;
  readonly jitterMs: number;
  readonly packets: number;
  readonly bytes: number;
  /** Received bit rate since the previous snapshot (0 for the first). */
  readonly kbps: number;
  readonly aligned: boolean;
  readonly playing: boolean;
  /** The leg whose sender reports viewers get (RTCP clock). */
  readonly clock: boolean;
}

export interface ViewerView {
  readonly id: string;
  readonly address: string;
  /** `address` folded to telemetry.viewerPrefixV4/V6. */
  readonly network: string;
  readonly transport: 'udp' | 'tcp';
  readonly state: ViewerPhase;
  /** PLAY to the first packet sent, once known. */
  readonly joinMs: number | undefined;
  readonly packetsSent: number;
  readonly bytesSent: number;
  readonly packetsDropped: number;
  /** From the viewer's receiver reports (undefined before the first one). */
  readonly lossPct: number | undefined;
  readonly fractionLostPct: number | undefined;
  readonly cumulativeLost: number | undefined;
  readonly jitterMs: number | undefined;
  readonly rttMs: number | undefined;
  readonly reports: number;
}

export interface SourceView {
  readonly id: string;
  /** `upstream`: legs to the origin; `recording`: a playout of a recording (no legs). */
  readonly kind: 'upstream' | 'recording';
  readonly path: string | undefined;
  readonly origin: string;
  /** `host:port` of the origin URL (see originOfUrl). */
  readonly originHost: string;
  readonly mirrors: readonly string[];
  readonly live: boolean;
  /** The stream viewers get, over seam.windowSec. */
  readonly mergedLossPct: number;
  readonly legsOpening: number;
  readonly packets: number;
  readonly bytes: number;
  readonly legs: readonly LegView[];
  readonly viewers: readonly ViewerView[];
}

export interface Snapshot {
  /** Clock of the snapshot (ms, the telemetry clock). */
  readonly at: number;
  readonly sources: readonly SourceView[];
}

/** `host:port` → host (brackets removed). */
export function hostPart(origin: string): string {
  const i = origin.lastIndexOf(':');
  const host = i > 0 && /^\d+$/.test(origin.slice(i + 1)) ? origin.slice(0, i) : origin;
  return host.replace(/^\[|\]$/g, '');
}
