/**
 * Assembles seamd from a validated config: the source registry (upstream legs) and the RTSP
 * front end. `reload` swaps the path map and allowlist without touching running sessions.
 */
import { logEvent } from '../events.js';
import { resolve as resolvePath } from 'node:path';
import type { Logger } from 'pino';
import { RecordingCache } from '../serve/cache.js';
import { sourceKey } from '../upstream/url.js';
import { Recorder } from '../source/recorder.js';
import { RecordingFeeds } from '../store/feeds.js';
import { ArchiveSet, type ArchivedPath } from '../source/archives.js';
import type { NamedSpanProvider } from '../store/named-spans.js';
import { ClipBook } from '../source/clips.js';
import { RecordingCatalog } from '../store/catalog.js';
import { RepairService } from '../repair/service.js';
import type { LossModel } from '../seam/loss-model.js';
import type { Leg } from '../upstream/leg.js';
import { repairLegFactory, upstreamLeg } from './upstream-leg.js';
import { seedDemo } from './demo.js';
import { SourceRegistry, type SourceRequest } from '../source/registry.js';
import { FrontEnd } from '../serve/front.js';
import type { PathTarget, ResolveContext } from '../serve/resolve.js';
import { SelfHosts } from '../serve/self.js';
import { Telemetry } from '../telemetry/engine.js';
import { observeLeg, startOperatorHttp } from '../telemetry/runtime.js';
import { recordingRows } from '../telemetry/recordings-view.js';
import { Allowlist } from '../serve/allowlist.js';
import type { Config } from './config.js';

/** What the CLI and the signal handlers need of a running daemon. */
export interface DaemonHandle {
  /** Addresses actually bound (ports resolved when config asked for port 0). */
  readonly addresses: {
    rtsp: { host: string; port: number };
    http?: { host: string; port: number } | null;
  };
  /** Graceful stop: TEARDOWN upstream, close viewers, close sockets. */
  stop(): Promise<void>;
  /** Apply a new config's path map and allowlist without dropping viewers. */
  reload(config: Config): void;
}

/** The running daemon with its parts, for tests and (later) the status API. */
export interface Daemon extends DaemonHandle {
  readonly addresses: {
    rtsp: { host: string; port: number };
    rtp: number;
    rtcp: number;
    /** The operators' HTTP listener (/metrics, /api/status); null when listen.http is null. */
    http: { host: string; port: number } | null;
  };
  readonly front: FrontEnd;
  /** Viewer reports, aggregation, decisions (`upstreamAllowed`, `recordingOnly`). */
  readonly telemetry: Telemetry;
  readonly registry: SourceRegistry;
  /** The recordings directory (undefined when recordings.enabled is false). */
  readonly catalog: RecordingCatalog | undefined;
  /** Repair of recordings' gaps (undefined when recordings.enabled is false). */
  readonly repair: RepairService | undefined;
  /** Archived live paths (undefined when recordings.enabled is false). */
  readonly archives: ArchiveSet | undefined;
  /** Clips and schedules of the archives: `clips.namedSpans(nowMs, path?)` lists them. */
  readonly clips: ClipBook | undefined;
}

/** How long a live source with no viewers keeps its upstream session. */
const LIVE_LINGER_MS = 5000;
/** How often growing recordings are measured against the quota. */
const QUOTA_CHECK_MS = 30_000;

export function resolveContextFrom(
  config: Config,
  spanOf?: ResolveContext['spanOf'],
): ResolveContext {
  const paths = new Map<string, PathTarget>();
  for (const [name, p] of Object.entries(config.paths)) {
    paths.set(name, {
      name,
      origin: p.origin,
      mirrors: p.mirrors,
      transport: p.upstream.transport,
      seam: p.seam,
      fastStart: p.fastStart,
    });
  }
  return {
    paths,
    allow: new Allowlist(config.transparent.allow),
    selfHosts: new SelfHosts(config.listen.names),
    defaultTransport: config.upstream.transport,
    defaultSeam: config.seam,
    defaultFastStart: config.serve.fastStart,
    ...(spanOf ? { spanOf } : {}),
  };
}

const wildcard = (host: string): boolean => host === '' || host === '0.0.0.0' || host === '::';

/** The paths with an `archive` section, as source requests. */
export function archivedPaths(config: Config): Map<string, ArchivedPath> {
  const out = new Map<string, ArchivedPath>();
  for (const [name, p] of Object.entries(config.paths)) {
    if (!p.archive) continue;
    out.set(name, {
      request: {
        origin: p.origin,
        mirrors: p.mirrors,
        transport: p.upstream.transport,
        pathName: name,
        seam: p.seam,
      },
      archive: p.archive,
    });
  }
  return out;
}

/** Injection points for tests and drills (never set by the CLI). */
export interface DaemonDeps {
  /** Drop packets behind a leg's socket: per source request and leg index (0 = first leg). */
  readonly lossFor?: (req: SourceRequest, legIndex: number) => LossModel | undefined;
  /** Drop viewers' UDP RTP before the socket send, per destination address and port. */
  readonly viewerLossFor?: (address: string, port: number) => LossModel | undefined;
  /** Clips and programmes for /api/archive (the archive listing shows them). */
  readonly namedSpans?: NamedSpanProvider;
}

export async function startDaemon(
  initial: Config,
  log: Logger,
  deps: DaemonDeps = {},
): Promise<Daemon> {
  let config = initial;
  const telemetry = new Telemetry({ config: config.telemetry, rules: config.rules, log });
  const createLeg = (id: string, url: string, req: SourceRequest): Leg => {
    const leg = upstreamLeg(config, log, id, url, req.transport);
    observeLeg(telemetry, leg);
    return leg;
  };
  let catalog: RecordingCatalog | undefined;
  if (config.recordings.enabled) {
    await seedDemo(config, log);
    catalog = new RecordingCatalog({
      dir: resolvePath(config.recordings.dir),
      log,
      quotaBytes: config.recordings.quota,
      keyOf: sourceKey,
    });
    await catalog.open();
    await catalog.enforceQuota();
  }
  const recorders = new Set<Recorder>();
  const cat = catalog;
  const feeds = cat
    ? new RecordingFeeds({
        catalog: cat,
        onWriteError: (id, err) =>
          logEvent(
            log,
            'error',
            'recording.error',
            { recording: id, code: err.code, reason: err.message },
            'recording write failed',
          ),
      })
    : undefined;
  const repair = cat
    ? new RepairService({
        config: () => config.repair,
        pathOrigin: (name) => config.paths[name]?.origin,
        createLeg: repairLegFactory(() => config, log),
        catalog: cat,
        log,
      })
    : undefined;
  const cache = cat
    ? new RecordingCache({
        catalog: cat,
        log,
        minCompleteness: () => config.serve.minCompleteness,
        revalidate: () => config.recordings.revalidate,
        revalidateTimeoutMs: () => config.recordings.revalidateTimeoutMs,
        onIncomplete: (id) => void repair?.request(id, 'viewer asked for it'),
        describe: (req) => {
          const leg = createLeg(`revalidate-${Date.now().toString(36)}`, req.origin, req);
          return {
            result: leg.describe().then((d) => d.info),
            cancel: () => leg.close(),
          };
        },
      })
    : undefined;
  const registry = new SourceRegistry({
    log,
    createLeg,
    lingerMs: LIVE_LINGER_MS,
    gopLimits: {
      gops: config.serve.fastStartGops,
      maxBytes: config.serve.fastStartMaxBytes,
      maxPackets: config.serve.fastStartMaxPackets,
    },
    ...(deps.lossFor ? { lossFor: deps.lossFor } : {}),
    ...(cache ? { cache } : {}),
    upstreamPolicy: (req) => {
      if (!telemetry.upstreamAllowed(req.origin)) {
        return { allowed: false, why: 'origin refused by a telemetry rule (down)' };
      }
      if (telemetry.recordingOnly(req.pathName, req.origin)) {
        return { allowed: false, why: 'recording-only by a telemetry rule' };
      }
      return { allowed: true };
    },
    onSourceOpened: (src) => {
      if (!feeds) return;
      // An archived path has its archive: no second copy as a recording.
      if (src.pathName !== undefined && config.paths[src.pathName]?.archive) return;
      const r = Recorder.attach(src, {
        feeds,
        log,
        recordLive: config.recordings.live,
        onFinished: (id, state, live) => {
          if (state === 'partial' && !live) repair?.request(id, 'recorded with gaps');
        },
      });
      if (!r) return;
      recorders.add(r);
      src.once('closed', () => void r.done.finally(() => recorders.delete(r)));
    },
  });
  const archives: ArchiveSet | undefined = cat
    ? new ArchiveSet({
        recordingsDir: cat.dir,
        log,
        acquire: (req) => registry.acquire(req),
        overQuota: (): number => {
          const quota = config.recordings.quota;
          return quota > 0 ? Math.max(0, cat.totalBytes() + (archives?.bytes ?? 0) - quota) : 0;
        },
        keep: (path, seg): boolean => clips?.keep(path, seg) ?? false,
      })
    : undefined;
  let rtspBase = 'rtsp://seamd';
  const clips: ClipBook | undefined = archives
    ? new ClipBook({
        recordingsDir: archives.recordingsDir,
        log,
        storeOf: (path) => archives.opened(path),
        urlBase: () => rtspBase,
      })
    : undefined;
  await clips?.update(config.clips, config.schedule);
  await clips?.start();
  const spanOf = clips && ((parts: readonly string[]) => clips.target(parts));
  const quotaTimer = setInterval(
    () => void cat?.refreshSizes().catch(() => undefined),
    QUOTA_CHECK_MS,
  );
  quotaTimer.unref();
  const front = new FrontEnd({
    log,
    registry,
    rtsp: config.listen.rtsp,
    rtp: config.listen.rtp,
    maxConnections: config.limits.maxConnections,
    maxConnectionsPerAddress: config.limits.maxConnectionsPerAddress,
    sessionTimeoutSec: config.limits.sessionTimeoutSec,
    maxRequestBytes: config.limits.maxRequestBytes,
    requestTimeoutSec: config.limits.requestTimeoutSec,
    idleTimeoutSec: config.limits.idleTimeoutSec,
    serverHeader: 'seamd/0.1',
    resolveContext: resolveContextFrom(config, spanOf),
    onViewerRtcp: (session, track, payload) => telemetry.onViewerRtcp(session, track, payload),
    viewerLossFor: deps.viewerLossFor,
    archiveOf: (path) => archives?.opened(path),
  });
  const bound = await front.start();
  rtspBase = `rtsp://${bound.rtsp.host.includes(':') ? `[${bound.rtsp.host}]` : bound.rtsp.host}:${bound.rtsp.port}`;
  telemetry.start({
    sources: () => registry.sources,
    sessions: () => front.viewerSessions.values(),
  });
  let operatorHttp: Awaited<ReturnType<typeof startOperatorHttp>> | undefined;
  try {
    if (config.listen.http)
      operatorHttp = await startOperatorHttp(
        telemetry,
        {
          listen: config.listen.http,
          access: config.http,
          recordings: cat
            ? () =>
                recordingRows(cat.list(), repair?.status() ?? { queued: [], running: undefined })
            : undefined,
          archive: archives
            ? {
                describe: () => archives.describe(),
                named:
                  deps.namedSpans ?? ((path?: string) => clips?.namedSpans(Date.now(), path) ?? []),
                rtsp: {
                  host: wildcard(bound.rtsp.host) ? null : bound.rtsp.host,
                  port: bound.rtsp.port,
                },
              }
            : undefined,
        },
        log,
      );
  } catch (err) {
    telemetry.stop();
    await front.stop();
    throw err;
  }
  logEvent(
    log,
    'info',
    'daemon.start',
    {
      rtsp: `${bound.rtsp.host}:${bound.rtsp.port}`,
      rtp: bound.rtp,
      paths: Object.keys(config.paths).length,
      allow: config.transparent.allow.length,
    },
    'seamd started',
  );
  repair?.start();
  void archives?.update(archivedPaths(config));
  // Background repair: every incomplete recording of file-backed content, until it is perfect.
  if (cat && repair && config.repair.schedule !== 'manual') {
    for (const e of cat.list()) {
      const m = e.meta;
      if (!m || e.error || m.live || m.state === 'complete' || m.repair?.status === 'gone')
        continue;
      repair.request(e.id, 'incomplete at start');
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    addresses: { ...bound, http: operatorHttp?.address ?? null },
    front,
    telemetry,
    registry,
    catalog,
    repair,
    archives,
    clips,
    stop() {
      stopping ??= (async () => {
        clearInterval(quotaTimer);
        clips?.stop();
        await repair?.stop();
        telemetry.stop();
        await operatorHttp?.stop();
        await front.stop();
        await archives?.stop();
        await registry.stop();
        await Promise.all([...recorders].map((r) => r.done));
      })();
      return stopping;
    },
    reload(next: Config) {
      config = next;
      front.setResolveContext(resolveContextFrom(next, spanOf));
      void clips?.update(next.clips, next.schedule);
      telemetry.update(next.telemetry, next.rules);
      void archives?.update(archivedPaths(next));
    },
  };
}
