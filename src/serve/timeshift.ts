/**
 * Time-shift: a viewer plays a live path from its archive, from a wall-clock time (a PLAY with
 * `Range: clock=…`, or a `?at=` / `?ago=` URL). The start is the keyframe at or before the asked
 * time (a time in a gap: the first keyframe after it; before the archive: its start), found by
 * binary search over the segments and one segment index read: no scanning. Packets are paced by
 * their wall-clock times (gaps skipped, not waited out), rewritten into one continuous RTP space
 * per track (timeshift-cursor.ts), with sender reports whose NTP time is the archive's time and a
 * BYE per track at an asked end. `Rate-Control: no` (ONVIF replay) sends as fast as the viewers'
 * TCP connections take it, 8× real time when one takes UDP (timeshift-out.ts); with ONVIF replay
 * each access unit's first packet carries the 0xABAC header extension (protocol/rtp/onvif-ext.ts).
 * A PLAY's RTP-Info names the first packet the viewer gets (taken before the clock sends any).
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { ProtocolError, RuntimeError } from '../errors.js';
import { logEvent } from '../events.js';
import { keyframeCodec } from '../protocol/rtp/keyframe.js';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import { SubscribedSource, type MediaSource, type PlayStart } from '../source/media-source.js';
import { byePacket } from '../source/rtcp-relay.js';
import type { ArchiveStore } from '../store/segments.js';
import { LEAD_MS, MAX_SLEEP_MS, SR_INTERVAL_MS } from './playout-cursor.js';
import { ArchiveCursor } from './timeshift-cursor.js';
import { planTimeshift, type TimeshiftPlan } from './timeshift-plan.js';
import {
  allFlowControlled,
  roomForMore,
  senderReport,
  UNCONTROLLED_RATE,
} from './timeshift-out.js';
import { formatClockRange } from '../protocol/rtsp/headers/clock-range.js';
import { withOnvifExtension, type OnvifFlags } from '../protocol/rtp/onvif-ext.js';

/** Nothing due for this long while data is queued: a gap, skipped. */
const GAP_SKIP_MS = 1000;
/** `Rate-Control: no` over TCP with a full connection or a read in flight: look again (ms). */
const FLOW_RETRY_MS = 2;

export interface TimeshiftOptions {
  readonly id: string;
  readonly store: ArchiveStore;
  readonly info: SdpInfo;
  readonly origin: string;
  readonly pathName: string;
  readonly log: Logger;
  /** Where a PLAY without a clock range starts (a `?at=` URL), wall-clock ms. */
  readonly defaultStartMs: number;
  /** Opened by a `?at=`/`?ago=` URL: `npt=now-` is that time, not the live edge. */
  readonly urlTime?: boolean;
  /**
   * A clip or programme: `npt=x-` is x seconds after `fromMs` (= defaultStartMs), playback ends
   * at `toMs` whatever the PLAY asks, and Range answers are npt within the span.
   */
  readonly bounds?: { readonly fromMs: number; readonly toMs: number };
  readonly now?: () => number;
  readonly wallNow?: () => number;
}

/** How a PLAY asks to play (ONVIF replay headers). */
export interface ReplayMode {
  readonly rateControl: boolean;
  readonly onvif: boolean;
  readonly intraOnly: boolean;
  readonly cseq: number;
}

export class TimeshiftPlayback extends SubscribedSource implements MediaSource {
  readonly kind = 'recording' as const;
  readonly id: string;
  readonly origin: string;
  readonly pathName: string;
  readonly info: SdpInfo;
  readonly shared = false;
  private cursors: ArchiveCursor[] = [];
  private timer: NodeJS.Timeout | undefined;
  private mode: 'ready' | 'playing' | 'paused' | 'ended' = 'ready';
  /** Wall-clock ms of the archive being played now = startWall + elapsed·rate + skipped. */
  private startWall = 0;
  private realStart = 0;
  private skipped = 0;
  private pausedWall = 0;
  private endMs: number | undefined;
  private lastSr = -Infinity;
  private generation = 0;
  private replay: ReplayMode = { rateControl: true, onvif: false, intraOnly: false, cseq: 0 };
  private discontinuity = false;
  private readonly now: () => number;
  private readonly wallNow: () => number;
  packetsSent = 0;

  constructor(private readonly opts: TimeshiftOptions) {
    super();
    this.id = opts.id;
    this.info = opts.info;
    this.origin = opts.origin;
    this.pathName = opts.pathName;
    this.now = opts.now ?? (() => performance.now());
    this.wallNow = opts.wallNow ?? Date.now;
  }

  protected unreferenced(): void {
    this.close();
  }

  ensureSetup(): Promise<void> {
    return Promise.resolve();
  }

  /** How the next PLAY plays (the method handler sets it from the request's headers). */
  setReplayMode(mode: ReplayMode): void {
    this.replay = mode;
  }

  /**
   * `range` undefined: resume (or start at the default time); `clock=`: seek there; `npt=x-`:
   * x seconds after the default start (players of `?at=` URLs send `npt=0-`).
   */
  async play(range: string | undefined): Promise<PlayStart> {
    if (this.closedFlag) throw new RuntimeError('INVALID_STATE', 'playback closed');
    if (range === undefined && this.mode === 'paused') return this.resume();
    if (range === undefined && this.mode === 'playing') return this.position();
    this.stopClock();
    const gen = ++this.generation;
    const plan = await planTimeshift(
      this.opts.store,
      this.info,
      range,
      this.opts.defaultStartMs,
      this.wallNow(),
      this.opts.urlTime === true,
    );
    if (gen !== this.generation || this.closedFlag)
      throw new RuntimeError('INVALID_STATE', 'superseded by another PLAY');
    const bounds = this.opts.bounds;
    if (bounds && plan.askedMs >= bounds.toMs) {
      throw new ProtocolError('HDR_BAD_RANGE', 'the asked time is past the end of the span');
    }
    this.cursors = plan.tracks.map(
      (t, i) =>
        new ArchiveCursor(
          i,
          this.info.tracks[i]?.clockRate ?? 90_000,
          this.opts.store,
          t.segment,
          t.offset,
          i === plan.keyTrack ? -Infinity : plan.startMs,
          keyframeCodec(this.info.tracks[i]?.encoding),
        ),
    );
    await Promise.all(this.cursors.map((c) => c.fill()));
    this.endMs = bounds ? Math.min(plan.endMs ?? bounds.toMs, bounds.toMs) : plan.endMs;
    this.skipped = 0;
    this.discontinuity = false;
    logEvent(
      this.opts.log,
      'info',
      'timeshift.start',
      {
        playback: this.id,
        path: this.pathName,
        asked: new Date(plan.askedMs).toISOString(),
        start: new Date(plan.startMs).toISOString(),
        keyframe: plan.keyframe,
        where: plan.where,
        rateControl: this.replay.rateControl,
        onvif: this.replay.onvif,
      },
      'playing from the archive',
    );
    // RTP-Info names the first packet the viewer gets: taken before the clock sends any.
    const answer = this.answer(plan);
    this.startClock(plan.startMs);
    return answer;
  }

  private answer(plan: TimeshiftPlan): PlayStart {
    return {
      range: this.rangeOf(plan.startMs, this.endMs),
      tracks: this.cursors.map((c) => {
        const p = c.peek();
        return p ? { seq: p.packet.readUInt16BE(2), rtptime: p.ts } : {};
      }),
    };
  }

  /** The Range answered: a clock range, or npt seconds into a clip or programme. */
  private rangeOf(startMs: number, endMs: number | undefined): string {
    const b = this.opts.bounds;
    if (!b) return formatClockRange(startMs, endMs);
    const sec = (ms: number): string => (Math.max(0, ms - b.fromMs) / 1000).toFixed(3);
    return `npt=${sec(startMs)}-${sec(endMs ?? b.toMs)}`;
  }

  pause(): Promise<void> {
    if (this.mode === 'playing') {
      this.pausedWall = this.clockWall();
      this.stopClock();
      this.mode = 'paused';
    }
    return Promise.resolve();
  }

  private resume(): PlayStart {
    const at = this.position();
    this.startClock(this.pausedWall);
    return at;
  }

  private position(): PlayStart {
    const wall = this.mode === 'playing' ? this.clockWall() : this.pausedWall;
    const media = wall - this.skipped;
    return {
      range: this.rangeOf(wall, this.endMs),
      tracks: this.cursors.map((c) => {
        const rtptime = c.rtpTimeAt(media);
        return c.lastOutSeq === undefined || rtptime === undefined
          ? {}
          : { seq: (c.lastOutSeq + 1) & 0xffff, rtptime };
      }),
    };
  }

  // ---- the clock ----

  private get rate(): number {
    return this.replay.rateControl ? 1 : UNCONTROLLED_RATE;
  }

  private clockWall(): number {
    return this.startWall + (this.now() - this.realStart) * this.rate + this.skipped;
  }

  private startClock(wall: number): void {
    this.startWall = wall - this.skipped;
    this.realStart = this.now();
    this.mode = 'playing';
    this.lastSr = -Infinity;
    this.pump();
  }

  private stopClock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private nextCursor(): { cursor: ArchiveCursor | undefined; due: number } {
    let cursor: ArchiveCursor | undefined;
    let due = Infinity;
    for (const c of this.cursors) {
      const p = c.peek();
      if (p && p.wallMs < due) {
        cursor = c;
        due = p.wallMs;
      }
    }
    return { cursor, due };
  }

  private pump(): void {
    this.timer = undefined;
    if (this.mode !== 'playing' || this.closedFlag) return;
    let clock = this.clockWall();
    let { cursor, due } = this.nextCursor();
    // A gap: every track has its next packet far ahead (none is waiting for data) → skip it.
    if (cursor && due > clock + GAP_SKIP_MS && this.cursors.every((c) => c.available > 0)) {
      this.skipped += due - clock;
      this.discontinuity = true;
      clock = this.clockWall();
    }
    let horizon = clock + LEAD_MS * this.rate;
    const flowing = !this.replay.rateControl && allFlowControlled(this.subscribers);
    while (cursor) {
      if (this.endMs !== undefined && due > this.endMs) break;
      if (due > horizon) {
        // Rate-Control: no over TCP: run the clock ahead to this packet while the viewers'
        // connections take more and no track waits for its next read (order across tracks);
        // a gap is skipped as when paced.
        if (!flowing || !roomForMore(this.subscribers) || this.cursors.some(hungry)) break;
        if (due - horizon > GAP_SKIP_MS) {
          this.skipped += due - horizon;
          this.discontinuity = true;
        } else {
          this.startWall += due - horizon;
        }
        horizon = due;
      }
      const p = cursor.shift();
      if (p) this.send(cursor, p);
      ({ cursor, due } = this.nextCursor());
    }
    if (flowing) clock = this.clockWall();
    for (const c of this.cursors) if (c.low) void this.refill(c);
    if (this.now() - this.lastSr >= SR_INTERVAL_MS) this.sendReports(clock);
    const pastEnd = flowing && cursor !== undefined && due > (this.endMs ?? Infinity);
    if (this.endMs !== undefined && (clock > this.endMs || pastEnd)) {
      this.end();
      return;
    }
    // Flowing: look again soon, unless a track is at the live edge (then paced, as there).
    const atEdge = this.cursors.some((c) => hungry(c) && c.waiting);
    const wait =
      flowing && !atEdge && (cursor !== undefined || this.cursors.some(hungry))
        ? FLOW_RETRY_MS
        : cursor === undefined
          ? MAX_SLEEP_MS
          : Math.min(MAX_SLEEP_MS, Math.max(1, (due - clock) / this.rate - LEAD_MS));
    this.timer = setTimeout(() => this.pump(), wait);
  }

  private refill(c: ArchiveCursor): Promise<void> {
    const gen = this.generation;
    return c.fill().catch((err: unknown) => {
      if (gen !== this.generation) return;
      logEvent(
        this.opts.log,
        'error',
        'archive.error',
        { playback: this.id, path: this.pathName, reason: (err as Error).message },
        'archive read failed during time-shift',
      );
    });
  }

  private send(c: ArchiveCursor, p: ReturnType<ArchiveCursor['shift']> & object): void {
    if (this.replay.intraOnly && !p.keyframe) return;
    let out = c.rewrite(p, p.wallMs - this.skipped);
    if (this.replay.onvif && p.startsUnit) {
      const flags: OnvifFlags = {
        cleanPoint: p.keyframe,
        end: false,
        discontinuity: this.discontinuity,
        terminal: false,
      };
      this.discontinuity = false;
      out = withOnvifExtension(out, p.wallMs, flags, this.replay.cseq);
    }
    this.packetsSent++;
    for (const sub of this.subscribers) sub.onRtp(c.index, out);
  }

  /** Sender reports: the archive's time of the position now, in each track's RTP time. */
  private sendReports(clockWall: number): void {
    this.lastSr = this.now();
    for (const c of this.cursors) {
      const sr = senderReport(c, clockWall, clockWall - this.skipped);
      if (sr) for (const sub of this.subscribers) sub.onRtcp(c.index, sr);
    }
  }

  private end(): void {
    this.mode = 'ended';
    for (const c of this.cursors) {
      if (c.byeSent || c.ssrc === undefined) continue;
      c.byeSent = true;
      const bye = byePacket(c.ssrc, 'end of range');
      for (const sub of this.subscribers) sub.onRtcp(c.index, bye);
    }
    const fields = { playback: this.id, path: this.pathName, packets: this.packetsSent };
    logEvent(this.opts.log, 'info', 'timeshift.end', fields, 'time-shift reached its end');
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.stopClock();
    this.generation++;
    this.cursors = [];
    for (const sub of [...this.subscribers]) sub.onSourceClosed(undefined);
    this.subscribers.clear();
    this.emit('closed');
  }
}

/** A track with nothing queued that is not at its end (a read in flight, or the live edge). */
function hungry(c: ArchiveCursor): boolean {
  return c.available === 0 && !c.done;
}
