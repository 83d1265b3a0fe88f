/** Repair legs built from the config: transport from `repair.transport`, the rest from `upstream`. */
import type { Logger } from 'pino';
import type { Config } from '../daemon/config-schema.js';
import { upstreamLeg } from '../daemon/upstream-leg.js';
import type { Leg } from '../upstream/leg.js';
import type { RepairOptions } from './repairer.js';
import { DEFAULT_REPAIR_OPTIONS } from './repairer.js';

export function repairLegFactory(config: Config, log: Logger): (id: string, url: string) => Leg {
  return (id, url) => upstreamLeg(config, log, id, url, config.repair.transport);
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
