/**
 * Telemetry's hooks into the running daemon (daemon.ts calls these): upstream health from each
 * leg's first packet or failure, and the operators' HTTP listener serving /metrics and
 * /api/status from the telemetry engine.
 */
import type { Logger } from 'pino';
import type { Telemetry } from './engine.js';
import { OperatorHttp } from './http.js';
import { TelemetryMetrics } from './metrics.js';
import { processFacts } from './process-facts.js';
import { buildStatus } from './status.js';

/** What telemetry watches of an upstream leg (src/upstream/leg.ts). */
export interface ObservedLeg {
  readonly url: string;
  once(name: 'rtp', fn: () => void): unknown;
  once(name: 'closed', fn: (reason: Error | undefined) => void): unknown;
}

/** A leg that delivers media marks its origin up; one that ends with an error, failing. */
export function observeLeg(telemetry: Telemetry, leg: ObservedLeg): void {
  leg.once('rtp', () => telemetry.noteUpstream(leg.url, true));
  leg.once('closed', (reason) => {
    if (reason) telemetry.noteUpstream(leg.url, false);
  });
}

export interface OperatorEndpoint {
  readonly address: { host: string; port: number };
  stop(): Promise<void>;
}

/** Serves /metrics and /api/status on `listen` (listen.http). */
export async function startOperatorHttp(
  telemetry: Telemetry,
  listen: { host: string; port: number },
  log: Logger,
): Promise<OperatorEndpoint> {
  const metrics = new TelemetryMetrics(telemetry);
  const http = new OperatorHttp(
    {
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      status: () => ({ ...buildStatus(telemetry, Date.now()), process: processFacts() }),
    },
    log,
  );
  const address = await http.start(listen.host, listen.port);
  return { address, stop: () => http.stop() };
}
