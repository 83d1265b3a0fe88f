/**
 * A pino JSON logger writing into memory, made by the daemon's own createLogger, so tests see
 * the lines (and their `event` names) exactly as an operator would.
 */
import type { Logger } from 'pino';
import { createLogger } from '../../src/daemon/log.js';

export interface LogLine {
  event?: string;
  level?: string | number;
  msg?: string;
  [k: string]: unknown;
}

export interface MemoryLogger {
  readonly log: Logger;
  /** Every line written so far, parsed (a live array: it grows as the logger writes). */
  readonly lines: LogLine[];
  /** The lines with this `event`. */
  readonly events: (event: string) => LogLine[];
}

/**
 * pino writes synchronously to a plain object with `write`, so a line is in `lines` as soon as
 * the log call returns.
 */
export function memoryLogger(level = 'info'): MemoryLogger {
  const lines: LogLine[] = [];
  let rest = '';
  const destination = {
    write(chunk: string | Buffer): boolean {
      const text = rest + chunk.toString();
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) if (l.trim() !== '') lines.push(JSON.parse(l) as LogLine);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const log = createLogger({ level, pretty: false, destination });
  return { log, lines, events: (event) => lines.filter((l) => l.event === event) };
}
