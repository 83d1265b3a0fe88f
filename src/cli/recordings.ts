/**
 * `seamd recordings list|inspect|export|rm`: the operator's view of the recordings directory
 * (`recordings.dir` of the config given with `--config`, else of the embedded default; a relative
 * directory is relative to the current working directory).
 *
 * A recording is a subdirectory holding `meta.json`; the directory name is its ID. IDs given on
 * the command line must be a plain directory name: no `/` or `\`, not `.`/`..`, no leading `.`,
 * no control characters (exit 2 otherwise), so a command can never reach outside the directory.
 *
 * `rm` refuses a recording whose directory holds a `.lock` file of a running process: a daemon
 * holds one while it writes or plays the recording. A stale lock (its pid is gone, e.g. after a
 * SIGKILL) does not block `rm`. The check and the removal are not atomic.
 *
 * main.ts registers this group; everything the commands touch outside the file system (output,
 * config loading, the exit code) comes through RecordingsCommandContext.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import {
  exportPcap,
  exportRtpdump,
  openRecording,
  type ExportResult,
  type Recording,
} from '../store/index.js';
import { readLock } from '../store/lock.js';
import { EXIT_FAILURE, EXIT_USAGE } from './exit.js';
import {
  badRecordingId,
  existingRecording,
  exists,
  META_FILE,
  recordingsDirOf,
  type RecordingsCommandContext,
} from './recording-dir.js';
import { registerRepairCommand } from './repair.js';
import { formatBytes, formatInspect, formatList, plural } from './recordings-format.js';
import {
  errorText,
  inspectRecording,
  LOCK_FILE,
  summarize,
  type RecordingSummary,
} from './recordings-report.js';

export { LOCK_FILE } from './recordings-report.js';
export * from './recordings-format.js';

export type { RecordingsCommandContext } from './recording-dir.js';

// ---- what the commands print ----
export function registerRecordings(program: Command, ctx: RecordingsCommandContext): void {
  const group = program
    .command('recordings')
    .summary('list, inspect, export, remove or repair recordings')
    .description(
      'List, inspect, export, remove or repair the recordings in recordings.dir (from --config, else ' +
        'the embedded default; a relative directory is relative to the working directory). ' +
        'A recording is a subdirectory holding meta.json; its name is the recording ID.',
    );
  const configOption = (): Option =>
    new Option('-c, --config <file>', 'YAML config file naming recordings.dir');

  group
    .command('list')
    .summary('one line per recording: tracks, duration, packets, completeness, gaps, size')
    .description(
      'List the recordings: ID, path (or origin), tracks, duration (m:ss.s), packets, ' +
        'completeness (received / expected over all tracks), gaps, size and state. A ' +
        'recording that cannot be opened is listed with state "error" and the reason. ' +
        'A missing recordings directory is an empty list.',
    )
    .addOption(configOption())
    .option('--json', 'print a JSON array instead of a table')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const dir = recordingsDir(ctx, opts.config);
      const rows = await listRecordings(dir, ctx);
      if (opts.json) ctx.stdout(JSON.stringify(rows, null, 2) + '\n');
      else ctx.stdout(rows.length === 0 ? `no recordings in ${dir}\n` : formatList(rows));
    });

  group
    .command('inspect')
    .summary('meta data, and per track packets, completeness and gaps as npt ranges')
    .description(
      'Show a recording: its meta data and per track the clock rate, packets, first/last ' +
        'extended sequence number, completeness, the gaps as npt ranges (from the packets ' +
        'around each gap) and a torn tail if any.',
    )
    .argument('<id>', 'recording ID (its directory name)')
    .addOption(configOption())
    .option('--json', 'print a JSON object instead of text')
    .action(async (id: string, opts: { config?: string; json?: boolean }) => {
      const dir = recordingsDir(ctx, opts.config);
      const recDir = await existingRecording(ctx, dir, id);
      const rec = await openOrFail(ctx, id, recDir);
      const held = await readLock(recDir).catch(() => undefined);
      const report = inspectRecording(id, rec, held !== undefined && !held.stale);
      ctx.stdout(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatInspect(report));
    });

  group
    .command('export')
    .summary('write a recording as pcap or rtpdump (Wireshark / tshark read it as RTP)')
    .description(
      'Export the stored RTP packets, tracks merged by time. pcap: synthetic IPv4/UDP ' +
        '10.0.0.1 -> 10.0.0.2, track n on UDP port 5000 + 2n (decode with ' +
        '`tshark -r FILE -d udp.port==5000,rtp`). rtpdump: the rtptools format (rtpplay), ' +
        'one session: pick a track with --track.',
    )
    .argument('<id>', 'recording ID (its directory name)')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['pcap', 'rtpdump'])
        .makeOptionMandatory(),
    )
    .requiredOption('-o, --out <file>', 'file to write (overwritten)')
    .addOption(
      new Option('--time <clock>', 'packet times: media (createdAt + npt) or arrival')
        .choices(['media', 'arrival'])
        .default('media'),
    )
    .option('--track <index>', 'export only this track (default: all)')
    .addOption(configOption())
    .action(
      async (
        id: string,
        opts: {
          config?: string;
          format: 'pcap' | 'rtpdump';
          out: string;
          time: 'media' | 'arrival';
          track?: string;
        },
      ) => {
        const dir = recordingsDir(ctx, opts.config);
        const recDir = await existingRecording(ctx, dir, id);
        const rec = await openOrFail(ctx, id, recDir);
        let tracks: number[] | undefined;
        if (opts.track !== undefined) {
          const n = Number(opts.track);
          if (!/^\d+$/.test(opts.track) || rec.tracks[n] === undefined) {
            throw ctx.fail(
              EXIT_USAGE,
              `seamd: recording "${id}" has no track ${JSON.stringify(opts.track)} ` +
                `(tracks 0-${rec.tracks.length - 1})`,
            );
          }
          tracks = [n];
        }
        let result: ExportResult;
        try {
          result =
            opts.format === 'pcap'
              ? await exportPcap(rec, opts.out, { time: opts.time, tracks })
              : await exportRtpdump(rec, opts.out, { time: opts.time, tracks });
        } catch (err) {
          throw ctx.fail(EXIT_FAILURE, `seamd: export failed: ${errorText(err)}`);
        }
        const skipped = result.skipped > 0 ? `, ${result.skipped} too large skipped` : '';
        ctx.stdout(
          `wrote ${plural(result.packets, 'packet')} (${formatBytes(result.bytes)}) to ` +
            `${opts.out} as ${opts.format}${skipped}\n`,
        );
      },
    );

  group
    .command('rm')
    .summary('delete a recording (refused while a running process holds its .lock)')
    .description(
      'Delete a recording directory. Refused while a running process holds its .lock file ' +
        '(a daemon writing, playing or repairing the recording); a stale lock left by a process ' +
        'that is gone does not count. A recording that cannot be opened can be removed.',
    )
    .argument('<id>', 'recording ID (its directory name)')
    .addOption(configOption())
    .action(async (id: string, opts: { config?: string }) => {
      const dir = recordingsDir(ctx, opts.config);
      const recDir = await existingRecording(ctx, dir, id);
      const held = await readLock(recDir).catch(() => undefined);
      if (held && !held.stale) {
        throw ctx.fail(
          EXIT_FAILURE,
          `seamd: recording "${id}" is in use by pid ${held.pid} (${join(recDir, LOCK_FILE)}): not removed`,
        );
      }
      try {
        await rm(recDir, { recursive: true });
      } catch (err) {
        throw ctx.fail(EXIT_FAILURE, `seamd: cannot remove ${recDir}: ${errorText(err)}`);
      }
      ctx.stdout(`removed recording "${id}" (${recDir})\n`);
    });

  registerRepairCommand(group, ctx);
}

// ---- the work ----

function recordingsDir(ctx: RecordingsCommandContext, configPath: string | undefined): string {
  return recordingsDirOf(ctx, ctx.readConfig(configPath));
}

async function openOrFail(
  ctx: RecordingsCommandContext,
  id: string,
  recDir: string,
): Promise<Recording> {
  try {
    return await openRecording(recDir);
  } catch (err) {
    throw ctx.fail(EXIT_FAILURE, `seamd: cannot open recording "${id}": ${errorText(err)}`);
  }
}

// ---- helpers ----

/** Every recording in `dir`, sorted by ID; one that cannot be opened has state 'error'. */
export async function listRecordings(
  dir: string,
  ctx: RecordingsCommandContext,
): Promise<RecordingSummary[]> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ctx.fail(EXIT_FAILURE, `seamd: cannot list ${dir}: ${errorText(err)}`);
  }
  const rows: RecordingSummary[] = [];
  for (const id of names.sort()) {
    if (badRecordingId(id) !== undefined) continue;
    const recDir = join(dir, id);
    if (!(await exists(join(recDir, META_FILE)))) continue;
    rows.push(await summarize(id, recDir));
  }
  return rows;
}
