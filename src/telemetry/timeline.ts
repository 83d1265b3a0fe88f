/**
 * The decisions timeline (`GET /api/events?after=<seq>`): the last log lines of the events an
 * operator follows (decisions, failovers, legs opened and closed), kept in a fixed ring as they
 * are logged. Each entry keeps the line's plain fields (numbers, short strings, short lists).
 */
import type { Logger } from 'pino';
import { watchEvents, type LogEvent, type LogFields } from '../events.js';

export const TIMELINE_EVENTS: readonly LogEvent[] = [
  'telemetry.decision',
  'telemetry.clear',
  'source.failover',
  'leg.open',
  'leg.close',
];

export interface TimelineEntry {
  readonly seq: number;
  /** Unix milliseconds. */
  readonly at: number;
  readonly event: LogEvent;
  readonly fields: Readonly<Record<string, unknown>>;
}

const MAX_STRING = 200;
const MAX_LIST = 8;

function plain(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v;
  if (Array.isArray(v)) return v.slice(0, MAX_LIST).map(plain);
  if (v instanceof Error) return v.message.slice(0, MAX_STRING);
  return undefined;
}

export class Timeline {
  private readonly ring: TimelineEntry[] = [];
  private seq = 0;

  constructor(
    private readonly capacity = 500,
    private readonly now: () => number = Date.now,
  ) {}

  /** Follows `log`'s events (and its children's); returns the unsubscribe. */
  follow(log: Logger): () => void {
    const wanted = new Set(TIMELINE_EVENTS);
    return watchEvents(log, (event, fields) => {
      if (wanted.has(event)) this.add(event, fields);
    });
  }

  add(event: LogEvent, fields: LogFields): void {
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      const p = plain(v);
      if (p !== undefined) kept[k] = p;
    }
    this.ring.push({ seq: ++this.seq, at: this.now(), event, fields: kept });
    if (this.ring.length > this.capacity) this.ring.shift();
  }

  /** Entries after `seq` (oldest first). */
  after(seq: number): TimelineEntry[] {
    return this.ring.filter((e) => e.seq > seq);
  }
}
