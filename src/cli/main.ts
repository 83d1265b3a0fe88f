/**
 * The `seamd` command line. Each command group registers itself from one function in COMMANDS;
 * add later groups (`status`) the same way. The `recordings` group lives in recordings.ts.
 *
 * Exit codes: 0 ok, 1 runtime failure (could not start, stop failed), 2 invalid config or
 * command line. Everything the process touches (output, exit, daemon start, signals) comes
 * through CliDeps so tests can call `runCli`/`main` in-process.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { Logger } from 'pino';
import { isSeamdError } from '../errors.js';
import { registerStatus } from './status.js';
import { registerRecordings } from './recordings.js';
import { offlineNamedSpans, registerClips } from './clips.js';
import { registerHashPassword } from './hash-password.js';
import { registerArchive } from './archive.js';
import {
  DEFAULT_CONFIG_YAML,
  defaultConfig,
  loadConfigFile,
  LOG_LEVELS,
} from '../daemon/config.js';
import type { Config, LogLevel } from '../daemon/config.js';
import { startDaemon, type DaemonHandle } from '../daemon/daemon.js';
import { installSignalHandlers, type SignalHandlerOptions } from '../daemon/lifecycle.js';
import { createLogger } from '../daemon/log.js';
import { logEvent } from '../events.js';
import { CliExit, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit.js';

export { CliExit, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit.js';

export interface CliDeps {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Default: set `process.exitCode` (lets output drain) and force exit 1 s later if still alive. */
  exit: (code: number) => void;
  startDaemon: (config: Config, log: Logger) => Promise<DaemonHandle>;
  installSignalHandlers: (opts: SignalHandlerOptions) => () => void;
  /** Where `run` writes logs; default stdout. */
  logDestination: NodeJS.WritableStream | undefined;
}

const DESCRIPTION = `seamd is a transparent RTSP/RTP proxy that sits close to the viewers. Players point \
rtsp:// URLs at it; it relays them to the origin server, shares one upstream session among the \
viewers of live content, and when packets get lost upstream it opens extra upstream sessions \
(to the origin or its mirrors) and merges them into one stream with fewer gaps. It records \
what it relays and serves later viewers of the same content from disk, repairing the gaps of \
a recording from the origin until it is a perfect copy.`;

const EXAMPLES = `
Examples:
  seamd config default > seamd.yaml         write the default config, then edit it
  seamd config check --config seamd.yaml    validate it: prints ok or every problem
  seamd run --config seamd.yaml             start; SIGHUP reloads the file, SIGTERM stops
  seamd recordings list -c seamd.yaml       recordings: duration, completeness, gaps, size
  seamd archive list -c seamd.yaml          live archives: spans kept, gaps, clips, size
  seamd status -c seamd.yaml                sources, legs, viewers' loss (needs listen.http)
  seamd recordings export ID -c seamd.yaml -f pcap -o ID.pcap
                                            for Wireshark: tshark -r ID.pcap -d udp.port==5000,rtp

Exit codes: 0 ok, 1 runtime failure, 2 invalid config or command line.`;

interface CliContext {
  deps: CliDeps;
  version: string;
}

const COMMANDS: readonly ((program: Command, ctx: CliContext) => void)[] = [
  registerRun,
  registerConfig,
  registerRecordingsGroup,
  (program, { deps }) =>
    registerClips(program, {
      stdout: deps.stdout,
      readConfig,
      fail: (code, message) => new CliExit(code, message),
    }),
  registerStatusCommand,
  (program, ctx) => registerHashPassword(program, ctx),
  (program, { deps }) =>
    registerArchive(program, {
      stdout: deps.stdout,
      readConfig,
      fail: (code, message) => new CliExit(code, message),
      namedSpans: offlineNamedSpans,
    }),
];

/** Entry point used by bin/seamd.js: `argv` is `process.argv` (node, script, args…). */
export async function main(argv: string[], deps: Partial<CliDeps> = {}): Promise<void> {
  const full = withDefaults(deps);
  const code = await runCli(argv, full);
  if (code !== EXIT_OK) full.exit(code);
}

/** Runs one command line and returns its exit code (does not exit). */
export async function runCli(argv: string[], deps: Partial<CliDeps> = {}): Promise<number> {
  const ctx: CliContext = { deps: withDefaults(deps), version: packageVersion() };
  const program = new Command('seamd')
    .description(DESCRIPTION)
    .version(ctx.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({ writeOut: ctx.deps.stdout, writeErr: ctx.deps.stderr });
  for (const register of COMMANDS) register(program, ctx);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CliExit) {
      if (err.message !== '') ctx.deps.stderr(`${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CommanderError) {
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version';
      return ok ? EXIT_OK : EXIT_USAGE;
    }
    ctx.deps.stderr(`seamd: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  }
}

// ---- seamd run ----

interface RunOptions {
  config?: string;
  logLevel?: LogLevel;
  pretty?: boolean;
}

function registerRun(program: Command, { deps, version }: CliContext): void {
  program
    .command('run')
    .summary('start the proxy in the foreground (logs on stdout)')
    .description(
      'Start the proxy in the foreground. Logs are JSON lines on stdout (pretty on a terminal). ' +
        'SIGHUP re-reads the config file; SIGTERM or SIGINT stop gracefully.',
    )
    .option('-c, --config <file>', 'YAML config file (default: the embedded default config)')
    .addOption(
      new Option('--log-level <level>', 'override log.level').choices(
        LOG_LEVELS as readonly string[],
      ),
    )
    .option('--pretty', 'human-readable logs (override log.pretty)')
    .option('--no-pretty', 'JSON logs even on a terminal')
    .action(async (opts: RunOptions) => {
      const overrides = (c: Config): Config => ({
        ...c,
        log: { level: opts.logLevel ?? c.log.level, pretty: opts.pretty ?? c.log.pretty },
      });
      const config = overrides(readConfig(opts.config));
      const log = createLogger({
        level: config.log.level,
        pretty: config.log.pretty,
        destination: deps.logDestination,
      });
      // Like daemon.stop's "stopping"/"stopped": this line says what starts, startDaemon's own
      // `daemon.start` line says what got bound.
      const fields = { version, node: process.version, config: opts.config ?? '<default config>' };
      logEvent(log, 'info', 'daemon.start', fields, 'starting');
      let handle: DaemonHandle;
      try {
        handle = await deps.startDaemon(config, log);
      } catch (err) {
        logEvent(log, 'fatal', 'daemon.error', { err }, 'could not start');
        const reason = err instanceof Error ? err.message : String(err);
        throw new CliExit(EXIT_FAILURE, `seamd: cannot start: ${reason}`);
      }
      deps.installSignalHandlers({ handle, log, configPath: opts.config, adjustConfig: overrides });
      deps.stderr(whereToPoint(config, handle.addresses));
    });
}

/** What `run` tells a person at once: the URLs to point a player and a browser at. */
export function whereToPoint(config: Config, addresses: DaemonHandle['addresses']): string {
  const local = (host: string) =>
    host === '0.0.0.0' || host === '::' || host === ''
      ? '127.0.0.1'
      : host.includes(':')
        ? `[${host}]`
        : host;
  const rtsp = `${local(addresses.rtsp.host)}:${addresses.rtsp.port}`;
  const names = Object.keys(config.paths).slice(0, 5);
  const lines = ['seamd is running (Ctrl-C stops it).'];
  for (const name of names) lines.push(`  play:    ffplay rtsp://${rtsp}/${name}`);
  if (names.length === 0) lines.push(`  RTSP:    rtsp://${rtsp}/<path> (no paths configured)`);
  const http = addresses.http;
  if (http) lines.push(`  console: http://${local(http.host)}:${http.port}/`);
  return `${lines.join('\n')}\n`;
}

// ---- seamd config check | default ----

function registerConfig(program: Command, { deps }: CliContext): void {
  const config = program
    .command('config')
    .summary('check a config file or print the default one')
    .description('Check a config file or print the embedded default config.');
  config
    .command('check')
    .summary('validate a config file: prints ok or every problem')
    .description(
      'Validate a config file. Prints "ok", or one line per problem naming the key, the ' +
        'reason and the line, and exits 2.',
    )
    .requiredOption('-c, --config <file>', 'YAML config file to check')
    .action((opts: { config: string }) => {
      readConfig(opts.config);
      deps.stdout('ok\n');
    });
  config
    .command('default')
    .summary('print the embedded default config (YAML, with comments)')
    .action(() => {
      deps.stdout(DEFAULT_CONFIG_YAML);
    });
}

// ---- seamd recordings list | inspect | export | rm | repair (recordings.ts, repair.ts) ----

function registerRecordingsGroup(program: Command, { deps }: CliContext): void {
  registerRecordings(program, {
    stdout: deps.stdout,
    readConfig,
    fail: (code, message) => new CliExit(code, message),
  });
}

// ---- seamd status (status.ts) ----

function registerStatusCommand(program: Command, { deps }: CliContext): void {
  registerStatus(program, {
    stdout: deps.stdout,
    readConfig,
    fail: (code, message) => new CliExit(code, message),
  });
}

/** The file's config, or the embedded default; a ConfigError ends the command with exit 2. */
function readConfig(path: string | undefined): Config {
  try {
    return path === undefined ? defaultConfig() : loadConfigFile(path);
  } catch (err) {
    if (isSeamdError(err) && (err.code === 'CONFIG_INVALID' || err.code === 'CONFIG_READ')) {
      throw new CliExit(EXIT_USAGE, err.message);
    }
    throw err;
  }
}

// ---- plumbing ----

function withDefaults(deps: Partial<CliDeps>): CliDeps {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    exit: (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 1000).unref();
    },
    startDaemon,
    installSignalHandlers,
    logDestination: undefined,
    ...deps,
  };
}

function packageVersion(): string {
  try {
    // src/cli/main.ts and dist/cli/main.js are both two levels below package.json.
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const pkg = JSON.parse(text) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function isEntryModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryModule()) {
  main(process.argv).catch((err: unknown) => {
    process.stderr.write(`seamd: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT_FAILURE);
  });
}
