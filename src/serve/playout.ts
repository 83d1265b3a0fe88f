/**
 * Playout: one viewer's playback of a recording, with no upstream session. Packets are
 * sent as stored (canonical SSRC/seq/timestamps), paced by their media time so every track stays
 * on one clock; a Range seeks (playout-seek.ts), PAUSE stops the clock and a PLAY without Range
 * resumes where it stopped. With fast start the first second of media goes ahead of the clock, at
 * once to a TCP viewer and at a few times real time to a UDP one, and the playout stays that far
 * ahead (playout-cursor.ts). Sender reports go out every second
 * (players sync tracks with them), and a compound RTCP BYE per track when the recording (or the
 * asked range) ends. Gaps in the recording stay gaps: a viewer gets no more loss than the
 * recording holds.
 *
 * Reading is asynchronous and runs ahead of the clock by a bounded queue per track, so memory
 * per viewer stays small and many viewers can play one recording at once.
 */
import { RuntimeError } from '../errors.js';
import { logEvent } from '../events.js';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { nptBounds } from '../protocol/rtsp/headers/range.js';
import { ntpFromMs, serializeRtcp } from '../protocol/rtp/rtcp.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import { tsAdd } from '../protocol/rtp/seq.js';
import {
  SubscribedSource,
  type MediaSource,
  type PlayOptions,
  type PlayStart,
  type SourceSubscriber,
} from '../source/media-source.js';
import { byePacket, CNAME } from '../source/rtcp-relay.js';
import type { Recording, StoredPacket } from '../store/reader.js';
import { ChunkReader, type ChunkCache } from './chunk-cache.js';
import {
  grownLead,
  leadFor,
  LEAD_MS,
  sleepMs,
  SR_INTERVAL_MS,
  TrackCursor,
  type LeadPlan,
} from './playout-cursor.js';
import { planSeek, type SeekPlan } from './playout-seek.js';
import { SHARED_PACER, type Pacer } from './pacer.js';

/** Tracks this far behind the media clock still count as on time for sender reports. */
const BEHIND_SLACK_SEC = 0.2;

export interface PlaybackOptions {
  readonly id: string;
  readonly recordingId: string;
  readonly recording: Recording;
  /** Packet chunks shared by all playouts. */
  readonly chunks: ChunkCache;
  readonly info: SdpInfo;
  readonly origin: string;
  readonly pathName: string | undefined;
  readonly log: Logger;
  /** Called once when the playback closes (the cache releases the recording). */
  readonly onClose: () => void;
  readonly now?: () => number;
  /** Wakes the pump (default: the one every playout shares). */
  readonly pacer?: Pacer;
}

export class RecordingPlayback extends SubscribedSource implements MediaSource {
  readonly kind = 'recording' as const;
  readonly id: string;
  readonly origin: string;
  readonly pathName: string | undefined;
  readonly info: SdpInfo;
  readonly shared = false;
  readonly recordingId: string;
  private readonly rec: Recording;
  private readonly log: Logger;
  private readonly now: () => number;
  private cursors: TrackCursor[] = [];
  private readonly pacer: Pacer;
  /** A wake-up of the pump is asked for. */
  private waiting = false;
  private readonly wake = (): void => {
    this.waiting = false;
    this.pump();
  };
  private mode: 'ready' | 'playing' | 'paused' | 'ended' = 'ready';
  /** npt where the clock started and the wall time (ms) it started at. */
  private startNpt = 0;
  private wallStart = 0;
  private endNpt: number | undefined;
  private pausedAt = 0;
  private lastSr = -Infinity;
  private generation = 0;
  /** How far ahead of the clock packets go out (ms): grows to the plan's lead after a start. */
  private leadMs = LEAD_MS;
  private leadPlan: LeadPlan = leadFor(false, false);
  /** When the pump last ran (ms): the lead grows by the wall time between runs. */
  private lastPumpAt = 0;
  /** The subscribers as an array: the per-packet loop iterates it without a Set iterator. */
  private subs: readonly SourceSubscriber[] = [];
  packetsSent = 0;

  constructor(private readonly opts: PlaybackOptions) {
    super();
    this.id = opts.id;
    this.recordingId = opts.recordingId;
    this.rec = opts.recording;
    this.info = opts.info;
    this.origin = opts.origin;
    this.pathName = opts.pathName;
    this.log = opts.log;
    this.now = opts.now ?? (() => performance.now());
    this.pacer = opts.pacer ?? SHARED_PACER;
  }

  override subscribe(sub: SourceSubscriber): void {
    super.subscribe(sub);
    this.subs = [...this.subscribers];
  }

  override unsubscribe(sub: SourceSubscriber): void {
    super.unsubscribe(sub);
    this.subs = [...this.subscribers];
  }

  protected unreferenced(): void {
    this.close();
  }

  ensureSetup(): Promise<void> {
    return Promise.resolve();
  }

  private get duration(): number {
    return this.rec.meta.durationSec ?? this.rec.durationSec;
  }

  async play(range: string | undefined, opts: PlayOptions = {}): Promise<PlayStart> {
    if (this.closedFlag) throw new RuntimeError('INVALID_STATE', 'playback closed');
    this.leadPlan = leadFor(opts.fastStart ?? false, opts.reliable ?? false);
    if (range === undefined && this.mode === 'paused') return this.resume();
    if (range === undefined && this.mode === 'playing') return this.position();
    const { start, end } = nptBounds(range);
    this.stopClock();
    const gen = ++this.generation;
    this.closeReaders();
    const encodings = this.info.tracks.map((t) => t.encoding);
    const plan = await planSeek(this.rec, encodings, start);
    if (gen !== this.generation || this.closedFlag)
      throw new RuntimeError('INVALID_STATE', 'superseded by another PLAY');
    this.openReaders(plan);
    this.endNpt = end;
    this.startNpt = plan.npt;
    await Promise.all(this.cursors.map((c) => this.fill(c)));
    logEvent(
      this.log,
      'info',
      'playout.start',
      {
        playback: this.id,
        recording: this.recordingId,
        asked: start,
        npt: round(plan.npt),
        keyframe: plan.keyframe,
      },
      'playing from recording',
    );
    this.startClock(plan.npt);
    return {
      range: `npt=${plan.npt.toFixed(3)}-${(end ?? this.duration).toFixed(3)}`,
      tracks: plan.tracks.map((t) => ({
        ...(t.seq === undefined ? {} : { seq: t.seq }),
        ...(t.rtptime === undefined ? {} : { rtptime: t.rtptime }),
      })),
    };
  }

  pause(): Promise<void> {
    if (this.mode === 'playing') {
      this.pausedAt = this.clockNpt();
      this.stopClock();
      this.mode = 'paused';
    }
    return Promise.resolve();
  }

  private resume(): PlayStart {
    // Read before the clock starts: starting it sends what is due at once.
    const at = this.position();
    this.startClock(this.pausedAt);
    return at;
  }

  /** RTP-Info and Range for where playback is now. */
  private position(): PlayStart {
    const npt = this.mode === 'playing' ? this.clockNpt() : this.pausedAt;
    return {
      range: `npt=${npt.toFixed(3)}-${(this.endNpt ?? this.duration).toFixed(3)}`,
      tracks: this.cursors.map((c) => {
        const next = c.peek();
        if (!next) return {};
        return {
          seq: next.ext & 0xffff,
          rtptime: tsAdd(next.ts, Math.round((npt - next.npt) * c.clockRate)),
        };
      }),
    };
  }

  // ---- reading ----

  private openReaders(plan: SeekPlan): void {
    this.cursors = plan.tracks.map((t, i) => {
      const track = this.rec.track(i);
      const last = track.lastExt;
      const reader =
        t.ext === undefined || last === undefined
          ? undefined
          : new ChunkReader(this.opts.chunks, track, t.ext, last);
      return new TrackCursor(i, track.clockRate, reader, t.ssrc, t.rtptime);
    });
  }

  /** Readers hold no file handles (the chunk cache reads whole chunks): just drop them. */
  private closeReaders(): void {
    this.cursors = [];
  }

  private fill(c: TrackCursor): Promise<void> {
    return c.fill(this.endNpt, (err) =>
      logEvent(
        this.log,
        'error',
        'recording.error',
        { recording: this.recordingId, playback: this.id, reason: err.message },
        'recording read failed during playout',
      ),
    );
  }

  // ---- the clock ----

  private clockNpt(): number {
    return this.startNpt + (this.now() - this.wallStart) / 1000;
  }

  private startClock(npt: number): void {
    this.startNpt = npt;
    this.wallStart = this.now();
    this.lastPumpAt = this.wallStart;
    const plan = this.leadPlan;
    this.leadMs = plan.speed === Infinity ? plan.maxMs : Math.min(LEAD_MS, plan.maxMs);
    this.mode = 'playing';
    this.lastSr = -Infinity;
    this.pump();
  }

  private stopClock(): void {
    this.pacer.cancel(this.wake);
    this.waiting = false;
  }

  /** Sends everything due, then sleeps until the next packet is. */
  private pump(): void {
    if (this.waiting) this.pacer.cancel(this.wake);
    this.waiting = false;
    if (this.mode !== 'playing' || this.closedFlag) return;
    const now = this.now();
    this.leadMs = grownLead(this.leadPlan, this.leadMs, now - this.lastPumpAt);
    this.lastPumpAt = now;
    const horizon = this.startNpt + (now - this.wallStart + this.leadMs) / 1000;
    const cursors = this.cursors;
    for (;;) {
      // The track whose next packet is due first (a running maximum per track: B-frames go out
      // right after their predecessor).
      let best: TrackCursor | undefined;
      let bestDue = Infinity;
      for (const c of cursors) {
        const p = c.peek();
        if (p === undefined) continue;
        const due = p.npt > c.maxNpt ? p.npt : c.maxNpt;
        if (due < bestDue) {
          best = c;
          bestDue = due;
        }
      }
      if (best === undefined || bestDue > horizon) break;
      const p = best.shift() as StoredPacket;
      best.maxNpt = bestDue;
      this.send(best, p.packet);
    }
    for (const c of cursors) if (c.low) void this.refill(c);
    if (now - this.lastSr >= SR_INTERVAL_MS) this.sendReports();
    this.endTracks();
    if (this.cursors.every((c) => c.byeSent)) {
      this.mode = 'ended';
      logEvent(
        this.log,
        'info',
        'playout.end',
        {
          playback: this.id,
          recording: this.recordingId,
          packets: this.packetsSent,
        },
        'playout reached the end',
      );
      return;
    }
    let next = Infinity;
    for (const c of cursors) next = Math.min(next, c.nextDue() ?? Infinity);
    this.waiting = true;
    // Media time until the next packet is inside the horizon (Infinity: nothing queued).
    this.pacer.wakeIn(this.wake, sleepMs(this.leadPlan, this.leadMs, (next - horizon) * 1000));
  }

  private refill(c: TrackCursor): Promise<void> {
    const wasEmpty = c.available === 0;
    return this.fill(c).then(() => {
      // A starved track: send what arrived at once rather than at the next tick.
      if (wasEmpty && this.mode === 'playing' && c.available > 0 && this.waiting) {
        this.pump();
      }
    });
  }

  private send(c: TrackCursor, packet: Buffer): void {
    c.packets++;
    c.octets += packet.length - 12;
    this.packetsSent++;
    for (const sub of this.subs) sub.onRtp(c.index, packet);
  }

  /** RTCP BYE for each track that has nothing left to send. */
  private endTracks(): void {
    for (const c of this.cursors) {
      if (c.byeSent || !c.eof || c.filling || c.available > 0) continue;
      c.byeSent = true;
      if (c.ssrc === undefined) continue;
      const bye = byePacket(c.ssrc, 'end of recording');
      for (const sub of this.subscribers) sub.onRtcp(c.index, bye);
    }
  }

  /**
   * Sender reports pair "now" with the RTP time being played now: the media clock, or, when the
   * playout has fallen behind it (an overloaded core), where the slowest track really is.
   */
  private sendReports(): void {
    this.lastSr = this.now();
    let slowest = Infinity;
    for (const c of this.cursors)
      if (!c.byeSent && c.maxNpt > -Infinity) slowest = Math.min(slowest, c.maxNpt);
    const npt = Math.min(this.clockNpt(), slowest + BEHIND_SLACK_SEC);
    const ntp = ntpFromMs(Date.now());
    for (const c of this.cursors) {
      if (c.ssrc === undefined || c.rtptimeAtStart === undefined || c.byeSent) continue;
      const sr = serializeRtcp([
        {
          type: 'sr',
          ssrc: c.ssrc,
          ntpSec: ntp.sec,
          ntpFrac: ntp.frac,
          rtpTimestamp: tsAdd(c.rtptimeAtStart, Math.round((npt - this.startNpt) * c.clockRate)),
          packetCount: c.packets >>> 0,
          octetCount: c.octets >>> 0,
          reports: [],
        },
        { type: 'sdes', chunks: [{ ssrc: c.ssrc, items: [{ type: 1, text: CNAME }] }] },
      ]);
      for (const sub of this.subscribers) sub.onRtcp(c.index, sr);
    }
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.stopClock();
    this.generation++;
    this.closeReaders();
    for (const sub of [...this.subscribers]) sub.onSourceClosed(undefined);
    this.subscribers.clear();
    this.subs = [];
    this.opts.onClose();
    this.emit('closed');
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
