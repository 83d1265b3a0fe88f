/**
 * The logger: pino JSON lines (or pino-pretty for people at a terminal). What is logged and how
 * (the event catalog, `logEvent`, field names) lives in src/events.ts.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  level: string;
  /** `auto`: pretty when the destination is a TTY. */
  pretty: boolean | 'auto';
  /** Default: stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const destination = opts.destination ?? process.stdout;
  const isTty = (destination as { isTTY?: boolean }).isTTY === true;
  const usePretty = opts.pretty === 'auto' ? isTty : opts.pretty;
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"info" rather than 30: operators grep and jq these lines.
    formatters: { level: (label) => ({ level: label }) },
  };
  if (!usePretty) return pino(options, destination);
  const stream = pretty({
    destination,
    colorize: isTty,
    sync: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,event',
    messageFormat: '{if event}[{event}] {end}{msg}',
    hideObject: false,
  });
  return pino(options, stream);
}
