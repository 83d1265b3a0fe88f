/**
 * One upstream leg as the LegSet keeps it (its loss monitors, whether it plays), what telemetry
 * reads of it, and the small pure helpers around them.
 */
import type { SeamConfig } from '../seam/config.js';
import type { LossModel } from '../seam/loss-model.js';
import { LossMonitor } from '../seam/loss-monitor.js';
import type { SeamerOptions } from '../seam/seamer.js';
import { rtpSeq, rtpTimestamp } from '../protocol/rtp/rtp.js';
import type { Leg } from '../upstream/leg.js';

export interface LegEntry {
  readonly leg: Leg;
  readonly index: number;
  readonly url: string;
  readonly openedAt: number;
  readonly monitors: LossMonitor[];
  readonly loss: LossModel | undefined;
  playing: boolean;
}

export interface LegSnapshot {
  readonly id: string;
  readonly url: string;
  readonly transport: 'udp' | 'tcp' | 'unknown';
  readonly lossPct: number;
  readonly jitterMs: number;
  readonly packets: number;
  readonly bytes: number;
  readonly aligned: boolean;
  readonly playing: boolean;
  /** Viewers get this leg's sender reports. */
  readonly clock: boolean;
}

/** Why a leg is opened: a policy decision, or a telemetry rule (`rule`). */
export interface OpenRequest {
  readonly reason: string;
  readonly lossPct: number;
  readonly threshold: number;
  readonly legsNow: number;
  readonly trigger?: string | undefined;
  readonly rule?: string | undefined;
}

/** Worst window loss over the leg's tracks. */
export function legLoss(e: LegEntry, now: number): number {
  return Math.max(0, ...e.monitors.map((m) => m.stats(now).lossPct));
}

/** What telemetry reads of a leg (worst track's loss and jitter; totals since it opened). */
export function snapshotOf(
  e: LegEntry,
  now: number,
  aligned: boolean,
  clock: boolean,
): LegSnapshot {
  const stats = e.monitors.map((m) => m.stats(now));
  return {
    id: e.leg.id,
    url: e.url,
    transport: e.leg.transport ?? 'unknown',
    lossPct: Math.max(0, ...stats.map((st) => st.lossPct)),
    jitterMs: Math.max(0, ...stats.map((st) => st.jitterMs)),
    packets: stats.reduce((n, st) => n + st.packets, 0),
    bytes: stats.reduce((n, st) => n + st.bytes, 0),
    aligned,
    playing: e.playing,
    clock,
  };
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function policyConfig(s: SeamConfig) {
  return {
    minLegs: s.minLegs,
    maxLegs: s.maxLegs,
    openLossPct: s.openLossPct,
    closeLossPct: s.closeLossPct,
    holdMs: s.holdSec * 1000,
    openCooldownMs: s.openCooldownSec * 1000,
  };
}

export function seamerConfig(
  s: SeamConfig,
  tracks: ReadonlyArray<{ readonly clockRate: number }>,
): SeamerOptions {
  return {
    tracks: tracks.length,
    clockRates: tracks.map((t) => t.clockRate),
    alignRun: s.alignRun,
    gapTimeoutMs: s.gapTimeoutMs,
    reorderWindowMs: s.reorderWindowMs,
  };
}

/** The merged stream as viewers get it: its loss per track over the window, and its gaps. */
export class MergedLoss {
  private readonly monitors: LossMonitor[];
  /** Packets no leg delivered. */
  gaps = 0;

  constructor(tracks: ReadonlyArray<{ readonly clockRate: number }>, windowMs: number) {
    this.monitors = tracks.map((t) => new LossMonitor({ clockRate: t.clockRate, windowMs }));
  }

  onPacket(track: number, packet: Buffer, now: number): void {
    this.monitors[track]?.onPacket(rtpSeq(packet), rtpTimestamp(packet), packet.length, now);
  }

  /** Worst track's window loss. */
  lossPct(now: number): number {
    return Math.max(0, ...this.monitors.map((m) => m.stats(now).lossPct));
  }
}
