/**
 * All open sources. Live content is shared: one upstream session per origin URL however many
 * viewers watch it, so an origin sees one client per stream. On-demand content gets a source per viewer. Idle sources
 * close: on-demand ones at once, live ones after `lingerMs` (a viewer re-joining soon reuses the
 * upstream session).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { SeamConfig } from '../seam/config.js';
import type { LossModel } from '../seam/loss-model.js';
import type { Leg } from '../upstream/leg.js';
import { sourceKey } from '../upstream/url.js';
import { isOriginUnavailable, RuntimeError } from '../errors.js';
import type { MediaSource } from './media-source.js';
import { DEFAULT_GOP_LIMITS, type GopCacheLimits } from './gop-cache.js';
import { Source } from './source.js';
import { logEvent } from '../events.js';

export interface SourceRequest {
  readonly origin: string;
  readonly mirrors: readonly string[];
  readonly transport: 'udp' | 'tcp' | 'auto';
  readonly pathName: string | undefined;
  readonly seam: SeamConfig;
  /** The viewer's content starts fast (live: the source keeps the GOP in progress). */
  readonly fastStart?: boolean;
}

/** Why a request may be served from any recording of its content. */
export type CacheFallback =
  | { readonly kind: 'policy'; readonly why: string }
  | { readonly kind: 'origin-unreachable'; readonly reason: string };

export interface RegistryOptions {
  readonly log: Logger;
  /** Builds (does not open) an upstream leg to `url` (the origin or a mirror). */
  readonly createLeg: (id: string, url: string, req: SourceRequest) => Leg;
  /** Loss injected behind the socket interface (tests and drills): per source, per leg. */
  readonly lossFor?: (req: SourceRequest, legIndex: number) => LossModel | undefined;
  readonly lingerMs: number;
  /** Bounds of a live source's keyframe cache (kept when a request asks for fast start). */
  readonly gopLimits?: GopCacheLimits;
  /** Recordings that can serve a request instead of the origin (consulted first). */
  readonly cache?: {
    /**
     * `fallback` (no upstream session is allowed, or the origin cannot be had): any recording
     * of the content will do, whatever its completeness, and the origin is not asked.
     */
    lookup(req: SourceRequest, fallback?: CacheFallback): Promise<MediaSource | undefined>;
  };
  /**
   * Whether a new upstream session may be opened for `req` (telemetry decisions): 'allow', or
   * why not (the request is then served from any recording of the content, else refused 503).
   */
  readonly upstreamPolicy?: (
    req: SourceRequest,
  ) => { allowed: true } | { allowed: false; why: string };
  /** Called for every new upstream source (the daemon attaches the recorder here). */
  readonly onSourceOpened?: (src: Source) => void;
}

export class SourceRegistry {
  private readonly live = new Map<string, Source>();
  private readonly pending = new Map<string, Promise<Source>>();
  private readonly all = new Set<Source>();
  /** Viewers served from recordings. */
  readonly playbacks = new Set<MediaSource>();
  private readonly lingerTimers = new Map<Source, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly opts: RegistryOptions) {}

  get sources(): ReadonlySet<Source> {
    return this.all;
  }

  /**
   * A source for this origin, described and ready for SETUP; the caller holds one reference
   * (release it with `source.release()`).
   */
  async acquire(req: SourceRequest): Promise<MediaSource> {
    if (this.stopped) throw new RuntimeError('STOPPING', 'seamd is stopping');
    const key = sourceKey(req.origin);
    const existing = this.live.get(key);
    if (existing && !existing.closed) return this.hold(existing, req);
    const policy = this.opts.upstreamPolicy?.(req) ?? { allowed: true };
    const cached = await this.opts.cache?.lookup(
      req,
      policy.allowed ? undefined : { kind: 'policy', why: policy.why },
    );
    if (!cached && !policy.allowed) {
      throw new RuntimeError(
        'UPSTREAM_NOT_ALLOWED',
        `no upstream session allowed (${policy.why}) and no recording of ${req.origin}`,
      );
    }
    if (cached) return this.adopt(cached);
    const inflight = this.pending.get(key);
    if (inflight) {
      const src = await inflight.catch(() => undefined);
      if (src?.shared && !src.closed) return this.hold(src, req);
    }
    const opening = this.open(key, req);
    this.pending.set(key, opening);
    try {
      const src = await opening;
      return this.hold(src, req);
    } catch (err) {
      // A copy beats an error: the origin is down or failing, so the best recording of the
      // content is served whatever its completeness (the cache logs why).
      if (!isOriginUnavailable(err) || this.stopped) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      const copy = await this.opts.cache?.lookup(req, { kind: 'origin-unreachable', reason });
      if (!copy) throw err;
      return this.adopt(copy);
    } finally {
      if (this.pending.get(key) === opening) this.pending.delete(key);
    }
  }

  /** A playback from a recording becomes the viewer's source. */
  private adopt(cached: MediaSource): MediaSource {
    if (this.stopped) {
      cached.release();
      throw new RuntimeError('STOPPING', 'seamd is stopping');
    }
    this.playbacks.add(cached);
    cached.once('closed', () => this.playbacks.delete(cached));
    cached.retain();
    return cached;
  }

  private async open(key: string, req: SourceRequest): Promise<Source> {
    const id = `src-${randomBytes(4).toString('hex')}`;
    const leg = this.opts.createLeg(`${id}-leg1`, req.origin, req);
    let described;
    try {
      described = await leg.describe();
    } catch (err) {
      leg.close(err instanceof Error ? err : undefined);
      throw err;
    }
    const src = new Source({
      id,
      key,
      origin: req.origin,
      mirrors: req.mirrors,
      pathName: req.pathName,
      leg,
      sdpText: described.sdpText,
      info: described.info,
      seam: req.seam,
      createLeg: (legId, url) => this.opts.createLeg(legId, url, req),
      lossFor: this.opts.lossFor ? (i) => this.opts.lossFor?.(req, i) : undefined,
      log: this.opts.log,
    });
    this.all.add(src);
    if (src.shared) this.live.set(key, src);
    this.opts.onSourceOpened?.(src);
    src.on('idle', () => this.onIdle(src));
    src.once('closed', () => {
      this.all.delete(src);
      if (this.live.get(key) === src) this.live.delete(key);
      this.clearLinger(src);
    });
    logEvent(
      this.opts.log,
      'info',
      'source.open',
      {
        source: src.id,
        origin: req.origin,
        path: req.pathName,
        live: src.shared,
        tracks: described.info.tracks.map((t) => `${t.mediaType}/${t.encoding ?? t.payloadType}`),
      },
      'source opened',
    );
    return src;
  }

  private hold(src: Source, req: SourceRequest): Source {
    this.clearLinger(src);
    if (req.fastStart) src.enableFastStart(this.opts.gopLimits ?? DEFAULT_GOP_LIMITS);
    src.retain();
    return src;
  }

  private onIdle(src: Source): void {
    if (src.closed) return;
    if (!src.shared || this.opts.lingerMs <= 0) {
      src.close();
      return;
    }
    this.clearLinger(src);
    const timer = setTimeout(() => {
      this.lingerTimers.delete(src);
      if (!src.referenced) src.close();
    }, this.opts.lingerMs);
    timer.unref();
    this.lingerTimers.set(src, timer);
  }

  private clearLinger(src: Source): void {
    const t = this.lingerTimers.get(src);
    if (t) clearTimeout(t);
    this.lingerTimers.delete(src);
  }

  /** Closes every source (TEARDOWN upstream). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of [...this.playbacks]) p.close();
    const sources = [...this.all];
    for (const src of sources) src.close();
    await Promise.all(sources.map((src) => src.teardownDone));
  }
}
