import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../../src/daemon/config.js';
import type { DaemonHandle } from '../../../src/daemon/daemon.js';
import {
  installSignalHandlers,
  type SignalHandlerOptions,
  type SignalProcess,
} from '../../../src/daemon/lifecycle.js';
import { memoryLogger } from '../../helpers/log.js';
import { fileTempDir } from '../../helpers/tmp.js';

class FakeProcess extends EventEmitter implements SignalProcess {
  readonly exit = vi.fn<(code: number) => void>();
  signal(name: 'SIGTERM' | 'SIGINT' | 'SIGHUP'): void {
    this.emit(name, name);
  }
}

function fakeHandle(stop: () => Promise<void> = () => Promise.resolve()) {
  const handle = {
    addresses: { rtsp: { host: '127.0.0.1', port: 8554 } },
    stop: vi.fn(stop),
    reload: vi.fn<(config: Config) => void>(),
  };
  return handle satisfies DaemonHandle;
}

/** Installs the handlers on a fresh fake process (removed after the test), logging to memory. */
function install(handle: DaemonHandle, opts: Partial<SignalHandlerOptions> = {}) {
  const proc = new FakeProcess();
  const mem = memoryLogger();
  uninstall = installSignalHandlers({
    handle,
    log: mem.log,
    configPath: undefined,
    process: proc,
    ...opts,
  });
  return { proc, mem };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

const dir = fileTempDir('seamd-lifecycle-');

let uninstall: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  uninstall = undefined;
});

describe('SIGHUP', () => {
  it('reloads a good file, then keeps running on a bad one', () => {
    const file = join(dir, 'seamd.yaml');
    writeFileSync(
      file,
      'paths:\n  a: rtsp://h/a\n  b: rtsp://h/b\ntransparent:\n  allow: [a.net, 10.0.0.0/8, fd00::/8]\n',
    );
    const handle = fakeHandle();
    const { proc, mem } = install(handle, { configPath: file });

    proc.signal('SIGHUP');
    expect(handle.reload).toHaveBeenCalledTimes(1);
    const applied = handle.reload.mock.calls[0]?.[0];
    expect(Object.keys(applied?.paths ?? {})).toEqual(['a', 'b']);
    expect(mem.events('daemon.reload')).toEqual([
      expect.objectContaining({
        level: 'info',
        path: file,
        reloaded: true,
        paths: 2,
        allowEntries: 3,
        logLevel: 'info',
      }),
    ]);

    writeFileSync(file, 'paths:\n  a: { origin: "http://x" }\n');
    proc.signal('SIGHUP');
    expect(handle.reload).toHaveBeenCalledTimes(1);
    expect(mem.events('config.error')).toEqual([
      expect.objectContaining({
        level: 'error',
        path: file,
        code: 'CONFIG_INVALID',
        error: `${file}: paths.a.origin: must be an rtsp:// URL (got "http://x") (line 2)`,
      }),
    ]);
    expect(proc.exit).not.toHaveBeenCalled();
    expect(handle.stop).not.toHaveBeenCalled();
  });

  it('applies overrides and the new log level', () => {
    const file = join(dir, 'level.yaml');
    writeFileSync(file, 'log: { level: debug }\nlimits: { maxConnections: 5 }\n');
    const handle = fakeHandle();
    const adjustConfig = (c: Config): Config => ({ ...c, log: { ...c.log, level: 'warn' } });
    const { proc, mem } = install(handle, { configPath: file, adjustConfig });
    proc.signal('SIGHUP');
    expect(handle.reload.mock.calls[0]?.[0].limits.maxConnections).toBe(5);
    expect(mem.log.level).toBe('warn');
    expect(mem.events('daemon.reload')[0]).toMatchObject({
      logLevel: 'warn',
      previousLogLevel: 'info',
    });
  });

  it('a missing file and a reload that throws both log config.error', () => {
    const handle = fakeHandle();
    handle.reload.mockImplementation(() => {
      throw new Error('cannot rebind');
    });
    const missing = join(dir, 'missing.yaml');
    const { proc, mem } = install(handle, { configPath: missing });
    proc.signal('SIGHUP');
    expect(mem.events('config.error')[0]).toMatchObject({ code: 'CONFIG_READ' });
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, '{}\n');
    uninstall?.();
    uninstall = installSignalHandlers({ handle, log: mem.log, configPath: file, process: proc });
    proc.signal('SIGHUP');
    expect(mem.events('config.error')[1]).toMatchObject({ error: 'cannot rebind' });
    expect(mem.events('daemon.reload')).toEqual([]);
  });

  it('is a no-op (with a warning) on the embedded default config', () => {
    const handle = fakeHandle();
    const { proc, mem } = install(handle);
    proc.signal('SIGHUP');
    expect(handle.reload).not.toHaveBeenCalled();
    expect(mem.events('daemon.reload')).toEqual([
      expect.objectContaining({ level: 'warn', reloaded: false }),
    ]);
  });
});

describe('SIGTERM / SIGINT', () => {
  it('SIGTERM calls stop once and exits 0 when it resolves', async () => {
    let finish: () => void = () => undefined;
    const handle = fakeHandle(() => new Promise<void>((resolve) => (finish = resolve)));
    const { proc, mem } = install(handle);

    proc.signal('SIGTERM');
    expect(handle.stop).toHaveBeenCalledTimes(1);
    expect(proc.exit).not.toHaveBeenCalled();
    proc.signal('SIGHUP'); // ignored while stopping
    expect(handle.reload).not.toHaveBeenCalled();
    finish();
    await flush();
    expect(proc.exit.mock.calls).toEqual([[0]]);
    expect(handle.stop).toHaveBeenCalledTimes(1);
    const stops = mem.events('daemon.stop');
    expect(stops[0]).toMatchObject({ signal: 'SIGTERM', timeoutMs: 10_000, msg: 'stopping' });
    expect(stops[1]).toMatchObject({ signal: 'SIGTERM', exitCode: 0, msg: 'stopped' });
    expect(typeof stops[1]?.durationMs).toBe('number');
  });

  it('a second signal during stop exits 1 at once', async () => {
    let finish: () => void = () => undefined;
    const handle = fakeHandle(() => new Promise<void>((resolve) => (finish = resolve)));
    const { proc } = install(handle);
    proc.signal('SIGINT');
    proc.signal('SIGTERM');
    expect(handle.stop).toHaveBeenCalledTimes(1);
    expect(proc.exit.mock.calls).toEqual([[1]]);
    finish();
    await flush();
    expect(proc.exit.mock.calls).toEqual([[1]]);
  });

  it('a stop that takes too long exits 1', async () => {
    const handle = fakeHandle(() => new Promise<void>(() => undefined));
    const { proc, mem } = install(handle, { stopTimeoutMs: 20 });
    proc.signal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(proc.exit.mock.calls).toEqual([[1]]);
    expect(mem.events('daemon.stop')[1]).toMatchObject({
      level: 'error',
      timeoutMs: 20,
      exitCode: 1,
    });
  });

  it('a stop that fails exits 1', async () => {
    const handle = fakeHandle(() => Promise.reject(new Error('socket stuck')));
    const { proc, mem } = install(handle);
    proc.signal('SIGTERM');
    await flush();
    expect(proc.exit.mock.calls).toEqual([[1]]);
    expect(mem.events('daemon.stop')[1]).toMatchObject({ level: 'error', msg: 'stop failed' });
  });
});

it('the returned function removes the handlers', () => {
  const proc = new FakeProcess();
  const remove = installSignalHandlers({
    handle: fakeHandle(),
    log: memoryLogger().log,
    configPath: undefined,
    process: proc,
  });
  expect(proc.listenerCount('SIGTERM')).toBe(1);
  expect(proc.listenerCount('SIGINT')).toBe(1);
  expect(proc.listenerCount('SIGHUP')).toBe(1);
  remove();
  expect(proc.eventNames()).toEqual([]);
});
