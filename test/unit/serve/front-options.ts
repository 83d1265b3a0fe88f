import pino from 'pino';
import { defaultConfig } from '../../../src/daemon/config.js';
import type { FrontOptions } from '../../../src/serve/front.js';
import type { SourceRegistry } from '../../../src/source/registry.js';

/**
 * FrontEnd options for tests: loopback with OS-picked ports, seamd's default limits, a silent
 * log, no registry and no resolver (tests that reach them pass their own in `over`).
 */
export function frontOptions(over: Partial<FrontOptions> = {}): FrontOptions {
  return {
    log: pino({ level: 'silent' }),
    registry: {} as SourceRegistry,
    rtsp: { host: '127.0.0.1', port: 0 },
    rtp: { host: '127.0.0.1', port: 0 },
    ...defaultConfig().limits,
    serverHeader: 'test',
    resolveContext: {} as FrontOptions['resolveContext'],
    ...over,
  };
}
