/**
 * Assembles seamd from a validated config: the source registry (upstream legs) and the RTSP
 * front end. `reload` swaps the path map and allowlist without touching running sessions.
 */
import type { Logger } from 'pino';
import type { LossModel } from '../seam/loss-model.js';
import { Leg } from '../upstream/leg.js';
import { SourceRegistry, type SourceRequest } from '../source/registry.js';
import { FrontEnd } from '../serve/front.js';
import type { PathTarget, ResolveContext } from '../serve/resolve.js';
import { Allowlist } from './allowlist.js';
import type { Config } from './config.js';

/** What the CLI and the signal handlers need of a running daemon. */
export interface DaemonHandle {
  /** Addresses actually bound (ports resolved when config asked for port 0). */
  readonly addresses: { rtsp: { host: string; port: number } };
  /** Graceful stop: TEARDOWN upstream, close viewers, close sockets. */
  stop(): Promise<void>;
  /** Apply a new config's path map and allowlist without dropping viewers. */
  reload(config: Config): void;
}

/** The running daemon with its parts, for tests and (later) the status API. */
export interface Daemon extends DaemonHandle {
  readonly addresses: { rtsp: { host: string; port: number }; rtp: number; rtcp: number };
  readonly front: FrontEnd;
  readonly registry: SourceRegistry;
}

/** How long a live source with no viewers keeps its upstream session. */
const LIVE_LINGER_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;

export function resolveContextFrom(config: Config): ResolveContext {
  const paths = new Map<string, PathTarget>();
  for (const [name, p] of Object.entries(config.paths)) {
    paths.set(name, {
      name,
      origin: p.origin,
      mirrors: p.mirrors,
      transport: p.upstream.transport,
      seam: p.seam,
    });
  }
  return {
    paths,
    allow: new Allowlist(config.transparent.allow),
    selfHosts: new Set<string>(),
    defaultTransport: config.upstream.transport,
    defaultSeam: config.seam,
  };
}

function credentialsFor(
  config: Config,
  origin: string,
): { username: string; password: string } | undefined {
  try {
    const url = new URL(origin);
    const host = url.hostname.toLowerCase();
    const port = url.port === '' ? '554' : url.port;
    return config.upstream.credentials[`${host}:${port}`] ?? config.upstream.credentials[host];
  } catch {
    return undefined;
  }
}

/** Injection points for tests and drills (never set by the CLI). */
export interface DaemonDeps {
  /** Drop packets behind a leg's socket: per source request and leg index (0 = first leg). */
  readonly lossFor?: (req: SourceRequest, legIndex: number) => LossModel | undefined;
}

export async function startDaemon(
  initial: Config,
  log: Logger,
  deps: DaemonDeps = {},
): Promise<Daemon> {
  let config = initial;
  const createLeg = (id: string, url: string, req: SourceRequest): Leg => {
    const credentials = credentialsFor(config, url);
    return new Leg({
      id,
      url,
      transport: req.transport,
      udpTimeoutMs: config.upstream.udpTimeoutMs,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestTimeoutMs: config.upstream.requestTimeoutMs,
      userAgent: config.upstream.userAgent,
      log,
      ...(credentials ? { credentials } : {}),
    });
  };
  const registry = new SourceRegistry({
    log,
    createLeg,
    lingerMs: LIVE_LINGER_MS,
    ...(deps.lossFor ? { lossFor: deps.lossFor } : {}),
  });
  const front = new FrontEnd({
    log,
    registry,
    rtsp: config.listen.rtsp,
    rtp: config.listen.rtp,
    maxConnections: config.limits.maxConnections,
    maxConnectionsPerAddress: config.limits.maxConnectionsPerAddress,
    sessionTimeoutSec: config.limits.sessionTimeoutSec,
    maxRequestBytes: config.limits.maxRequestBytes,
    serverHeader: 'seamd/0.1',
    resolveContext: resolveContextFrom(config),
  });
  const bound = await front.start();
  log.info(
    {
      event: 'daemon.start',
      rtsp: `${bound.rtsp.host}:${bound.rtsp.port}`,
      rtp: bound.rtp,
      paths: Object.keys(config.paths).length,
      allow: config.transparent.allow.length,
    },
    'seamd started',
  );
  let stopping: Promise<void> | undefined;
  return {
    addresses: bound,
    front,
    registry,
    stop() {
      stopping ??= (async () => {
        await front.stop();
        await registry.stop();
      })();
      return stopping;
    },
    reload(next: Config) {
      config = next;
      front.setResolveContext(resolveContextFrom(next));
    },
  };
}
