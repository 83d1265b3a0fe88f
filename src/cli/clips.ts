/**
 * `seamd clips add|list|rm`: clips are pointers into a path's archive (a path, a start and an
 * end; never a copy), kept in `<recordings.dir>/.clips.json` so they survive restarts and
 * reloads; a running daemon picks a change up within a second. Clips in the config (`clips:`)
 * are listed too and win over a file clip of the same name. `list` says which archive segments
 * each clip pins (kept past retention and quota while the clip exists).
 */
import { mkdir } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Config } from '../daemon/config.js';
import { parseIsoTime } from '../source/clip-config.js';
import { pinnedBy, readClipsFile, writeClipsFile } from '../store/clips-file.js';
import { CLIP_NAME, type ClipSpan, type NamedSpan } from '../store/named-spans.js';
import { archivedPathNames, readArchiveFacts } from '../store/archive-describe.js';
import { ArchiveStore } from '../store/segments.js';
import { ClipBook } from '../source/clips.js';
import { pino } from 'pino';
import { EXIT_FAILURE, EXIT_USAGE } from './exit.js';
import { recordingsDirOf, type RecordingsCommandContext } from './recording-dir.js';
import { formatBytes } from './recordings-format.js';

/** One line of `seamd clips list`. */
export interface ClipRow {
  name: string;
  path: string;
  from: string;
  to: string;
  seconds: number;
  source: 'config' | 'file';
  /** A file clip hidden by a config clip of the same name. */
  shadowed: boolean;
  pinnedSegments: number;
  pinnedBytes: number;
  /** Some pinned segment is older than the path's retention (kept only for this clip). */
  pastRetention: boolean;
}

function fileOrFail(ctx: RecordingsCommandContext, dir: string): Promise<ClipSpan[]> {
  return readClipsFile(dir).catch((err: unknown) => {
    throw ctx.fail(EXIT_FAILURE, `seamd: ${(err as Error).message}`);
  });
}

/** Config clips and file clips, with what they pin, by name. */
export async function clipRows(config: Config, dir: string, nowMs: number): Promise<ClipRow[]> {
  const file = await readClipsFile(dir);
  const all: Array<ClipSpan & { source: 'config' | 'file'; shadowed: boolean }> = [
    ...Object.entries(config.clips).map(([name, c]) => ({
      name,
      ...c,
      source: 'config' as const,
      shadowed: false,
    })),
    ...file.map((c) => ({
      ...c,
      source: 'file' as const,
      shadowed: Object.hasOwn(config.clips, c.name),
    })),
  ];
  const rows: ClipRow[] = [];
  for (const c of all) {
    const pinned = pinnedBy(await readArchiveFacts(dir, c.path), c);
    const retention = config.paths[c.path]?.archive?.retentionMs ?? Infinity;
    rows.push({
      name: c.name,
      path: c.path,
      from: new Date(c.fromMs).toISOString(),
      to: new Date(c.toMs).toISOString(),
      seconds: (c.toMs - c.fromMs) / 1000,
      source: c.source,
      shadowed: c.shadowed,
      pinnedSegments: c.shadowed ? 0 : pinned.length,
      pinnedBytes: c.shadowed ? 0 : pinned.reduce((n, s) => n + s.bytes, 0),
      pastRetention: !c.shadowed && pinned.some((s) => s.endMs < nowMs - retention),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source));
}

export function formatClipRows(rows: readonly ClipRow[]): string {
  return rows
    .map((r) => {
      const head = `${r.name}  ${r.path}  ${r.from} .. ${r.to} (${r.seconds.toFixed(1)} s, ${r.source})`;
      if (r.shadowed) return `${head}\n  shadowed: the config's clip of this name wins\n`;
      const n = r.pinnedSegments;
      const pinned =
        n === 0
          ? 'pinned: nothing (no archive in this span)'
          : `pinned: ${n} segment${n === 1 ? '' : 's'}, ${formatBytes(r.pinnedBytes)}` +
            (r.pastRetention ? ', past retention' : '');
      return `${head}\n  ${pinned}\n`;
    })
    .join('');
}

export function registerClips(program: Command, ctx: RecordingsCommandContext): void {
  const group = program
    .command('clips')
    .summary('add, list or remove clips: named spans of a path archive')
    .description(
      'Clips are pointers into a path archive (never copies), played at rtsp://<seamd>/clips/<name> ' +
        'with npt seeking and an end. They are kept in <recordings.dir>/.clips.json; a running ' +
        'daemon picks changes up within a second. Config clips (clips:) win on a name clash. The ' +
        'archive segments a clip points into are kept past retention and quota while it exists.',
    );
  const configOption = (): Option =>
    new Option('-c, --config <file>', 'YAML config file (recordings.dir, paths, clips)');
  const setup = (configPath: string | undefined): { config: Config; dir: string } => {
    const config = ctx.readConfig(configPath);
    return { config, dir: recordingsDirOf(ctx, config) };
  };

  group
    .command('add')
    .summary('add a clip: a path, a start and an end (ISO 8601 with a zone)')
    .argument('<name>', 'clip name (letters, digits, ".", "_", "-")')
    .requiredOption('--path <path>', 'an archived path of the config')
    .requiredOption('--from <time>', 'start, e.g. 2026-12-01T14:15:00Z')
    .requiredOption('--to <time>', 'end, e.g. 2026-12-01T14:30:00Z')
    .addOption(configOption())
    .action(
      async (name: string, opts: { path: string; from: string; to: string; config?: string }) => {
        const { config, dir } = setup(opts.config);
        const usage = (text: string): Error => ctx.fail(EXIT_USAGE, `seamd: ${text}`);
        if (!CLIP_NAME.test(name)) throw usage(`invalid clip name ${JSON.stringify(name)}`);
        const fromMs = parseIsoTime(opts.from);
        const toMs = parseIsoTime(opts.to);
        if (fromMs === undefined) throw usage(`--from: not an ISO 8601 time with a zone`);
        if (toMs === undefined) throw usage(`--to: not an ISO 8601 time with a zone`);
        if (fromMs >= toMs) throw usage('--from must be before --to');
        const p = config.paths[opts.path];
        if (!p) throw usage(`--path: no path named "${opts.path}" in the config`);
        if (!p.archive) throw usage(`--path: path "${opts.path}" has no archive section`);
        const clips = await fileOrFail(ctx, dir);
        if (clips.some((c) => c.name === name)) {
          throw usage(`a clip named "${name}" exists; remove it first (seamd clips rm ${name})`);
        }
        try {
          await mkdir(dir, { recursive: true });
          await writeClipsFile(dir, [...clips, { name, path: opts.path, fromMs, toMs }]);
        } catch (err) {
          throw ctx.fail(EXIT_FAILURE, `seamd: ${(err as Error).message}`);
        }
        const secs = ((toMs - fromMs) / 1000).toFixed(1);
        ctx.stdout(`clip ${name} added: ${opts.path} for ${secs} s\n`);
        if (Object.hasOwn(config.clips, name)) {
          ctx.stdout(`note: the config has a clip named ${name}; the config's clip wins\n`);
        }
      },
    );

  group
    .command('list')
    .summary('the clips (config and file), and the archive segments each pins')
    .addOption(configOption())
    .option('--json', 'print a JSON array instead of text')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { config, dir } = setup(opts.config);
      let rows: ClipRow[];
      try {
        rows = await clipRows(config, dir, Date.now());
      } catch (err) {
        throw ctx.fail(EXIT_FAILURE, `seamd: ${(err as Error).message}`);
      }
      if (opts.json) ctx.stdout(JSON.stringify(rows, null, 2) + '\n');
      else ctx.stdout(rows.length === 0 ? 'no clips\n' : formatClipRows(rows));
    });

  group
    .command('rm')
    .summary('remove a clip made with clips add (its segments may expire again)')
    .argument('<name>', 'clip name')
    .addOption(configOption())
    .action(async (name: string, opts: { config?: string }) => {
      const { config, dir } = setup(opts.config);
      const clips = await fileOrFail(ctx, dir);
      if (!clips.some((c) => c.name === name)) {
        if (Object.hasOwn(config.clips, name)) {
          throw ctx.fail(EXIT_USAGE, `seamd: clip "${name}" is in the config; remove it there`);
        }
        throw ctx.fail(EXIT_FAILURE, `seamd: no clip named "${name}"`);
      }
      try {
        await writeClipsFile(
          dir,
          clips.filter((c) => c.name !== name),
        );
      } catch (err) {
        throw ctx.fail(EXIT_FAILURE, `seamd: ${(err as Error).message}`);
      }
      ctx.stdout(`clip ${name} removed\n`);
    });
}

/**
 * Clips and programmes of the archives in `recordingsDir` as the daemon would list them, for
 * `seamd archive list` (the daemon need not run): the archives are read, never changed.
 */
export async function offlineNamedSpans(
  config: Config,
  recordingsDir: string,
): Promise<NamedSpan[]> {
  const stores = new Map<string, ArchiveStore>();
  const kept = new Set(await archivedPathNames(recordingsDir));
  for (const [name, p] of Object.entries(config.paths)) {
    if (!p.archive || !kept.has(name)) continue;
    const store = await ArchiveStore.open(recordingsDir, name).catch(() => undefined);
    if (store) stores.set(name, store);
  }
  const book = new ClipBook({
    recordingsDir,
    log: pino({ enabled: false }),
    storeOf: (path) => stores.get(path),
    pollMs: 0,
  });
  await book.update(config.clips, config.schedule);
  const out = book.namedSpans(Date.now());
  book.stop();
  return out;
}
