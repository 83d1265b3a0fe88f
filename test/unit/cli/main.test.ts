import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { main, runCli, type CliDeps } from '../../../src/cli/main.js';
import { DEFAULT_CONFIG_YAML, type Config } from '../../../src/daemon/config.js';
import type { DaemonHandle } from '../../../src/daemon/daemon.js';
import type { SignalHandlerOptions } from '../../../src/daemon/lifecycle.js';
import { fileTempDir } from '../../helpers/tmp.js';

const dir = fileTempDir('seamd-cli-');

const good = join(dir, 'good.yaml');
writeFileSync(good, 'listen: { rtsp: "127.0.0.1:0" }\npaths: { cam1: rtsp://10.0.0.5/s }\n');
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'lisen: {}\nlisten:\n  rtsp: 8554x\n');
const BAD_MESSAGE =
  `${bad}: unknown key "lisen" at top level (did you mean "listen"?) (line 1)\n` +
  `${bad}: listen.rtsp: expected host:port (got "8554x") (line 3)\n`;

function harness() {
  let out = '';
  let err = '';
  let logs = '';
  const handle: DaemonHandle = {
    addresses: { rtsp: { host: '127.0.0.1', port: 45454 } },
    stop: () => Promise.resolve(),
    reload: () => undefined,
  };
  const deps = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
    exit: vi.fn<(code: number) => void>(),
    startDaemon: vi.fn((_config: Config) => Promise.resolve(handle)),
    installSignalHandlers: vi.fn((_opts: SignalHandlerOptions) => () => undefined),
    logDestination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs += chunk.toString();
        callback();
      },
    }),
  } satisfies CliDeps;
  const run = (...args: string[]) => runCli(['node', 'seamd', ...args], deps);
  return { deps, run, handle, out: () => out, err: () => err, logs: () => logs };
}

describe('seamd config check', () => {
  it('prints ok for a good file', async () => {
    const h = harness();
    expect(await h.run('config', 'check', '--config', good)).toBe(0);
    expect(h.out()).toBe('ok\n');
    expect(h.err()).toBe('');
  });

  it('prints every problem and exits 2 for a bad file', async () => {
    const h = harness();
    expect(await h.run('config', 'check', '-c', bad)).toBe(2);
    expect(h.out()).toBe('');
    expect(h.err()).toBe(BAD_MESSAGE);
  });

  it('a missing file exits 2 with the reason', async () => {
    const h = harness();
    const missing = join(dir, 'nope.yaml');
    expect(await h.run('config', 'check', '--config', missing)).toBe(2);
    expect(h.err()).toBe(`${missing}: cannot read: no such file\n`);
  });

  it('--config is required', async () => {
    const h = harness();
    expect(await h.run('config', 'check')).toBe(2);
    expect(h.err()).toContain("required option '-c, --config <file>' not specified");
  });
});

describe('seamd config default', () => {
  it('prints the embedded default', async () => {
    const h = harness();
    expect(await h.run('config', 'default')).toBe(0);
    expect(h.out()).toBe(DEFAULT_CONFIG_YAML);
  });
});

describe('seamd run', () => {
  it('starts the daemon with the file and the overrides, then installs signal handlers', async () => {
    const h = harness();
    expect(await h.run('run', '--config', good, '--log-level', 'debug', '--no-pretty')).toBe(0);
    expect(h.deps.startDaemon).toHaveBeenCalledTimes(1);
    const config = h.deps.startDaemon.mock.calls[0]?.[0];
    expect(config?.listen.rtsp).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config?.log).toEqual({ level: 'debug', pretty: false });
    const opts = h.deps.installSignalHandlers.mock.calls[0]?.[0];
    expect(opts?.handle).toBe(h.handle);
    expect(opts?.configPath).toBe(good);
    // the overrides survive a reload
    const reread = opts?.adjustConfig?.({ ...config!, log: { level: 'error', pretty: true } });
    expect(reread?.log).toEqual({ level: 'debug', pretty: false });
    const start = h
      .logs()
      .split('\n')
      .filter((l) => l.includes('"daemon.start"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(start).toEqual([
      expect.objectContaining({
        level: 'info',
        event: 'daemon.start',
        config: good,
        msg: 'starting',
      }),
    ]);
    expect(start[0]?.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('without --config runs on the embedded default', async () => {
    const h = harness();
    expect(await h.run('run', '--pretty')).toBe(0);
    expect(h.deps.startDaemon.mock.calls[0]?.[0].listen.rtsp).toEqual({
      host: '0.0.0.0',
      port: 8554,
    });
    expect(h.deps.installSignalHandlers.mock.calls[0]?.[0].configPath).toBeUndefined();
    expect(h.logs()).toContain('[daemon.start] starting');
  });

  it('a bad config exits 2 with the message and no stack trace', async () => {
    const h = harness();
    expect(await h.run('run', '--config', bad)).toBe(2);
    expect(h.err()).toBe(BAD_MESSAGE);
    expect(h.err()).not.toContain('    at ');
    expect(h.deps.startDaemon).not.toHaveBeenCalled();
  });

  it('a daemon that cannot start exits 1', async () => {
    const h = harness();
    h.deps.startDaemon.mockRejectedValueOnce(new Error('listen EADDRINUSE 0.0.0.0:8554'));
    expect(await h.run('run')).toBe(1);
    expect(h.err()).toBe('seamd: cannot start: listen EADDRINUSE 0.0.0.0:8554\n');
    expect(h.logs()).toContain('"event":"daemon.error"');
    expect(h.deps.installSignalHandlers).not.toHaveBeenCalled();
  });

  it('rejects an unknown log level', async () => {
    const h = harness();
    expect(await h.run('run', '--log-level', 'loud')).toBe(2);
    expect(h.err()).toContain("argument 'loud' is invalid");
  });
});

describe('help and usage', () => {
  it('--help describes seamd, its commands and an example', async () => {
    const h = harness();
    expect(await h.run('--help')).toBe(0);
    const help = h.out();
    expect(help).toContain('Usage: seamd [options] [command]');
    expect(help).toContain('transparent RTSP/RTP proxy');
    expect(help).toMatch(/run \[options\]\s+start the proxy/);
    expect(help).toMatch(/config\s+check a config file/);
    expect(help).toContain('seamd run --config seamd.yaml');
  });

  it('--version prints the package version', async () => {
    const h = harness();
    expect(await h.run('--version')).toBe(0);
    expect(h.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('an unknown command exits 2', async () => {
    const h = harness();
    expect(await h.run('frobnicate')).toBe(2);
    expect(h.err()).toContain("unknown command 'frobnicate'");
  });

  it('main exits only on failure', async () => {
    const h = harness();
    await main(['node', 'seamd', 'config', 'check', '--config', good], h.deps);
    expect(h.deps.exit).not.toHaveBeenCalled();
    await main(['node', 'seamd', 'config', 'check', '--config', bad], h.deps);
    expect(h.deps.exit.mock.calls).toEqual([[2]]);
  });
});

describe('as a process', () => {
  it('node --import tsx src/cli/main.ts config check: exit status and output', () => {
    const cli = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
    const cwd = fileURLToPath(new URL('../../../', import.meta.url));
    const opts = { cwd, encoding: 'utf8' as const };
    const ok = spawnSync(
      process.execPath,
      ['--import', 'tsx', cli, 'config', 'check', '-c', good],
      opts,
    );
    expect([ok.status, ok.stdout]).toEqual([0, 'ok\n']);
    const ko = spawnSync(
      process.execPath,
      ['--import', 'tsx', cli, 'config', 'check', '-c', bad],
      opts,
    );
    expect([ko.status, ko.stdout, ko.stderr]).toEqual([2, '', BAD_MESSAGE]);
  });
});
