/**
 * The upstream legs of one source and the seaming between them: every leg's
 * packets go through its loss monitors into the Seamer, which maps them into canonical space and
 * lets the first arrival through; the policy opens a leg when one gets lossy and closes extra
 * legs once the merged stream has been healthy long enough. Emits canonical packets and the
 * RTCP viewers need (sender reports mapped into canonical space, one BYE per track).
 */
import { RuntimeError, UpstreamError } from '../errors.js';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { SeamConfig } from '../seam/config.js';
import { rtpSeq, rtpTimestamp } from '../protocol/rtp/rtp.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import { LossMonitor } from '../seam/loss-monitor.js';
import type { LossModel } from '../seam/loss-model.js';
import { LegPolicy, type LegIntent, type PolicyDecision } from '../seam/policy.js';
import { Seamer, type SeamEvent } from '../seam/seamer.js';
import type { Leg } from '../upstream/leg.js';
import { originOfUrl } from '../upstream/url.js';
import { incompatible, optsFor, playWithFallback } from './leg-play.js';
import { RtcpRelay } from './rtcp-relay.js';
import {
  legLoss,
  policyConfig,
  round,
  snapshotOf,
  type LegEntry,
  type LegSnapshot,
  type OpenRequest,
} from './leg-entry.js';
import { logLegClose, logSeamEvent } from './seam-log.js';
import { Timeline, type CanonicalStart } from './timeline.js';
import { logEvent } from '../events.js';

export type { CanonicalStart } from './timeline.js';
export type { LegSnapshot } from './leg-entry.js';

export interface LegSetOptions {
  readonly sourceId: string;
  readonly log: Logger;
  readonly info: SdpInfo;
  /** The origin URL first, then mirrors: extra legs go to mirrors in turn, else the origin. */
  readonly urls: readonly string[];
  readonly seam: SeamConfig;
  readonly createLeg: (id: string, url: string) => Leg;
  /** Loss injected behind the socket interface, per leg (tests, drills). */
  readonly lossFor?: ((legIndex: number) => LossModel | undefined) | undefined;
  readonly now?: () => number;
}

const TICK_MS = 100;
/** Silence from every leg that, at the end of an on-demand range, means the stream is over. */
const END_SILENCE_MS = 2000;
const POLICY_EVERY_TICKS = 5;

export interface LegSetEvents {
  packet: [track: number, packet: Buffer];
  rtcp: [track: number, packet: Buffer];
  /** The last leg is gone. */
  closed: [reason: Error | undefined];
}

export class LegSet extends EventEmitter<LegSetEvents> {
  private readonly entries = new Map<string, LegEntry>();
  private readonly seamer: Seamer;
  private readonly policy: LegPolicy;
  private readonly merged: LossMonitor[];
  private readonly rtcp: RtcpRelay;
  private readonly now: () => number;
  private readonly windowMs: number;
  private opening = 0;
  private nextIndex = 0;
  private mode: 'idle' | 'playing' | 'paused' | 'closed' = 'idle';
  private live = false;
  private readonly timeline: Timeline;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private intents: readonly LegIntent[] = [];
  /** When a leg last delivered a packet (this.now() clock). */
  private lastPacketAt = 0;
  gaps = 0;

  constructor(
    private readonly opts: LegSetOptions,
    primary: Leg,
  ) {
    super();
    this.now = opts.now ?? (() => performance.now());
    this.windowMs = opts.seam.windowSec * 1000;
    const tracks = opts.info.tracks;
    this.seamer = new Seamer({
      tracks: tracks.length,
      clockRates: tracks.map((t) => t.clockRate),
      alignRun: opts.seam.alignRun,
      gapTimeoutMs: opts.seam.gapTimeoutMs,
      reorderWindowMs: opts.seam.reorderWindowMs,
    });
    this.policy = new LegPolicy(policyConfig(opts.seam));
    this.timeline = new Timeline(tracks, this.seamer);
    this.merged = tracks.map(
      (t) => new LossMonitor({ clockRate: t.clockRate, windowMs: this.windowMs }),
    );
    this.rtcp = new RtcpRelay({
      tracks: tracks.length,
      seamer: this.seamer,
      clockLeg: () => this.clockLeg()?.leg.id,
      activeLegs: () => [...this.entries.values()].filter((e) => e.playing).map((e) => e.leg.id),
      emit: (track, packet) => this.emit('rtcp', track, packet),
    });
    this.attach(primary, opts.urls[0] ?? primary.url, this.nextIndex++);
    logEvent(
      opts.log,
      'info',
      'leg.open',
      { source: opts.sourceId, leg: primary.id, url: primary.url, reason: 'first', legs: 1 },
      'first upstream leg',
    );
  }

  get legCount(): number {
    return this.entries.size;
  }

  mergedLossPct(): number {
    const now = this.now();
    return Math.max(0, ...this.merged.map((m) => m.stats(now).lossPct));
  }

  lastOutput(track: number): { seq: number; ts: number } | undefined {
    return this.seamer.lastOutput(track);
  }

  canonicalSsrc(track: number): number | undefined {
    return this.seamer.canonicalSsrc(track);
  }

  /**
   * What telemetry reads of the legs (read-only): per leg its URL, transport, window loss and
   * jitter (worst track), packets and bytes since it opened, alignment, and which one is the
   * RTCP clock leg.
   */
  legSnapshots(): LegSnapshot[] {
    const now = this.now();
    const clock = this.clockLeg();
    return [...this.entries.values()].map((e) =>
      snapshotOf(
        e,
        now,
        this.seamer.legStats(e.leg.id)?.aligned.every(Boolean) ?? false,
        e === clock,
      ),
    );
  }

  /** Legs being opened right now (not in legSnapshots yet). */
  get openingCount(): number {
    return this.opening;
  }

  /**
   * What telemetry wants of these legs now (replacing what it wanted before). The policy decides
   * on them at once while playing, and on every policy tick after; returns what it decided now.
   */
  express(intents: readonly LegIntent[]): PolicyDecision[] {
    this.intents = intents;
    return this.mode === 'playing' ? this.decide(this.now()) : [];
  }

  /** The RTCP clock leg: the lowest-numbered playing leg aligned on every track, else primary. */
  private clockLeg(): LegEntry | undefined {
    let best: LegEntry | undefined;
    for (const e of this.entries.values()) {
      if (
        !e.playing ||
        !(e === this.primary || this.seamer.legStats(e.leg.id)?.aligned.every(Boolean))
      )
        continue;
      if (!best || e.index < best.index) best = e;
    }
    return best ?? this.primary;
  }

  private get primary(): LegEntry | undefined {
    let best: LegEntry | undefined;
    for (const e of this.entries.values()) if (!best || e.index < best.index) best = e;
    return best;
  }

  /**
   * SETUP the first leg, and open the legs `seam.minLegs` asks for now, so that they all start
   * with the first PLAY (redundant from the first packet, like SMPTE 2022-7).
   */
  async setup(): Promise<void> {
    const p = this.primary;
    if (!p) throw new RuntimeError('INVALID_STATE', 'no upstream leg');
    await p.leg.setup();
    const extra = Math.max(0, this.opts.seam.minLegs - 1);
    await Promise.all(
      Array.from({ length: extra }, (_, i) =>
        this.openLeg({
          reason: 'min-legs',
          lossPct: 0,
          threshold: this.opts.seam.openLossPct,
          legsNow: 1 + i,
        }),
      ),
    );
  }

  /** PLAY every leg (on-demand: all with the same Range, so they stay on one timeline). */
  async play(range: string | undefined, live: boolean): Promise<CanonicalStart> {
    const lead = this.primary;
    if (!lead) throw new RuntimeError('INVALID_STATE', 'no upstream leg');
    this.mode = 'playing';
    this.live = live;
    this.rtcp.reset();
    const answer = await playWithFallback(lead.leg, live ? {} : optsFor(range));
    lead.playing = true;
    const start = this.timeline.start(lead.leg.id, answer);
    const others = [...this.entries.values()].filter((e) => e !== lead);
    const otherRange = live ? undefined : range;
    await Promise.all(others.map((e) => this.startLeg(e, otherRange).catch(() => undefined)));
    this.startTimer();
    return start;
  }

  async pause(): Promise<void> {
    this.mode = 'paused';
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        if (!e.playing) return;
        e.playing = false;
        await e.leg
          .pause()
          .catch((err: unknown) => e.leg.close(err instanceof Error ? err : undefined));
      }),
    );
  }

  /** TEARDOWN every leg; resolves when they answered or gave up. */
  async close(): Promise<void> {
    if (this.mode === 'closed') return;
    this.mode = 'closed';
    if (this.timer) clearInterval(this.timer);
    const legs = [...this.entries.values()];
    for (const e of legs) {
      const contributed = this.detach(e)?.contributed ?? 0;
      logLegClose(this.opts.log, 'info', 'closing upstream leg: source closed', {
        source: this.opts.sourceId,
        leg: e.leg.id,
        reason: 'source closed',
        contributed,
        legs: 0,
      });
    }
    await Promise.all(legs.map((e) => e.leg.teardown().catch(() => undefined)));
  }

  // ---- legs ----

  private attach(leg: Leg, url: string, index: number): LegEntry {
    const entry: LegEntry = {
      leg,
      index,
      url,
      openedAt: this.now(),
      monitors: this.opts.info.tracks.map(
        (t) => new LossMonitor({ clockRate: t.clockRate, windowMs: this.windowMs }),
      ),
      loss: this.opts.lossFor?.(index),
      playing: false,
    };
    this.entries.set(leg.id, entry);
    this.seamer.addLeg(leg.id);
    leg.on('rtp', (track, packet) => this.onRtp(entry, track, packet));
    leg.on('rtcp', (track, packet) => this.rtcp.fromLeg(leg.id, track, packet, this.now()));
    leg.on('closed', (reason) => this.onLegClosed(entry, reason));
    return entry;
  }

  private onRtp(entry: LegEntry, track: number, packet: Buffer): void {
    if (packet.length < 12 || entry.loss?.drop()) return;
    const now = this.now();
    this.lastPacketAt = now;
    entry.monitors[track]?.onPacket(rtpSeq(packet), rtpTimestamp(packet), packet.length, now);
    this.handle(this.seamer.push(entry.leg.id, track, packet, now), now);
  }

  private handle(events: SeamEvent[], now: number): void {
    for (const ev of events) {
      switch (ev.kind) {
        case 'packet':
          this.merged[ev.track]?.onPacket(
            rtpSeq(ev.packet),
            rtpTimestamp(ev.packet),
            ev.packet.length,
            now,
          );
          this.rtcp.countOutput(ev.track, ev.packet);
          this.emit('packet', ev.track, ev.packet);
          break;
        case 'gap':
          this.gaps += ev.toExt - ev.fromExt + 1;
          logSeamEvent(this.opts.log, this.opts.sourceId, ev);
          break;
        case 'unaligned': {
          logSeamEvent(this.opts.log, this.opts.sourceId, ev);
          const e = this.entries.get(ev.leg);
          if (e && e !== this.primary) this.closeLeg(e, 'unaligned', legLoss(e, now));
          break;
        }
        default:
          logSeamEvent(this.opts.log, this.opts.sourceId, ev);
      }
    }
  }

  /** Takes a leg out of the set and the merge; undefined if it was not in. */
  private detach(entry: LegEntry): { contributed: number } | undefined {
    if (!this.entries.delete(entry.leg.id)) return undefined;
    const stats = this.seamer.legStats(entry.leg.id);
    this.seamer.removeLeg(entry.leg.id);
    return { contributed: stats ? stats.contributed.reduce((a, b) => a + b, 0) : 0 };
  }

  private onLegClosed(entry: LegEntry, reason: Error | undefined): void {
    const detached = this.detach(entry);
    if (!detached || this.mode === 'closed') return;
    logLegClose(this.opts.log, 'warn', 'upstream leg ended', {
      source: this.opts.sourceId,
      leg: entry.leg.id,
      reason: reason ? `lost: ${reason.message}` : 'closed',
      lossPct: round(legLoss(entry, this.now())),
      contributed: detached.contributed,
      legs: this.entries.size,
    });
    if (this.entries.size === 0 && this.opening === 0) {
      this.mode = 'closed';
      if (this.timer) clearInterval(this.timer);
      this.emit('closed', reason);
    }
  }

  private closeLeg(entry: LegEntry, reason: string, lossPct: number): void {
    const detached = this.detach(entry);
    if (!detached) return;
    logLegClose(this.opts.log, 'info', `closing upstream leg: ${reason}`, {
      source: this.opts.sourceId,
      leg: entry.leg.id,
      url: entry.url,
      reason,
      lossPct: round(lossPct),
      threshold: this.opts.seam.closeLossPct,
      mergedLossPct: round(this.mergedLossPct()),
      contributed: detached.contributed,
      legs: this.entries.size,
    });
    void entry.leg.teardown().catch(() => undefined);
  }

  private async openLeg(d: OpenRequest, to?: string): Promise<void> {
    const index = this.nextIndex++;
    const mirrors = this.opts.urls.slice(1);
    const url =
      to ??
      (mirrors.length > 0
        ? (mirrors[(index - 1) % mirrors.length] ?? '')
        : (this.opts.urls[0] ?? ''));
    const id = `${this.opts.sourceId}-leg${index + 1}`;
    logEvent(
      this.opts.log,
      'info',
      'leg.open',
      {
        source: this.opts.sourceId,
        leg: id,
        url,
        reason: d.reason,
        lossPct: round(d.lossPct),
        threshold: d.threshold,
        trigger: d.trigger,
        rule: d.rule,
        legs: d.legsNow + 1,
      },
      `opening upstream leg: ${d.reason}`,
    );
    this.opening++;
    const leg = this.opts.createLeg(id, url);
    try {
      const described = await leg.describe();
      const why = incompatible(this.opts.info, described.info);
      if (why) throw new UpstreamError('UPSTREAM_CONTENT_MISMATCH', `different content: ${why}`);
      await leg.setup();
      if (this.mode === 'closed') {
        await leg.teardown();
        return;
      }
      const entry = this.attach(leg, url, index);
      if (this.mode === 'playing') await this.startLeg(entry, this.resumeRange());
    } catch (err) {
      logLegClose(this.opts.log, 'warn', 'extra upstream leg could not be opened', {
        source: this.opts.sourceId,
        leg: id,
        url,
        reason: `open failed: ${(err as Error).message}`,
      });
      leg.close(err instanceof Error ? err : undefined);
    } finally {
      this.opening--;
    }
  }

  private async startLeg(entry: LegEntry, range: string | undefined): Promise<void> {
    const answer = await playWithFallback(entry.leg, optsFor(range));
    entry.playing = true;
    logEvent(
      this.opts.log,
      'info',
      'leg.play',
      { source: this.opts.sourceId, leg: entry.leg.id, asked: range, answered: answer.range },
      'extra upstream leg playing',
    );
  }

  /** Where a new leg starts: the live edge, or (on-demand) where the viewers are now. */
  private resumeRange(): string | undefined {
    if (this.live) return undefined;
    return `npt=${this.timeline.resumeNpt().toFixed(3)}-`;
  }

  // ---- timer: seamer tick (gaps, reorder window) and policy ----

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /**
   * On-demand content whose every BYE was lost upstream (UDP): once the legs have been silent
   * for END_SILENCE_MS with playback at the end of the SDP range, end the stream for viewers.
   */
  private endIfOver(now: number): void {
    const end = this.opts.info.range?.end;
    if (this.live || this.mode !== 'playing' || end === undefined || this.lastPacketAt === 0)
      return;
    if (now - this.lastPacketAt < END_SILENCE_MS) return;
    if (this.timeline.positionNpt() >= end - 0.5) this.rtcp.endAll();
  }

  private tick(): void {
    const now = this.now();
    this.handle(this.seamer.tick(now), now);
    this.rtcp.tick(now);
    this.endIfOver(now);
    if (++this.ticks % POLICY_EVERY_TICKS !== 0 || this.mode !== 'playing') return;
    this.decide(now);
  }

  /** One policy round over the legs and telemetry's intents; carries out what it decides. */
  private decide(now: number): PolicyDecision[] {
    const legs = [...this.entries.values()].map((e) => {
      const stats = this.seamer.legStats(e.leg.id);
      return {
        id: e.leg.id,
        lossPct: legLoss(e, now),
        openedAtMs: e.openedAt,
        aligned: stats ? stats.aligned.every(Boolean) : false,
        packets: e.monitors.reduce((n, m) => n + m.stats(now).packets, 0),
        primary: e === this.primary,
        origin: originOfUrl(e.url),
      };
    });
    const decisions = this.policy.decide({
      nowMs: now,
      legs,
      opening: this.opening,
      mergedLossPct: this.mergedLossPct(),
      intents: this.intents,
    });
    for (const d of decisions) {
      if (d.action === 'open') void this.openLeg(d, d.url);
      else {
        const e = this.entries.get(d.leg);
        const reason = d.rule !== undefined ? `${d.reason}: rule ${d.rule}` : d.reason;
        if (e) this.closeLeg(e, reason, d.lossPct);
      }
    }
    return decisions;
  }
}
