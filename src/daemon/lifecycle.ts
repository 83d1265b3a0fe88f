/**
 * Signals: SIGTERM/SIGINT stop the daemon gracefully (a second signal, or a stop that takes
 * longer than `stopTimeoutMs`, exits 1 at once); SIGHUP re-reads the config file and applies it,
 * keeping the running config when the new one is rejected.
 */
import type { Logger } from 'pino';
import { isSeamdError } from '../errors.js';
import { loadConfigFile, type Config } from './config.js';
import type { DaemonHandle } from './daemon.js';
import { logEvent } from '../events.js';

export type LifecycleSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';

/** The part of `process` used here; tests pass an EventEmitter with an `exit` spy. */
export interface SignalProcess {
  on(event: LifecycleSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  removeListener(event: LifecycleSignal, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

export interface SignalHandlerOptions {
  handle: DaemonHandle;
  log: Logger;
  /** The file SIGHUP re-reads; undefined (embedded default config) makes SIGHUP a no-op. */
  configPath: string | undefined;
  process?: SignalProcess;
  /** Default 10 000 ms. */
  stopTimeoutMs?: number;
  /** Default `loadConfigFile`. */
  loadConfig?: (path: string) => Config;
  /** Applied to a re-read config before it is used, e.g. command-line overrides. */
  adjustConfig?: (config: Config) => Config;
}

export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** Installs the handlers; the returned function removes them (and cancels a pending timeout). */
export function installSignalHandlers(opts: SignalHandlerOptions): () => void {
  const { handle, log, configPath } = opts;
  const proc: SignalProcess = opts.process ?? process;
  const stopTimeoutMs = opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const loadConfig = opts.loadConfig ?? loadConfigFile;
  const adjustConfig = opts.adjustConfig ?? ((c: Config) => c);

  let stopping = false;
  let exited = false;
  let timer: NodeJS.Timeout | undefined;

  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    if (timer) clearTimeout(timer);
    try {
      log.flush();
    } catch {
      // best effort: the destination may already be closed
    }
    proc.exit(code);
  };

  const onStop = (signal: NodeJS.Signals): void => {
    if (exited) return;
    if (stopping) {
      logEvent(log, 'warn', 'daemon.stop', { signal, exitCode: 1 }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    const startedAt = Date.now();
    logEvent(log, 'info', 'daemon.stop', { signal, timeoutMs: stopTimeoutMs }, 'stopping');
    timer = setTimeout(() => {
      const fields = { signal, timeoutMs: stopTimeoutMs, exitCode: 1 };
      logEvent(log, 'error', 'daemon.stop', fields, 'stop timed out: exiting now');
      exit(1);
    }, stopTimeoutMs);
    handle.stop().then(
      () => {
        const fields = { signal, durationMs: Date.now() - startedAt, exitCode: 0 };
        logEvent(log, 'info', 'daemon.stop', fields, 'stopped');
        exit(0);
      },
      (err: unknown) => {
        const fields = { signal, durationMs: Date.now() - startedAt, exitCode: 1, err };
        logEvent(log, 'error', 'daemon.stop', fields, 'stop failed');
        exit(1);
      },
    );
  };

  const onReload = (signal: NodeJS.Signals): void => {
    if (stopping || exited) return;
    if (configPath === undefined) {
      const msg = 'SIGHUP ignored: running on the embedded default config (no --config)';
      logEvent(log, 'warn', 'daemon.reload', { signal, reloaded: false }, msg);
      return;
    }
    let config: Config;
    try {
      config = adjustConfig(loadConfig(configPath));
    } catch (err) {
      const fields = { path: configPath, code: errorCode(err), error: errorMessage(err) };
      logEvent(log, 'error', 'config.error', fields, 'config rejected: keeping the running one');
      return;
    }
    try {
      handle.reload(config);
    } catch (err) {
      const fields = { path: configPath, code: errorCode(err), error: errorMessage(err) };
      logEvent(log, 'error', 'config.error', fields, 'reload failed: keeping the running config');
      return;
    }
    // Logged before the level changes, so raising it to warn still leaves this line.
    const fields = {
      signal,
      path: configPath,
      reloaded: true,
      paths: Object.keys(config.paths).length,
      allowEntries: config.transparent.allow.length,
      logLevel: config.log.level,
      previousLogLevel: log.level,
    };
    logEvent(log, 'info', 'daemon.reload', fields, 'config reloaded');
    log.level = config.log.level;
  };

  proc.on('SIGTERM', onStop);
  proc.on('SIGINT', onStop);
  proc.on('SIGHUP', onReload);

  return () => {
    proc.removeListener('SIGTERM', onStop);
    proc.removeListener('SIGINT', onStop);
    proc.removeListener('SIGHUP', onReload);
    if (timer) clearTimeout(timer);
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): string | undefined {
  return isSeamdError(err) ? err.code : undefined;
}
