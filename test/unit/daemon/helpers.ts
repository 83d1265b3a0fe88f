import type { Logger } from 'pino';
import { createLogger } from '../../../src/daemon/log.js';

export interface MemoryLog {
  log: Logger;
  /** Parsed JSON log lines written so far. */
  lines(): Record<string, unknown>[];
  /** Lines with this `event`. */
  events(event: string): Record<string, unknown>[];
}

/** A JSON logger writing into memory (pino writes synchronously to a plain `write` object). */
export function memoryLog(level = 'info'): MemoryLog {
  const chunks: string[] = [];
  const destination = {
    write(chunk: string): boolean {
      chunks.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const log = createLogger({ level, pretty: false, destination });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines, events: (event) => lines().filter((l) => l.event === event) };
}
