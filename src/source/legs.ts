/**
 * The upstream legs of one source and the seaming between them: every leg's
 * packets go through its loss monitors into the Seamer, which maps them into canonical space and
 * lets the first arrival through; the policy opens a leg when one gets lossy and closes extra
 * legs once the merged stream has been healthy long enough. Emits canonical packets and the
 * RTCP viewers need (sender reports mapped into canonical space, one BYE per track).
 */
import { UpstreamError } from '../errors.js';
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
import { optsFor, playWithFallback } from './leg-play.js';
import { openExtraLeg } from './leg-open.js';
import { RtcpRelay } from './rtcp-relay.js';
import {
  legLoss,
  MergedLoss,
  policyConfig,
  seamerConfig,
  round,
  type LegEntry,
  type LegSnapshot,
  type OpenRequest,
} from './leg-entry.js';
import { LegBook } from './leg-book.js';
import { logLegClose, logLegOpen, logSeamEvent } from './seam-log.js';
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
const POLICY_EVERY_TICKS = 5;

export interface LegSetEvents {
  packet: [track: number, packet: Buffer];
  rtcp: [track: number, packet: Buffer];
  /** The last leg is gone. */
  closed: [reason: Error | undefined];
}

export class LegSet extends EventEmitter<LegSetEvents> {
  private readonly entries: LegBook;
  private readonly seamer: Seamer;
  private readonly policy: LegPolicy;
  private readonly merged: MergedLoss;
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

  constructor(
    private readonly opts: LegSetOptions,
    primary: Leg,
  ) {
    super();
    this.now = opts.now ?? (() => performance.now());
    this.windowMs = opts.seam.windowSec * 1000;
    const tracks = opts.info.tracks;
    this.seamer = new Seamer(seamerConfig(opts.seam, tracks));
    this.entries = new LegBook(this.seamer);
    this.policy = new LegPolicy(policyConfig(opts.seam));
    this.timeline = new Timeline(tracks, this.seamer, opts.info.range?.end);
    this.merged = new MergedLoss(tracks, this.windowMs);
    this.rtcp = new RtcpRelay({
      tracks: tracks.length,
      seamer: this.seamer,
      clockLeg: () => this.entries.clockLeg()?.leg.id,
      activeLegs: () =>
        this.entries
          .all()
          .filter((e) => e.playing)
          .map((e) => e.leg.id),
      emit: (track, packet) => this.emit('rtcp', track, packet),
    });
    this.attach(primary, opts.urls[0] ?? primary.url, this.nextIndex++);
    logLegOpen(opts.log, 'first upstream leg', {
      source: opts.sourceId,
      leg: primary.id,
      url: primary.url,
      reason: 'first',
      legs: 1,
    });
  }

  /** Packets no leg delivered (gaps in the merged stream) since the first PLAY. */
  get gaps(): number {
    return this.merged.gaps;
  }

  get legCount(): number {
    return this.entries.size;
  }

  mergedLossPct(): number {
    const now = this.now();
    return this.merged.lossPct(now);
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
    return this.entries.snapshots(this.now());
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

  /**
   * SETUP the first leg, and open the legs `seam.minLegs` asks for now, so that they all start
   * with the first PLAY (redundant from the first packet, like SMPTE 2022-7).
   */
  async setup(): Promise<void> {
    const p = this.entries.primary;
    if (!p) throw new UpstreamError('UPSTREAM_CLOSED', 'no upstream leg');
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
    const lead = this.entries.primary;
    if (!lead) throw new UpstreamError('UPSTREAM_CLOSED', 'no upstream leg');
    this.mode = 'playing';
    this.live = live;
    this.rtcp.reset();
    const answer = await playWithFallback(lead.leg, live ? {} : optsFor(range));
    lead.playing = true;
    const start = this.timeline.start(lead.leg.id, answer);
    const others = this.entries.all().filter((e) => e !== lead);
    const otherRange = live ? undefined : range;
    await Promise.all(others.map((e) => this.startLeg(e, otherRange).catch(() => undefined)));
    this.startTimer();
    return start;
  }

  async pause(): Promise<void> {
    this.mode = 'paused';
    await Promise.all(
      this.entries.all().map(async (e) => {
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
    const legs = this.entries.all();
    for (const e of legs) {
      const contributed = this.entries.remove(e)?.contributed ?? 0;
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
    this.entries.add(entry);
    leg.on('rtp', (track, packet) => this.onRtp(entry, track, packet));
    leg.on('rtcp', (track, packet) => this.rtcp.fromLeg(leg.id, track, packet, this.now()));
    leg.on('closed', (reason) => this.onLegClosed(entry, reason));
    return entry;
  }

  private onRtp(entry: LegEntry, track: number, packet: Buffer): void {
    if (packet.length < 12 || entry.loss?.drop()) return;
    const now = this.now();
    this.timeline.notePacket(now);
    entry.monitors[track]?.onPacket(rtpSeq(packet), rtpTimestamp(packet), packet.length, now);
    this.handle(this.seamer.push(entry.leg.id, track, packet, now), now);
  }

  private handle(events: SeamEvent[], now: number): void {
    for (const ev of events) {
      switch (ev.kind) {
        case 'packet':
          this.merged.onPacket(ev.track, ev.packet, now);
          this.rtcp.countOutput(ev.track, ev.packet);
          this.emit('packet', ev.track, ev.packet);
          break;
        case 'gap':
          this.merged.gaps += ev.toExt - ev.fromExt + 1;
          logSeamEvent(this.opts.log, this.opts.sourceId, ev);
          break;
        case 'unaligned': {
          logSeamEvent(this.opts.log, this.opts.sourceId, ev);
          const e = this.entries.get(ev.leg);
          if (e && e !== this.entries.primary) this.closeLeg(e, 'unaligned', legLoss(e, now));
          break;
        }
        default:
          logSeamEvent(this.opts.log, this.opts.sourceId, ev);
      }
    }
  }

  private onLegClosed(entry: LegEntry, reason: Error | undefined): void {
    const detached = this.entries.remove(entry);
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
    const detached = this.entries.remove(entry);
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
    this.opening++;
    const { sourceId, log, info, urls, createLeg } = this.opts;
    await openExtraLeg(
      {
        sourceId,
        log,
        info,
        urls,
        createLeg,
        stillWanted: () => this.mode !== 'closed',
        adopt: async (leg, url, index) => {
          const entry = this.attach(leg, url, index);
          if (this.mode === 'playing') await this.startLeg(entry, this.resumeRange());
        },
      },
      d,
      this.nextIndex++,
      to,
    ).finally(() => this.opening--);
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

  private tick(): void {
    const now = this.now();
    this.handle(this.seamer.tick(now), now);
    this.rtcp.tick(now);
    // On-demand content whose every BYE was lost upstream (UDP) still ends for viewers.
    if (!this.live && this.mode === 'playing' && this.timeline.silentAtEnd(now)) this.rtcp.endAll();
    if (++this.ticks % POLICY_EVERY_TICKS !== 0 || this.mode !== 'playing') return;
    this.decide(now);
  }

  /** One policy round over the legs and telemetry's intents; carries out what it decides. */
  private decide(now: number): PolicyDecision[] {
    const legs = this.entries.policyLegs(now);
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
