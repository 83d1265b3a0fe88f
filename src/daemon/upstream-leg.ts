/**
 * An upstream leg built from the config: timeouts and User-Agent from `upstream`, credentials
 * from `upstream.credentials` when the URL carries none. Used for viewers' sources and for
 * repair legs (which choose their own transport).
 */
import type { Logger } from 'pino';
import { Leg } from '../upstream/leg.js';
import { credentialsKeys } from '../upstream/url.js';
import type { Config, UpstreamTransport } from './config-schema.js';

const CONNECT_TIMEOUT_MS = 5000;

/** `upstream.credentials` for an origin URL: `host:port` first, then `host`. */
export function credentialsFor(
  config: Config,
  origin: string,
): { username: string; password: string } | undefined {
  for (const key of credentialsKeys(origin)) {
    const found = config.upstream.credentials[key];
    if (found) return found;
  }
  return undefined;
}

/** Repair legs: transport from `repair.transport` (read when the leg is made), the rest as above. */
export function repairLegFactory(
  config: () => Config,
  log: Logger,
): (id: string, url: string) => Leg {
  return (id, url) => upstreamLeg(config(), log, id, url, config().repair.transport);
}

export function upstreamLeg(
  config: Config,
  log: Logger,
  id: string,
  url: string,
  transport: UpstreamTransport,
): Leg {
  const credentials = credentialsFor(config, url);
  return new Leg({
    id,
    url,
    transport,
    udpTimeoutMs: config.upstream.udpTimeoutMs,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    requestTimeoutMs: config.upstream.requestTimeoutMs,
    userAgent: config.upstream.userAgent,
    log,
    ...(credentials ? { credentials } : {}),
  });
}
