/** The repairer's options from the config's `repair:` section. */
import type { RepairConfig } from './config.js';
import type { RepairOptions } from './repairer.js';
import { DEFAULT_REPAIR_OPTIONS } from './repairer.js';

export function repairOptionsFrom(r: RepairConfig): RepairOptions {
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
