/**
 * `seamd recordings repair ID`: repairs one recording by hand, in this process, against the
 * origin named in its meta.json (with the config's `repair:` and `upstream:` settings). Refused
 * while another live process holds the recording's `.lock` (a daemon writing or playing it);
 * the command holds the lock itself while it works. Exit 0 when the recording is whole
 * afterwards, 1 otherwise (failed, gone, still missing packets, in use).
 */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { createLogger } from '../daemon/log.js';
import { LOG_LEVELS } from '../daemon/config-schema.js';
import { EXIT_FAILURE, EXIT_USAGE } from './exit.js';
import {
  existingRecording,
  recordingsDirOf,
  type RecordingsCommandContext,
} from './recording-dir.js';
import { acquireLock, readLock, releaseLock } from '../store/lock.js';
import { repairLegFactory } from '../daemon/upstream-leg.js';
import { repairOptionsFrom } from '../repair/legs.js';
import { repairRecording, type RepairReport } from '../repair/repairer.js';

function kb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(2)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** The summary `repair` prints. */
export function formatRepair(r: RepairReport): string {
  const ratio = r.bytesFilled > 0 ? (r.bytesFetched / r.bytesFilled).toFixed(2) : '-';
  const lines = [
    `recording ${r.id}: ${r.status}${r.reason !== undefined ? ` (${r.reason})` : ''}`,
    `completeness: ${r.before.percent}% -> ${r.after.percent}% ` +
      `(missing ${r.before.missing} -> ${r.after.missing} packets, gaps ${r.before.gaps} -> ${r.after.gaps})`,
    `filled:       ${r.packetsFilled} packets (${kb(r.bytesFilled)}) in ${r.passes} pass(es), ${r.spans} span(s)`,
    `fetched:      ${kb(r.bytesFetched)} (ratio ${ratio}), Speed ${r.speed}, ${r.legs} leg(s), ` +
      `${(r.wallMs / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n') + '\n';
}

export function registerRepairCommand(group: Command, ctx: RecordingsCommandContext): void {
  group
    .command('repair')
    .summary('re-fetch the missing spans of a recording from its origin (refused while locked)')
    .description(
      'Repair a recording in this process: fetch only its missing spans from the origin in its ' +
        'meta.json (Range requests, repair.* settings of the config) until nothing is missing. ' +
        'Refused while another process holds its .lock file (a daemon writing or playing it). ' +
        'Exit 0 when the recording is whole afterwards, 1 otherwise.',
    )
    .argument('<id>', 'recording ID (its directory name)')
    .addOption(new Option('-c, --config <file>', 'YAML config file (recordings.dir, repair.*)'))
    .addOption(new Option('--speed <n>', 'Speed to ask of the origin (overrides repair.speed)'))
    .addOption(
      new Option('--log-level <level>', 'log lines on stderr').choices(LOG_LEVELS).default('warn'),
    )
    .option('--json', 'print the report as JSON')
    .action(
      async (
        id: string,
        opts: { config?: string; speed?: string; logLevel: string; json?: boolean },
      ) => {
        const config = ctx.readConfig(opts.config);
        const dir = await existingRecording(ctx, recordingsDirOf(ctx, config), id);
        const options = repairOptionsFrom(config.repair);
        if (opts.speed !== undefined) {
          const s = Number(opts.speed);
          if (!(s >= 1 && s <= 64)) throw ctx.fail(EXIT_USAGE, 'seamd: --speed must be 1 to 64');
          options.speed = s;
        }
        const held = await readLock(dir);
        if (held && !held.stale && held.pid !== process.pid) {
          throw ctx.fail(
            EXIT_FAILURE,
            `seamd: recording "${id}" is in use by pid ${held.pid} on ${held.host} ` +
              `(${join(dir, '.lock')}): not repaired`,
          );
        }
        const log = createLogger({
          level: opts.logLevel,
          pretty: false,
          destination: process.stderr,
        });
        let report: RepairReport;
        try {
          await acquireLock(dir);
        } catch (err) {
          throw ctx.fail(
            EXIT_FAILURE,
            `seamd: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
        try {
          report = await repairRecording(dir, id, options, {
            createLeg: repairLegFactory(() => config, log),
            log,
          });
        } catch (err) {
          throw ctx.fail(
            EXIT_FAILURE,
            `seamd: repair of "${id}" failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        } finally {
          await releaseLock(dir).catch(() => undefined);
        }
        ctx.stdout(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatRepair(report));
        if (report.status !== 'repaired') throw ctx.fail(EXIT_FAILURE, '');
      },
    );
}
