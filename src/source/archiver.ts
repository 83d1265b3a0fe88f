/**
 * Around-the-clock archiving of one live path: holds a session to it at all times (through the
 * registry, so it is seamed like any source and shared with live viewers), whether or not anyone
 * watches, and writes every canonical packet into the path's archive (store/segments.ts) with
 * its wall-clock time from the origin's sender reports (protocol/rtp/wallclock.ts; arrival time
 * until the first one). A segment is cut every `segmentMs` at a keyframe, and at every
 * reconnect. When the origin drops, the archiver reconnects with backoff (1 s doubling to 30 s);
 * the outage is a gap (`archive.gap`). Retention drops whole segments, oldest first.
 */
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import { keyframeCodec, startsKeyframe, type KeyframeCodec } from '../protocol/rtp/keyframe.js';
import { parseRtcp } from '../protocol/rtp/rtcp.js';
import { rtpSeq, rtpTimestamp } from '../protocol/rtp/rtp.js';
import { SeqExtender } from '../protocol/rtp/seq.js';
import { WallClockMap } from '../protocol/rtp/wallclock.js';
import { recordingMetaFromSdp } from '../store/meta.js';
import type { ArchiveStore, Segment } from '../store/segments.js';
import type { MediaSource, SourceSubscriber } from './media-source.js';
import type { SourceRequest } from './registry.js';
import type { Source } from './source.js';

export interface ArchiverOptions {
  readonly path: string;
  /** The path's request as configured now (undefined once the path is gone). */
  readonly request: () => SourceRequest | undefined;
  readonly acquire: (req: SourceRequest) => Promise<MediaSource>;
  readonly store: ArchiveStore;
  readonly log: Logger;
  readonly retentionMs: () => number;
  readonly segmentMs: () => number;
  /** Bytes over the recordings quota (0 when within it or there is none). */
  readonly overQuota?: () => number;
  /** Segments kept whatever their age (clips point into them). */
  readonly keep?: (seg: Segment) => boolean;
  readonly now?: () => number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

interface TrackState {
  readonly ext: SeqExtender;
  readonly clock: WallClockMap;
  readonly codec: KeyframeCodec | undefined;
  lastKeyTs: number | undefined;
}

const EXPIRE_EVERY_MS = 2000;
/** The end reason of the last segment when archiving stops (daemon stop, archive unconfigured). */
export const STOPPED_REASON = 'archiving stopped';
/** Packets held while a segment is being created. */
const MAX_PENDING = 20_000;

export class Archiver implements SourceSubscriber {
  readonly id: string;
  private source: MediaSource | undefined;
  private tracks: TrackState[] = [];
  private keyTrack: number | undefined;
  private segment: Segment | undefined;
  private section = 0;
  private creating = false;
  private pending: Array<[number, Buffer, number, boolean]> = [];
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private expireTimer: NodeJS.Timeout | undefined;
  /** Where the current outage began (wall ms), when there is one. */
  private lostAt: number | undefined;
  private lostReason = 'source closed';
  private readonly now: () => number;
  packets = 0;

  constructor(private readonly opts: ArchiverOptions) {
    this.id = `archive-${opts.path}`;
    this.now = opts.now ?? Date.now;
    this.backoffMs = opts.initialBackoffMs ?? 1000;
    this.lostAt = opts.store.endMs;
  }

  start(): void {
    const req = this.opts.request();
    logEvent(
      this.opts.log,
      'info',
      'archive.start',
      {
        path: this.opts.path,
        origin: req?.origin,
        dir: this.opts.store.dir,
        retentionSec: this.opts.retentionMs() / 1000,
        segmentSec: this.opts.segmentMs() / 1000,
        segments: this.opts.store.segments().length,
        from: iso(this.opts.store.startMs),
        to: iso(this.opts.store.endMs),
      },
      'archiving around the clock',
    );
    for (const seg of this.opts.store.segments()) {
      if (seg.recoveredBytes === undefined) continue;
      const fields = { path: this.opts.path, segment: seg.name, tornBytes: seg.recoveredBytes };
      logEvent(this.opts.log, 'warn', 'archive.recover', fields, 'interrupted segment recovered');
    }
    this.expireTimer = setInterval(() => void this.expire(), EXPIRE_EVERY_MS);
    this.expireTimer.unref();
    void this.connect();
  }

  /** Ends the session and closes the segment (the archive stays on disk). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.expireTimer) clearInterval(this.expireTimer);
    this.detach();
    if (this.segment) this.segment.state.endReason = STOPPED_REASON;
    await this.closeSegment();
  }

  /** Whether a session is up and delivering. */
  get connected(): boolean {
    return this.source !== undefined && !this.source.closed;
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    const req = this.opts.request();
    if (this.stopped || !req) return;
    let src: MediaSource | undefined;
    try {
      src = await this.opts.acquire(req);
      if (src.kind !== 'upstream' || !src.info.live) {
        throw new Error(src.info.live ? 'origin unavailable' : 'the path is not live content');
      }
      if (this.stopped) throw new Error('stopped');
      this.source = src;
      this.startSession(src);
      src.subscribe(this);
      await src.ensureSetup();
      await src.play(undefined);
    } catch (err) {
      if (src) {
        src.unsubscribe(this);
        src.release();
      }
      if (this.source === src) this.source = undefined;
      if (this.stopped) return;
      this.retry((err as Error).message);
    }
  }

  private startSession(src: MediaSource): void {
    this.tracks = src.info.tracks.map((t) => ({
      ext: new SeqExtender(),
      clock: new WallClockMap(t.clockRate),
      codec: keyframeCodec(t.encoding),
      lastKeyTs: undefined,
    }));
    const video = this.tracks.findIndex((t) => t.codec !== undefined);
    this.keyTrack = video >= 0 ? video : undefined;
    this.section = this.opts.store.newSection();
  }

  private retry(reason: string): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, this.backoffMs * 2);
    const fields = { path: this.opts.path, reason, inMs: delay };
    logEvent(this.opts.log, 'debug', 'archive.retry', fields, 'archive session failed; retrying');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private detach(): void {
    const src = this.source;
    this.source = undefined;
    if (!src) return;
    src.unsubscribe(this);
    src.release();
  }

  // ---- SourceSubscriber ----

  onRtp(track: number, packet: Buffer): void {
    const t = this.tracks[track];
    if (!t) return;
    const arrival = this.now();
    const ts = rtpTimestamp(packet);
    const wall = t.clock.wallOf(ts, arrival);
    let key = true;
    if (t.codec) {
      key = startsKeyframe(packet, t.codec) && t.lastKeyTs !== ts;
      if (key) t.lastKeyTs = ts;
    }
    if (this.lostAt !== undefined) this.endGap(wall);
    this.backoffMs = this.opts.initialBackoffMs ?? 1000;
    const seg = this.segment;
    const rollable = this.keyTrack === undefined || (track === this.keyTrack && key);
    if (!seg && !this.creating) this.openSegment(wall);
    else if (seg && rollable && wall - seg.state.startMs >= this.opts.segmentMs()) {
      this.roll(wall);
    }
    this.write(track, packet, wall, key);
  }

  onRtcp(track: number, packet: Buffer): void {
    const t = this.tracks[track];
    if (!t) return;
    try {
      for (const p of parseRtcp(packet)) {
        if (p.type === 'sr') t.clock.onSenderReport(p.ntpSec, p.ntpFrac, p.rtpTimestamp);
      }
    } catch {
      /* not ours to judge: the relay passes on what the origin sent */
    }
  }

  onSourceClosed(reason: Error | undefined): void {
    this.source?.release();
    this.source = undefined;
    if (this.stopped) return;
    const from = this.segment?.state.endMs ?? this.now();
    this.lostAt = from;
    this.lostReason = reason?.message ?? 'source closed';
    if (this.segment) this.segment.state.endReason = this.lostReason;
    const fields = { path: this.opts.path, from: iso(from), reason: this.lostReason };
    logEvent(
      this.opts.log,
      'warn',
      'archive.gap',
      fields,
      'archive lost its session: a gap begins',
    );
    void this.closeSegment();
    this.retry(this.lostReason);
  }

  // ---- writing ----

  private endGap(wall: number): void {
    const from = this.lostAt ?? wall;
    this.lostAt = undefined;
    const seconds = Math.round((wall - from) / 100) / 10;
    const fields = { path: this.opts.path, from: iso(from), to: iso(wall), seconds };
    const msg = 'archive session back: the gap is over';
    logEvent(this.opts.log, 'info', 'archive.gap', { ...fields, section: this.section }, msg);
  }

  private write(track: number, packet: Buffer, wall: number, key: boolean): void {
    const seg = this.segment;
    if (this.creating || !seg?.writer) {
      if (this.pending.length < MAX_PENDING) this.pending.push([track, packet, wall, key]);
      return;
    }
    const t = this.tracks[track];
    if (!t) return;
    try {
      if (seg.writer.append(track, t.ext.extend(rtpSeq(packet)), packet, wall, key)) {
        this.packets++;
      }
    } catch (err) {
      this.writeFailed(err);
    }
  }

  private writeFailed(err: unknown): void {
    const fields = { path: this.opts.path, reason: (err as Error).message };
    logEvent(this.opts.log, 'error', 'archive.error', fields, 'archive write failed; new segment');
    const seg = this.segment;
    this.segment = undefined;
    if (seg) {
      seg.state.endReason = `write failed: ${(err as Error).message}`;
      this.chain = this.chain.then(() => this.finish(seg));
    }
  }

  private openSegment(wall: number): void {
    const src = this.source;
    if (!src) return;
    this.creating = true;
    const meta = recordingMetaFromSdp({
      originUrl: src.origin,
      path: this.opts.path,
      sdp: (src as Partial<Pick<Source, 'sdpText'>>).sdpText ?? '',
      info: src.info,
      startRtpTime: () => undefined,
    });
    const section = this.section;
    this.chain = this.chain.then(async () => {
      try {
        this.segment = await this.opts.store.startSegment(meta, wall, section, (err) =>
          this.writeFailed(err),
        );
      } catch (err) {
        const fields = { path: this.opts.path, reason: (err as Error).message };
        logEvent(this.opts.log, 'error', 'archive.error', fields, 'segment could not be created');
      } finally {
        this.creating = false;
      }
      const held = this.pending;
      this.pending = [];
      for (const [track, packet, w, key] of held) this.write(track, packet, w, key);
      // The session ended (or archiving stopped) while the segment was being created.
      const seg = this.segment;
      if (seg && this.source !== src) {
        seg.state.endReason = this.stopped ? STOPPED_REASON : this.lostReason;
        this.segment = undefined;
        await this.finish(seg);
      }
    });
  }

  private roll(wall: number): void {
    const old = this.segment;
    this.segment = undefined;
    if (old) this.chain = this.chain.then(() => this.finish(old));
    this.openSegment(wall);
  }

  private closeSegment(): Promise<void> {
    const seg = this.segment;
    this.segment = undefined;
    if (seg) this.chain = this.chain.then(() => this.finish(seg));
    return this.chain;
  }

  private async finish(seg: Segment): Promise<void> {
    const packets = seg.writer?.packets ?? 0;
    try {
      await this.opts.store.finishSegment(seg);
    } catch (err) {
      const fields = { path: this.opts.path, segment: seg.name, reason: (err as Error).message };
      logEvent(this.opts.log, 'error', 'archive.error', fields, 'segment could not be closed');
      return;
    }
    logEvent(
      this.opts.log,
      'info',
      'archive.segment',
      {
        path: this.opts.path,
        segment: seg.name,
        section: seg.state.section,
        from: iso(seg.state.startMs),
        to: iso(seg.state.endMs),
        packets,
        bytes: seg.bytes,
      },
      'archive segment closed',
    );
  }

  // ---- retention ----

  private async expire(): Promise<void> {
    const limit = this.now() - this.opts.retentionMs();
    let over = this.opts.overQuota?.() ?? 0;
    const drop = (seg: Segment): boolean => {
      if (seg.state.endMs < limit) return true;
      if (over > 0) {
        over -= seg.bytes;
        return true;
      }
      return false;
    };
    let removed: Segment[];
    try {
      removed = await this.opts.store.expire(drop, this.opts.keep);
    } catch (err) {
      const fields = { path: this.opts.path, reason: (err as Error).message };
      logEvent(this.opts.log, 'error', 'archive.error', fields, 'expired segment not removed');
      return;
    }
    for (const seg of removed) {
      logEvent(
        this.opts.log,
        'info',
        'archive.expire',
        {
          path: this.opts.path,
          segment: seg.name,
          from: iso(seg.state.startMs),
          to: iso(seg.state.endMs),
          bytes: seg.bytes,
          reason: seg.state.endMs < limit ? 'retention' : 'quota',
        },
        'archive segment dropped',
      );
    }
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
