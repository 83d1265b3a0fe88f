import { parseConfigText } from '../../src/daemon/config.js';
import { startDaemon, type Daemon, type DaemonDeps } from '../../src/daemon/daemon.js';
import { memoryLogger, type LogLine } from './log.js';

export type { LogLine } from './log.js';

export interface Seamd {
  handle: Daemon;
  port: number;
  /** rtsp://127.0.0.1:<port>/<path> */
  url(path: string): string;
  logs: LogLine[];
  events(name: string): LogLine[];
  stop(): Promise<void>;
}

/**
 * Starts seamd in this process from YAML text (ports 0 are picked by the OS). Unless the YAML
 * has a top-level `recordings:` section, recordings are off (tests of the relay must reach the
 * origin every time, and must not write into the working directory).
 */
export async function startSeamd(yaml: string, deps: DaemonDeps = {}): Promise<Seamd> {
  if (!/^recordings:/m.test(yaml)) yaml += '\nrecordings: { enabled: false }\n';
  const config = parseConfigText(yaml, 'test.yaml');
  const { log, lines: logs, events } = memoryLogger('debug');
  const handle = await startDaemon(config, log, deps);
  const port = handle.addresses.rtsp.port;
  return {
    handle,
    port,
    url: (path) => `rtsp://127.0.0.1:${port}/${path}`,
    logs,
    events,
    stop: () => handle.stop(),
  };
}

/** Waits (up to 5 s) until seamd has logged `event` at least once. */
export async function waitFor(seamd: Seamd, event: string): Promise<void> {
  for (let i = 0; i < 100 && seamd.events(event).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits (up to `timeoutMs`) until seamd has logged `event` with a line `match` accepts. */
export async function waitForLine(
  seamd: Seamd,
  event: string,
  match: (line: LogLine) => boolean,
  timeoutMs: number,
): Promise<LogLine | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = seamd.events(event).find(match);
    if (line || Date.now() >= deadline) return line;
    await new Promise((r) => setTimeout(r, 200));
  }
}
