/**
 * Serving file-backed content from its recording: before a viewer's request opens an
 * upstream session, look for a recording of the same origin URL (finished, or one sessions are
 * feeding) whose part from where the viewer starts to the end holds at least
 * `serve.minCompleteness` percent. The source is picked when the presentation is described (or
 * at SETUP without DESCRIBE), before any PLAY Range is known, and a session keeps it: so the
 * start is npt 0 and the check is the recording's completeness from 0. With
 * `recordings.revalidate`, the origin is asked for its SDP first (DESCRIBE only, no session)
 * to make sure the content is unchanged: a different SDP identity means new content (go
 * upstream, a new recording is made); an origin that does not answer (down, timeout) does not
 * stop the recording being served; an origin that says the content is gone (404/410) is
 * believed. Live recordings (archives) are never served here.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { UpstreamError } from '../errors.js';
import { logEvent } from '../events.js';
import { parseSdp, type SdpInfo } from '../protocol/sdp/sdp.js';
import type { CacheFallback, SourceRequest } from '../source/registry.js';
import type { RecordingCatalog } from '../store/catalog.js';
import { ChunkCache } from './chunk-cache.js';
import { RecordingPlayback } from './playout.js';
import { sourceKey } from '../upstream/url.js';

export interface CacheOptions {
  readonly catalog: RecordingCatalog;
  readonly log: Logger;
  readonly minCompleteness: () => number;
  readonly revalidate: () => boolean;
  readonly revalidateTimeoutMs: () => number;
  /** A viewer asked for content whose recording is incomplete: a repair occasion. */
  readonly onIncomplete?: (recordingId: string) => void;
  /** DESCRIBE of the origin (no session); resolves with its SDP. */
  readonly describe: (req: SourceRequest) => { result: Promise<SdpInfo>; cancel: () => void };
}

type Revalidation =
  | { kind: 'skipped' }
  | { kind: 'same'; identity: string }
  | { kind: 'changed' }
  | { kind: 'unreachable'; reason: string };

/** A revalidation answer is reused this long for the same origin URL (many viewers joining). */
export const REVALIDATE_MEMO_MS = 5000;

/** Where a viewer starts when its source is picked (no Range yet). */
const PICK_START_NPT = 0;

export class RecordingCache {
  private readonly memo = new Map<string, { at: number; result: Revalidation }>();
  /** Packet chunks shared by every playout. */
  readonly chunks = new ChunkCache();

  constructor(private readonly opts: CacheOptions) {}

  /**
   * A playback of a servable recording for `req`, or undefined (go upstream). With `fallback`
   * (no upstream session may be opened, or the origin could not be had): any recording of the
   * content will do, the most complete one, whatever its completeness, and the origin is not
   * asked.
   */
  async lookup(
    req: SourceRequest,
    fallback?: CacheFallback,
  ): Promise<RecordingPlayback | undefined> {
    const { catalog } = this.opts;
    const key = sourceKey(req.origin);
    const best = await catalog.findServable(key, undefined, 0);
    if (!best) return undefined;
    if ((best.opened?.completeness.percent ?? 0) < 100) this.opts.onIncomplete?.(best.id);
    const min = fallback ? 0 : this.opts.minCompleteness();
    const any = await catalog.findServable(key, undefined, min, PICK_START_NPT);
    if (!any) return undefined;
    const check: Revalidation = fallback
      ? fallback.kind === 'origin-unreachable'
        ? { kind: 'unreachable', reason: fallback.reason }
        : { kind: 'skipped' }
      : await this.revalidate(req);
    if (check.kind === 'changed') {
      const fields = { origin: req.origin, reason: 'content changed at the origin' };
      logEvent(this.opts.log, 'info', 'cache.miss', fields, 'recording is of older content');
      return undefined;
    }
    const entry =
      check.kind === 'same'
        ? await catalog.findServable(key, check.identity, min, PICK_START_NPT)
        : any;
    const opened = entry ? await catalog.ensureOpened(entry) : undefined;
    if (!entry || !opened || !entry.meta) return undefined;
    let info: SdpInfo;
    try {
      info = parseSdp(entry.meta.sdp, entry.meta.originUrl.replace(/\/*$/, '/'));
    } catch (err) {
      const fields = { recording: entry.id, reason: (err as Error).message };
      logEvent(this.opts.log, 'error', 'recording.error', fields, 'recorded SDP cannot be parsed');
      return undefined;
    }
    await catalog.startPlaying(entry.id);
    const id = `play-${randomBytes(4).toString('hex')}`;
    logEvent(
      this.opts.log,
      'info',
      'cache.hit',
      {
        playback: id,
        recording: entry.id,
        origin: req.origin,
        path: req.pathName,
        completeness: opened.completeness.percent,
        ...(fallback
          ? { fallback: fallback.kind === 'policy' ? 'upstream-refused' : 'origin-unreachable' }
          : {}),
        revalidated:
          check.kind === 'unreachable' ? `origin unreachable: ${check.reason}` : check.kind,
      },
      fallback
        ? `serving from recording (${opened.completeness.percent}% complete): ${fallback.kind === 'policy' ? fallback.why : `origin unreachable: ${fallback.reason}`}`
        : 'serving from recording',
    );
    return new RecordingPlayback({
      id,
      recordingId: entry.id,
      recording: opened.rec,
      chunks: this.chunks,
      info,
      origin: req.origin,
      pathName: req.pathName,
      log: this.opts.log,
      onClose: () => void catalog.stopPlaying(entry.id),
    });
  }

  private async revalidate(req: SourceRequest): Promise<Revalidation> {
    if (!this.opts.revalidate()) return { kind: 'skipped' };
    const key = sourceKey(req.origin);
    const now = Date.now();
    const known = this.memo.get(key);
    if (known && now - known.at < REVALIDATE_MEMO_MS) return known.result;
    const result = await this.askOrigin(req);
    if (this.memo.size > 1000) this.memo.clear();
    this.memo.set(key, { at: now, result });
    return result;
  }

  private async askOrigin(req: SourceRequest): Promise<Revalidation> {
    const { result, cancel } = this.opts.describe(req);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new UpstreamError('UPSTREAM_TIMEOUT', 'no answer in time')),
        this.opts.revalidateTimeoutMs(),
      );
    });
    try {
      const info = await Promise.race([result, timeout]);
      const key = sourceKey(req.origin);
      return this.opts.catalog.hasContent(key, info.identity)
        ? { kind: 'same', identity: info.identity }
        : { kind: 'changed' };
    } catch (err) {
      if (
        err instanceof UpstreamError &&
        err.code === 'UPSTREAM_STATUS' &&
        (err.status === 404 || err.status === 410)
      ) {
        throw err;
      }
      return { kind: 'unreachable', reason: (err as Error).message };
    } finally {
      if (timer) clearTimeout(timer);
      cancel();
    }
  }
}
