/**
 * Opening one extra leg of a source: the `leg.open` line with the decision's numbers, the
 * session created, DESCRIBEd (it must be the same content) and SET UP; then the LegSet adopts it
 * (and PLAYs it when it plays). A leg that fails to open is logged as `leg.close` and dropped.
 */
import type { Logger } from 'pino';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import type { Leg } from '../upstream/leg.js';
import { round, type OpenRequest } from './leg-entry.js';
import { extraLegUrl, setupSameContent } from './leg-play.js';
import { logLegClose, logLegOpen } from './seam-log.js';

export interface ExtraLegHost {
  readonly sourceId: string;
  readonly log: Logger;
  readonly info: SdpInfo;
  /** The origin URL first, then mirrors. */
  readonly urls: readonly string[];
  readonly createLeg: (id: string, url: string) => Leg;
  /** False once the set closed while the leg was being set up: it is torn down. */
  stillWanted(): boolean;
  adopt(leg: Leg, url: string, index: number): Promise<void>;
}

/** Opens extra leg number `index` (1 on) to `to`, or to the next mirror in turn. */
export async function openExtraLeg(
  host: ExtraLegHost,
  d: OpenRequest,
  index: number,
  to: string | undefined,
): Promise<void> {
  const url = to ?? extraLegUrl(host.urls, index);
  const id = `${host.sourceId}-leg${index + 1}`;
  logLegOpen(host.log, `opening upstream leg: ${d.reason}`, {
    source: host.sourceId,
    leg: id,
    url,
    reason: d.reason,
    lossPct: round(d.lossPct),
    threshold: d.threshold,
    trigger: d.trigger,
    rule: d.rule,
    legs: d.legsNow + 1,
  });
  const leg = host.createLeg(id, url);
  try {
    await setupSameContent(leg, host.info);
    if (!host.stillWanted()) {
      await leg.teardown();
      return;
    }
    await host.adopt(leg, url, index);
  } catch (err) {
    logLegClose(host.log, 'warn', 'extra upstream leg could not be opened', {
      source: host.sourceId,
      leg: id,
      url,
      reason: `open failed: ${(err as Error).message}`,
    });
    leg.close(err instanceof Error ? err : undefined);
  }
}
