/**
 * The status document (`GET /api/status`, `seamd status --json`), built from the telemetry
 * snapshot (pure). Viewer ids are a short digest of the RTSP session id, never the id itself
 * (a session id is a bearer secret on its connection). Figures are rounded to 0.01.
 */
import { createHash } from 'node:crypto';
import type { Finding, NetworkSummary, OriginSummary } from './aggregate.js';
import type { Decision } from './decisions.js';
import type { ProcessFacts } from './process-facts.js';
import type { Snapshot } from './types.js';

export interface StatusLeg {
  id: string;
  url: string;
  origin: string;
  transport: string;
  lossPct: number;
  jitterMs: number;
  kbps: number;
  packets: number;
  bytes: number;
  aligned: boolean;
  playing: boolean;
  clock: boolean;
}

export interface StatusViewer {
  id: string;
  address: string;
  network: string;
  transport: string;
  state: string;
  joinMs: number | null;
  packetsSent: number;
  bytesSent: number;
  packetsDropped: number;
  lossPct: number | null;
  fractionLostPct: number | null;
  cumulativeLost: number | null;
  jitterMs: number | null;
  rttMs: number | null;
  reports: number;
}

export interface StatusSource {
  id: string;
  kind: string;
  path: string | null;
  origin: string;
  originHost: string;
  live: boolean;
  mergedLossPct: number;
  packets: number;
  bytes: number;
  legs: StatusLeg[];
  /** All the source's viewers (`viewers` may be a filtered list: `?viewers=`). */
  viewerCount: number;
  viewers: StatusViewer[];
}

export interface StatusDocument {
  at: string;
  sources: StatusSource[];
  origins: Array<{ origin: string; sources: number; lossPct: number; down: boolean }>;
  networks: Array<{ network: string; viewers: number; lossPct: number | null }>;
  findings: Array<{ trouble: string; subject: string; lossPct: number }>;
  decisions: Array<{
    rule: string;
    action: string;
    trouble: string;
    subject: string;
    lossPct: number;
    sinceSec: number;
  }>;
  /** The daemon's memory and active resources (added by the HTTP route, not buildStatus). */
  process?: ProcessFacts;
}

export interface StatusInput {
  readonly snapshot: Snapshot;
  origins(): OriginSummary[];
  networks(): NetworkSummary[];
  readonly findings: readonly Finding[];
  readonly decisions: readonly Decision[];
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const opt = (x: number | undefined): number | null => (x === undefined ? null : r2(x));

/** A stable, non-secret viewer id: 10 hex digits of SHA-256 of the session id. */
export function viewerId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 10);
}

export function buildStatus(
  input: StatusInput,
  nowMs: number,
  wallNow = new Date(),
): StatusDocument {
  const snap = input.snapshot;
  return {
    at: wallNow.toISOString(),
    sources: snap.sources.map((s) => ({
      id: s.id,
      kind: s.kind,
      path: s.path ?? null,
      origin: s.origin,
      originHost: s.originHost,
      live: s.live,
      mergedLossPct: r2(s.mergedLossPct),
      packets: s.packets,
      bytes: s.bytes,
      legs: s.legs.map((l) => ({
        id: l.id,
        url: l.url,
        origin: l.host,
        transport: l.transport,
        lossPct: r2(l.lossPct),
        jitterMs: r2(l.jitterMs),
        kbps: r2(l.kbps),
        packets: l.packets,
        bytes: l.bytes,
        aligned: l.aligned,
        playing: l.playing,
        clock: l.clock,
      })),
      viewerCount: s.viewers.length,
      viewers: s.viewers.map((v) => ({
        id: viewerId(v.id),
        address: v.address,
        network: v.network,
        transport: v.transport,
        state: v.state,
        joinMs: opt(v.joinMs),
        packetsSent: v.packetsSent,
        bytesSent: v.bytesSent,
        packetsDropped: v.packetsDropped,
        lossPct: opt(v.lossPct),
        fractionLostPct: opt(v.fractionLostPct),
        cumulativeLost: v.cumulativeLost ?? null,
        jitterMs: opt(v.jitterMs),
        rttMs: opt(v.rttMs),
        reports: v.reports,
      })),
    })),
    origins: input.origins().map((o) => ({
      origin: o.host,
      sources: o.sources,
      lossPct: r2(o.lossPct),
      down: o.down,
    })),
    networks: input.networks().map((n) => ({
      network: n.network,
      viewers: n.viewers,
      lossPct: opt(n.lossPct),
    })),
    findings: input.findings.map((f) => ({
      trouble: f.trouble,
      subject: f.subject,
      lossPct: r2(f.lossPct),
    })),
    decisions: input.decisions.map((d) => ({
      rule: d.rule.name,
      action: d.rule.action,
      trouble: d.finding.trouble,
      subject: d.finding.subject,
      lossPct: r2(d.finding.lossPct),
      sinceSec: Math.round((nowMs - d.since) / 1000),
    })),
  };
}
