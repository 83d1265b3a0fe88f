/**
 * `seamd archive list [PATH]`: what the live archive of each path (or one) holds, read from
 * `recordings.dir/.archive/` without changing anything, so it works with the daemon running or
 * stopped: the spans kept (from/to), the gaps between them with the outage's reason, segments
 * and size, and the clips and programmes named in it when a provider lists them. `--json`
 * prints the document `/api/archive` serves.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Config } from '../daemon/config.js';
import { PATH_NAME } from '../daemon/config-schema.js';
import { archivedPathNames, describeArchive, readArchiveFacts } from '../store/archive-describe.js';
import {
  archiveListing,
  archivePathView,
  type ArchiveListing,
  type ArchivePathView,
} from '../store/archive-view.js';
import type { NamedSpan } from '../store/named-spans.js';
import { EXIT_FAILURE, EXIT_USAGE } from './exit.js';
import { recordingsDirOf, type RecordingsCommandContext } from './recording-dir.js';
import { formatBytes, plural } from './recordings-format.js';

export interface ArchiveCommandContext extends RecordingsCommandContext {
  /** Clips and programmes (of every path) kept beside the archive, when something keeps them. */
  namedSpans?: (config: Config, recordingsDir: string) => Promise<NamedSpan[]>;
}

export function registerArchive(program: Command, ctx: ArchiveCommandContext): void {
  const group = program
    .command('archive')
    .summary("the live archive: each path's spans kept, gaps, clips, programmes, size")
    .description(
      'The around-the-clock archives of live paths in recordings.dir/.archive (from --config, ' +
        'else the embedded default). Read-only: works while the daemon runs or not.',
    );
  group
    .command('list')
    .summary('per path: spans kept (from/to), gaps with their reason, clips, programmes, size')
    .description(
      'List the archive of every archived path, or of PATH: its spans kept (contiguous ' +
        'wall-clock runs), the gaps between them (origin outages, restarts, dropped segments, ' +
        'with the reason the archiver logged), segments, size, and the clips and programmes ' +
        'in it. Times are UTC (ISO 8601). A path without an archive is exit 1.',
    )
    .argument('[path]', 'one path name')
    .addOption(new Option('-c, --config <file>', 'YAML config file naming recordings.dir'))
    .option('--json', 'print the JSON document (as GET /api/archive serves it)')
    .action(async (path: string | undefined, opts: { config?: string; json?: boolean }) => {
      const config = ctx.readConfig(opts.config);
      const dir = recordingsDirOf(ctx, config);
      if (path !== undefined && !PATH_NAME.test(path)) {
        throw ctx.fail(EXIT_USAGE, `seamd: invalid path name ${JSON.stringify(path)}`);
      }
      const listing = await listArchive(ctx, config, dir, path);
      if (path !== undefined && listing.paths.length === 0) {
        throw ctx.fail(EXIT_FAILURE, `seamd: no archive of "${path}" in ${dir}`);
      }
      if (opts.json) ctx.stdout(JSON.stringify(listing, null, 2) + '\n');
      else
        ctx.stdout(listing.paths.length === 0 ? `no archives in ${dir}\n` : formatArchive(listing));
    });
}

/** The listing of `dir` (one path or all), as `/api/archive` shapes it. */
export async function listArchive(
  ctx: ArchiveCommandContext,
  config: Config,
  dir: string,
  path?: string,
): Promise<ArchiveListing> {
  const names = (await archivedPathNames(dir)).filter((n) => path === undefined || n === path);
  const views: ArchivePathView[] = [];
  for (const name of names) {
    const d = describeArchive(name, await readArchiveFacts(dir, name));
    if (d.segments === 0) continue;
    views.push(archivePathView(d, config.paths[name]?.archive?.retentionMs));
  }
  const named = ctx.namedSpans ? await ctx.namedSpans(config, dir) : [];
  return archiveListing(views, named);
}

/** `2026-12-01 14:15:00Z` (seconds; the JSON has ms). */
function when(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace('.000Z', 'Z');
}

/** `7d`, `2h`, `1m2s`, `4d18h52m41s`: from the largest unit to the last non-zero one. */
function span(seconds: number): string {
  let s = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(s / size);
    s -= n * size;
    parts.push(`${n}${unit}`);
  }
  const first = parts.findIndex((p) => !p.startsWith('0'));
  if (first < 0) return '0s';
  let last = parts.length - 1;
  while (parts[last]?.startsWith('0')) last--;
  return parts.slice(first, last + 1).join('');
}

/** Per path: a header line, then spans, gaps, clips and programmes in time order. */
export function formatArchive(listing: ArchiveListing): string {
  const out: string[] = [];
  for (const p of listing.paths) {
    const retention =
      p.retentionSec === null ? 'not archived now' : `retention ${span(p.retentionSec)}`;
    out.push(
      `${p.path}: ${plural(p.segments, 'segment')}, ${formatBytes(p.bytes)}, ` +
        `${plural(p.spans.length, 'span')}, ${plural(p.gaps.length, 'gap')}, ${retention}` +
        (p.open ? ', writing' : ''),
    );
    const rows: Array<[number, string]> = [];
    for (const s of p.spans)
      rows.push([
        s.fromMs,
        `  kept       ${when(s.fromMs)} - ${when(s.toMs)}  ${span(s.seconds)}  ${formatBytes(s.bytes)}`,
      ]);
    for (const g of p.gaps)
      rows.push([
        g.fromMs + 0.5,
        `  gap        ${when(g.fromMs)} - ${when(g.toMs)}  ${span(g.seconds)}` +
          (g.reason === null ? '' : `  ${g.reason}`),
      ]);
    for (const n of [...listing.clips, ...listing.programmes]) {
      if (n.path !== p.path) continue;
      const pinned = n.pinnedBytes ? `  keeps ${formatBytes(n.pinnedBytes)} past retention` : '';
      rows.push([
        n.fromMs + 0.25,
        `  ${n.kind.padEnd(9)}  ${when(n.fromMs)} - ${when(n.toMs)}  ${n.name}  ${n.url}${pinned}`,
      ]);
    }
    rows.sort((a, b) => a[0] - b[0]);
    for (const [, line] of rows) out.push(line);
  }
  return out.join('\n') + '\n';
}
