/**
 * Feeds a source's seamed stream into the one recording of its content, so that later viewers
 * can be served from disk. Every upstream session of file-backed content feeds the recording of
 * that content (origin URL + SDP identity), whatever its start, seeks, pauses or end: the first
 * session fixes the recording's canonical space, later ones are mapped onto it by payload and
 * fill only what it lacks (feed-session.ts). Sessions of one content share one writer
 * (store/feeds.ts); the last one to leave closes the recording: 'complete' when nothing is
 * missing (gaps, head or tail), else 'partial'. Live content is archived from the moment it
 * plays; a new session of the same live content (same SDP identity) appends to its archive.
 *
 * The live path only hands each packet over: a reference queued for the next batch (written once
 * the packets of this turn of the event loop went out to the viewers), or a copy while the
 * recording is being opened; mapping runs in rounds on a timer beside it.
 */
import type { Logger } from 'pino';
import { parseRange } from '../protocol/rtsp/headers/range.js';
import { RTCP_BYE } from '../protocol/rtp/rtcp.js';
import type { RecordingFeed } from '../store/feed.js';
import type { RecordingFeeds } from '../store/feeds.js';
import { recordingMetaFromSdp } from '../store/meta.js';
import type { PlayStart } from './media-source.js';
import type { Source, SourceTap } from './source.js';
import { SessionFeed, extBaseFor, type SegmentStart } from './feed-session.js';
import { logEvent } from '../events.js';

/** Events held while the recording is being opened. */
const MAX_PENDING = 50_000;
/** Period of the mapping rounds. */
const ROUND_MS = 1000;
/** Packets queued on the live path before a batch is written at once (else on setImmediate). */
const BATCH_MAX = 1024;

export interface RecorderOptions {
  readonly feeds: RecordingFeeds;
  readonly log: Logger;
  /** Archive live content too. */
  readonly recordLive: boolean;
  /** A recording was closed (the daemon queues a repair for one with gaps). */
  readonly onFinished?: (recordingId: string, state: 'complete' | 'partial', live: boolean) => void;
  /** Period of mapping rounds (tests). Default 1000 ms. */
  readonly roundMs?: number;
}

type State = 'waiting' | 'opening' | 'feeding' | 'done';
type Pending =
  | { kind: 'play'; start: SegmentStart; resume: boolean }
  | { kind: 'rtp'; track: number; packet: Buffer; at: number };

export class Recorder implements SourceTap {
  private state: State = 'waiting';
  private pending: Pending[] = [];
  private feed: RecordingFeed | undefined;
  private session: SessionFeed | undefined;
  private timer: NodeJS.Timeout | undefined;
  private percentBefore = 0;
  private startedAt = new Date();
  private readonly byes = new Set<number>();
  /** The batch: packets handed over since the last write, and the spare arrays of the next. */
  private batch = newBatch();
  private spare = newBatch();
  private batchQueued = false;
  private readonly writeSoon = (): void => {
    this.batchQueued = false;
    this.writeBatch();
  };
  /** Settles when this session is done with the recording (or never fed one). */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly src: Source,
    private readonly opts: RecorderOptions,
  ) {}

  /** Attaches a recorder to `src` when its content should be recorded; returns it or undefined. */
  static attach(src: Source, opts: RecorderOptions): Recorder | undefined {
    if (src.info.live && !opts.recordLive) return undefined;
    const r = new Recorder(src, opts);
    src.setTap(r);
    return r;
  }

  /** Packets this session filled so far. */
  get packets(): number {
    return this.session?.filled ?? 0;
  }

  onPlay(start: PlayStart, range: string | undefined): void {
    const seg = segmentStart(start, this.src.info.tracks.length);
    if (this.state === 'waiting') {
      this.begin(seg);
      return;
    }
    const resume = range === undefined;
    this.writeBatch();
    if (this.state === 'feeding') this.session?.play(seg, resume);
    else if (this.state === 'opening') this.hold({ kind: 'play', start: seg, resume });
  }

  onRtp(track: number, packet: Buffer, at = Date.now()): void {
    if (this.state === 'feeding') {
      const b = this.batch;
      b.tracks.push(track);
      b.packets.push(packet);
      b.at.push(at);
      if (b.packets.length >= BATCH_MAX) this.writeBatch();
      else if (!this.batchQueued) {
        this.batchQueued = true;
        setImmediate(this.writeSoon);
      }
    } else if (this.state === 'opening' || this.state === 'waiting') {
      this.hold({ kind: 'rtp', track, packet: Buffer.from(packet), at });
    }
  }

  /**
   * Writes the packets handed over since the last batch, in order (before anything that changes
   * the session: a PLAY, the end, a mapping round). Output packets are never changed once sent,
   * so the references stay valid.
   */
  private writeBatch(): void {
    const b = this.batch;
    const n = b.packets.length;
    if (n === 0) return;
    this.batch = this.spare;
    const session = this.state === 'feeding' ? this.session : undefined;
    if (session) {
      for (let i = 0; i < n; i++) {
        session.packet(b.tracks[i] as number, b.packets[i] as Buffer, b.at[i] as number);
      }
    }
    b.tracks.length = 0;
    b.packets.length = 0;
    b.at.length = 0;
    this.spare = b;
  }

  onRtcp(track: number, packet: Buffer): void {
    if (this.state === 'done' || packet.length < 8) return;
    this.writeBatch();
    // A compound packet: walk its parts for a BYE (type 203).
    for (let at = 0; at + 4 <= packet.length;) {
      if (packet[at + 1] === RTCP_BYE) {
        this.byes.add(track);
        if (this.byes.size === this.src.info.tracks.length) void this.finish('end of stream');
        return;
      }
      at += ((packet.readUInt16BE(at + 2) & 0xffff) + 1) * 4;
    }
  }

  onClose(reason: Error | undefined): void {
    void this.finish(reason ? `source closed: ${reason.message}` : 'source closed');
  }

  private hold(p: Pending): void {
    if (this.pending.length < MAX_PENDING) this.pending.push(p);
  }

  private skip(reason: string): void {
    this.state = 'done';
    this.pending = [];
    this.src.setTap(undefined);
    logEvent(
      this.opts.log,
      'info',
      'recording.skip',
      { source: this.src.id, origin: this.src.origin, reason },
      `not recording: ${reason}`,
    );
  }

  private begin(first: SegmentStart, fresh?: string): void {
    this.state = 'opening';
    const info = this.src.info;
    const meta = () =>
      recordingMetaFromSdp({
        originUrl: this.src.origin,
        path: this.src.pathName ?? '',
        sdp: this.src.sdpText,
        info,
        // npt 0 in the first session's canonical space, whether or not it played from there.
        startRtpTime: (track) => {
          const rt = first.rtptime[track];
          const rate = info.tracks[track]?.clockRate ?? 90000;
          return rt === undefined ? undefined : (rt - Math.round(first.npt * rate)) >>> 0;
        },
      });
    this.hold({ kind: 'play', start: first, resume: false });
    this.done = this.opts.feeds
      .acquire({
        key: this.src.key,
        identity: info.identity,
        live: info.live,
        meta,
        ...(fresh === undefined ? {} : { fresh: true }),
      })
      .then((grant) => {
        if ('skip' in grant) return this.skip(grant.skip);
        const { feed, creator } = grant;
        this.feed = feed;
        this.startedAt = new Date();
        this.percentBefore = creator ? 0 : feed.percent();
        this.session = new SessionFeed({
          feed,
          clockRates: info.tracks.map((t) => t.clockRate),
          encodings: info.tracks.map((t) => t.encoding),
          creator,
          base: extBaseFor(first.npt),
          onError: (err) => this.writeFailed(err),
        });
        logEvent(
          this.opts.log,
          'info',
          'recording.start',
          {
            recording: feed.id,
            source: this.src.id,
            origin: this.src.origin,
            live: info.live,
            created: creator,
            fromNpt: first.npt,
            completeness: this.percentBefore,
            ...(fresh === undefined ? {} : { reason: fresh }),
            durationSec: feed.durationSec,
          },
          creator ? 'recording started' : 'session feeds an existing recording',
        );
        const ended = this.state !== 'opening';
        this.state = 'feeding';
        for (const p of this.pending) {
          if (p.kind === 'play') this.session.play(p.start, p.resume);
          else this.session.packet(p.track, p.packet, p.at);
        }
        this.pending = [];
        if (ended) return this.release('source ended while the recording was opened');
        this.timer = setInterval(() => this.round(), this.opts.roundMs ?? ROUND_MS);
        this.timer.unref();
        return undefined;
      })
      .catch((err: unknown) => {
        this.state = 'done';
        this.pending = [];
        logEvent(
          this.opts.log,
          'error',
          'recording.error',
          { source: this.src.id, reason: (err as Error).message },
          'recording could not be opened',
        );
      });
  }

  private round(): void {
    if (this.state !== 'feeding' || !this.session || !this.feed) return;
    this.writeBatch();
    this.session.round();
    this.feed.retryParked();
    if (this.session.mismatch) void this.startOver();
  }

  /**
   * This session's payloads do not match the recording (other content under the same URL): it
   * leaves that one and starts a new recording from its current segment.
   */
  private async startOver(): Promise<void> {
    const old = this.feed;
    const taken = this.session?.takeSegment();
    if (!old || !taken) return;
    const why = `payloads do not match recording ${old.id} (other content under the same URL)`;
    this.state = 'done';
    await this.release(why);
    this.feed = undefined;
    this.session = undefined;
    this.byes.clear();
    this.pending = [];
    this.begin(taken.start, why);
    for (const [track, packet, at] of taken.packets) this.hold({ kind: 'rtp', track, packet, at });
    await this.done;
  }

  private writeFailed(err: unknown): void {
    logEvent(
      this.opts.log,
      'error',
      'recording.error',
      { recording: this.feed?.id, reason: (err as Error).message },
      'recording write failed; this session stops feeding it',
    );
    void this.finish('write failed');
  }

  private finish(reason: string): Promise<void> {
    this.writeBatch();
    const prev = this.state;
    this.state = 'done';
    this.src.setTap(undefined);
    if (prev === 'feeding') this.done = this.release(reason);
    // 'opening': the acquire callback releases it.
    return this.done;
  }

  private async release(reason: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const feed = this.feed;
    const session = this.session;
    if (!feed || !session) return;
    session.end();
    feed.retryParked();
    const after = feed.percent();
    const span =
      session.filled > 0 ? { nptFrom: round3(session.nptFrom), nptTo: round3(session.nptTo) } : {};
    feed.noteSession({
      source: this.src.id,
      startedAt: this.startedAt.toISOString(),
      packets: session.filled,
      ...span,
      ...(session.unmapped > 0 ? { unmapped: session.unmapped } : {}),
    });
    logEvent(
      this.opts.log,
      'info',
      'recording.fill',
      {
        recording: feed.id,
        source: this.src.id,
        packets: session.filled,
        ...span,
        unmapped: session.unmapped,
        completenessBefore: this.percentBefore,
        completenessAfter: after,
        reason,
      },
      `session filled ${session.filled} packets`,
    );
    let closed;
    try {
      closed = await this.opts.feeds.release(feed);
    } catch (err) {
      logEvent(
        this.opts.log,
        'error',
        'recording.error',
        { recording: feed.id, reason: (err as Error).message },
        'recording could not be closed cleanly',
      );
      return;
    }
    if (!closed) return;
    logEvent(
      this.opts.log,
      'info',
      'recording.finish',
      {
        recording: feed.id,
        source: this.src.id,
        state: closed.state,
        reason,
        packets: closed.packets,
        sessions: feed.sessions.length,
        completeness: closed.percent,
      },
      `recording finished (${closed.state})`,
    );
    this.opts.onFinished?.(feed.id, closed.state, feed.live);
  }
}

interface Batch {
  readonly tracks: number[];
  readonly packets: Buffer[];
  readonly at: number[];
}

function newBatch(): Batch {
  return { tracks: [], packets: [], at: [] };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Where a PLAY starts: its npt (0 without a Range) and the canonical rtptime per track. */
function segmentStart(start: PlayStart, tracks: number): SegmentStart {
  let npt = 0;
  if (start.range !== undefined) {
    try {
      const r = parseRange(start.range);
      if (r.unit === 'npt' && typeof r.start === 'number') npt = r.start;
    } catch {
      /* keep 0 */
    }
  }
  return {
    npt,
    rtptime: Array.from({ length: tracks }, (_, t) => start.tracks[t]?.rtptime),
    seq: Array.from({ length: tracks }, (_, t) => start.tracks[t]?.seq),
  };
}
