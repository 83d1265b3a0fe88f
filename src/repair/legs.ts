/** Repair legs built from the config: transport from `repair.transport`, the rest from `upstream`. */
import type { Logger } from 'pino';
import type { Config } from '../daemon/config-schema.js';
import { Leg } from '../upstream/leg.js';
import type { RepairOptions } from './repairer.js';
import { DEFAULT_REPAIR_OPTIONS } from './repairer.js';

const CONNECT_TIMEOUT_MS = 5000;

function credentialsFor(config: Config, origin: string) {
  try {
    const url = new URL(origin);
    const host = url.hostname.toLowerCase();
    const port = url.port === '' ? '554' : url.port;
    return config.upstream.credentials[`${host}:${port}`] ?? config.upstream.credentials[host];
  } catch {
    return undefined;
  }
}

export function repairLegFactory(config: Config, log: Logger): (id: string, url: string) => Leg {
  return (id, url) => {
    const credentials = credentialsFor(config, url);
    return new Leg({
      id,
      url,
      transport: config.repair.transport,
      udpTimeoutMs: config.upstream.udpTimeoutMs,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      requestTimeoutMs: config.upstream.requestTimeoutMs,
      userAgent: config.upstream.userAgent,
      log,
      ...(credentials ? { credentials } : {}),
    });
  };
}

/** The repairer's options from the config's `repair:` section. */
export function repairOptionsFrom(config: Config): RepairOptions {
  const r = config.repair;
  return {
    ...DEFAULT_REPAIR_OPTIONS,
    coalesceSec: r.coalesceSec,
    maxSpanSec: r.maxSpanSec,
    maxConcurrentLegs: r.maxConcurrentLegs,
    maxBandwidthKbps: r.maxBandwidthKbps,
    speed: r.speed,
    maxAttempts: r.retryAttempts,
    backoffSec: r.retryBackoffSec,
  };
}
