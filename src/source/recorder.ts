/**
 * Writes a source's seamed stream into a recording, so that later viewers can be served from disk: every canonical packet, as the
 * viewers get it, appended to the track logs with an extended sequence number.
 *
 * File-backed content is recorded once (per origin URL + SDP identity; again only while the
 * copies on disk are partial, the better copy is kept), and only a playback
 * that starts at the beginning and runs on without seeking: a seek inside one upstream session
 * continues sequence numbers while timestamps jump, which a recording cannot hold. A seek ends
 * the recording ('partial'); a PAUSE and resume (PLAY without Range) does not. Live content is
 * archived from the moment it plays. The recording ends when the source closes or every track
 * got its RTCP BYE; it is 'complete' when nothing is missing (gaps, head or tail), else
 * 'partial'.
 */
import type { Logger } from 'pino';
import { parseRange } from '../protocol/rtsp/headers/range.js';
import { RTCP_BYE } from '../protocol/rtp/rtcp.js';
import { rtpSeq } from '../protocol/rtp/rtp.js';
import { SeqExtender } from '../protocol/rtp/seq.js';
import type { RecordingCatalog, CatalogEntry } from '../store/catalog.js';
import { completenessOf } from '../store/completeness.js';
import { recordingMetaFromSdp } from '../store/meta.js';
import { openRecording } from '../store/reader.js';
import type { RecordingWriter } from '../store/writer.js';
import type { PlayStart } from './media-source.js';
import type { Source, SourceTap } from './source.js';
import { logEvent } from '../events.js';

/** A playback starting later than this (npt seconds) is not recorded. */
const MAX_START_NPT = 0.5;
/** Packets held while the recording is being created. */
const MAX_PENDING = 50_000;

export interface RecorderOptions {
  readonly catalog: RecordingCatalog;
  readonly log: Logger;
  /** Archive live content too. */
  readonly recordLive: boolean;
  readonly flushIntervalMs?: number;
  /** A recording was closed (the daemon queues a repair for one with gaps). */
  readonly onFinished?: (recordingId: string, state: 'complete' | 'partial', live: boolean) => void;
}

type State = 'waiting' | 'opening' | 'recording' | 'done';

export class Recorder implements SourceTap {
  private state: State = 'waiting';
  private pending: Array<[number, Buffer, number]> = [];
  private readonly ext: SeqExtender[];
  private writer: RecordingWriter | undefined;
  private entry: CatalogEntry | undefined;
  private readonly byes = new Set<number>();
  /** Settles when the recording is closed (or was never made). */
  done: Promise<void> = Promise.resolve();
  packets = 0;

  constructor(
    private readonly src: Source,
    private readonly opts: RecorderOptions,
  ) {
    this.ext = src.info.tracks.map(() => new SeqExtender());
  }

  /** Attaches a recorder to `src` when its content should be recorded; returns it or undefined. */
  static attach(src: Source, opts: RecorderOptions): Recorder | undefined {
    if (src.info.live && !opts.recordLive) return undefined;
    if (!src.info.live && !opts.catalog.wantsRecording(src.key, src.info.identity))
      return undefined;
    const r = new Recorder(src, opts);
    src.setTap(r);
    return r;
  }

  onPlay(start: PlayStart, range: string | undefined): void {
    if (this.state === 'waiting') {
      const npt = startNpt(start.range);
      if (!this.src.info.live && npt > MAX_START_NPT) {
        this.skip(`playback starts at npt ${npt.toFixed(3)}, not at the beginning`);
        return;
      }
      this.begin(start);
    } else if (!this.src.info.live && range !== undefined && this.state !== 'done') {
      void this.finish('viewer seeked');
    }
  }

  onRtp(track: number, packet: Buffer): void {
    if (this.state === 'recording') {
      this.append(track, packet, Date.now());
    } else if (this.state === 'waiting' || this.state === 'opening') {
      if (this.pending.length < MAX_PENDING) this.pending.push([track, packet, Date.now()]);
      else this.skip('recording could not start in time');
    }
  }

  onRtcp(track: number, packet: Buffer): void {
    if (this.state !== 'recording' || packet.length < 8) return;
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

  private begin(start: PlayStart): void {
    this.state = 'opening';
    const info = this.src.info;
    const meta = recordingMetaFromSdp({
      originUrl: this.src.origin,
      path: this.src.pathName ?? '',
      sdp: this.src.sdpText,
      info,
      // npt 0 is the canonical rtptime of a PLAY from the start.
      startRtpTime: (track) => start.tracks[track]?.rtptime,
    });
    const durationSec = meta.durationSec;
    this.done = this.opts.catalog
      .create(meta, this.opts.flushIntervalMs)
      .then(({ entry, writer }) => {
        this.entry = entry;
        this.writer = writer;
        if (this.state !== 'opening') {
          // Ended while the directory was being made.
          return this.close('source ended before recording started');
        }
        this.state = 'recording';
        logEvent(
          this.opts.log,
          'info',
          'recording.start',
          {
            recording: entry.id,
            source: this.src.id,
            origin: this.src.origin,
            live: info.live,
            durationSec,
          },
          'recording started',
        );
        for (const [track, packet, at] of this.pending) this.append(track, packet, at);
        this.pending = [];
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
          'recording could not be created',
        );
      });
  }

  private append(track: number, packet: Buffer, at: number): void {
    const x = this.ext[track];
    if (!x || !this.writer) return;
    try {
      if (this.writer.append(track, x.extend(rtpSeq(packet)), packet, at)) this.packets++;
    } catch (err) {
      logEvent(
        this.opts.log,
        'error',
        'recording.error',
        { recording: this.entry?.id, reason: (err as Error).message },
        'recording write failed; recording stopped',
      );
      void this.finish('write failed');
    }
  }

  private finish(reason: string): Promise<void> {
    const prev = this.state;
    this.state = 'done';
    this.src.setTap(undefined);
    if (prev === 'recording') this.done = this.close(reason);
    // 'opening': the creation callback closes it.
    return this.done;
  }

  private async close(reason: string): Promise<void> {
    const writer = this.writer;
    const entry = this.entry;
    if (!writer || !entry) return;
    let state: 'complete' | 'partial' = 'partial';
    let percent: number | undefined;
    try {
      await writer.flush();
      const c = completenessOf(await openRecording(entry.dir));
      percent = c.percent;
      if (c.whole) state = 'complete';
    } catch {
      /* keep 'partial' */
    }
    try {
      await writer.close(state);
    } catch (err) {
      logEvent(
        this.opts.log,
        'error',
        'recording.error',
        { recording: entry.id, reason: (err as Error).message },
        'recording could not be closed cleanly',
      );
    }
    // The catalog knows before the log says so: a viewer right after `recording.finish` is served.
    await this.opts.catalog.finished(entry.id);
    logEvent(
      this.opts.log,
      'info',
      'recording.finish',
      {
        recording: entry.id,
        source: this.src.id,
        state,
        reason,
        packets: this.packets,
        completeness: percent,
      },
      `recording finished (${state})`,
    );
    this.opts.onFinished?.(entry.id, state, this.src.info.live);
  }
}

function startNpt(range: string | undefined): number {
  if (range === undefined) return 0;
  try {
    const r = parseRange(range);
    return r.unit === 'npt' && typeof r.start === 'number' ? r.start : 0;
  } catch {
    return 0;
  }
}
