/** One log line per Seamer decision that operators care about (alignment, gaps), and leg closes. */
import type { Logger } from 'pino';
import type { SeamEvent } from '../seam/seamer.js';

export function logSeamEvent(log: Logger, source: string, ev: SeamEvent): void {
  switch (ev.kind) {
    case 'gap':
      log.debug(
        { event: 'seam.gap', source, track: ev.track, from: ev.fromExt, to: ev.toExt },
        'gap no leg filled',
      );
      break;
    case 'aligned': {
      const { leg, track, via, seqOffset, tsOffset } = ev;
      const fields = { event: 'leg.aligned', source, leg, track, via, seqOffset, tsOffset };
      log.info(fields, 'leg aligned into canonical space');
      break;
    }
    case 'unaligned':
      log.warn(
        { event: 'leg.unaligned', source, leg: ev.leg, track: ev.track, reason: ev.reason },
        'leg payloads never matched: not merged',
      );
      break;
    case 'realign':
      log.info(
        { event: 'leg.realign', source, leg: ev.leg, track: ev.track, reason: ev.reason },
        'leg changed SSRC: aligning again',
      );
      break;
    case 'packet':
      break;
  }
}

/** A `leg.close` line: a leg closed by a decision, lost, or never opened. */
export function logLegClose(
  log: Logger,
  level: 'info' | 'warn',
  msg: string,
  fields: Record<string, unknown>,
): void {
  log[level]({ event: 'leg.close', ...fields }, msg);
}
