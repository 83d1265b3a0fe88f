/** One log line per Seamer decision that operators care about (alignment, gaps), leg opens and closes. */
import type { Logger } from 'pino';
import { logEvent, type LogFields } from '../events.js';
import type { SeamEvent } from '../seam/seamer.js';

export function logSeamEvent(log: Logger, source: string, ev: SeamEvent): void {
  switch (ev.kind) {
    case 'gap':
      logEvent(
        log,
        'debug',
        'seam.gap',
        { source, track: ev.track, from: ev.fromExt, to: ev.toExt },
        'gap no leg filled',
      );
      break;
    case 'aligned': {
      const { leg, track, via, seqOffset, tsOffset } = ev;
      logEvent(
        log,
        'info',
        'leg.aligned',
        { source, leg, track, via, seqOffset, tsOffset },
        'leg aligned into canonical space',
      );
      break;
    }
    case 'unaligned':
    case 'realign': {
      const unaligned = ev.kind === 'unaligned';
      logEvent(
        log,
        unaligned ? 'warn' : 'info',
        unaligned ? 'leg.unaligned' : 'leg.realign',
        { source, leg: ev.leg, track: ev.track, reason: ev.reason },
        unaligned ? 'leg payloads never matched: not merged' : 'leg changed SSRC: aligning again',
      );
      break;
    }
    case 'packet':
      break;
  }
}

/** A `leg.open` line: the first leg, or one a policy decision opens. */
export function logLegOpen(log: Logger, msg: string, fields: LogFields): void {
  logEvent(log, 'info', 'leg.open', fields, msg);
}

/** A `leg.close` line: a leg closed by a decision, lost, or never opened. */
export function logLegClose(
  log: Logger,
  level: 'info' | 'warn',
  msg: string,
  fields: LogFields,
): void {
  logEvent(log, level, 'leg.close', fields, msg);
}
