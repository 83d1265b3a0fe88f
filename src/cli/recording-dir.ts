/**
 * Finding a recording from the command line: the recordings directory of a config, and a
 * recording ID that must be a plain directory name (no `/` or `\`, not `.`/`..`, no leading
 * `.`, no control characters), so a command can never reach outside the directory.
 */
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../daemon/config.js';
import { EXIT_FAILURE, EXIT_USAGE } from './exit.js';

export const META_FILE = 'meta.json';

/** What the recording commands need from the command line around them. */
export interface RecordingsCommandContext {
  stdout: (text: string) => void;
  /** Loads the config file (or the embedded default when undefined); throws to end the command. */
  readConfig: (path: string | undefined) => Config;
  /** The error to throw to end the command with `code` and `message` on stderr. */
  fail: (code: number, message: string) => Error;
  /** Base of a relative recordings.dir. Default process.cwd(). */
  cwd?: () => string;
}

/** `recordings.dir` of `config`, made absolute against the context's working directory. */
export function recordingsDirOf(ctx: RecordingsCommandContext, config: Config): string {
  return resolve((ctx.cwd ?? (() => process.cwd()))(), config.recordings.dir);
}

/** Why `id` is not a plain directory name, or undefined when it is one. */
export function badRecordingId(id: string): string | undefined {
  if (id === '') return 'is empty';
  if (id === '.' || id === '..') return 'is not a directory name';
  if (/[/\\]/.test(id)) return 'must not contain / or \\';
  if (id.startsWith('.')) return 'must not start with "."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) return 'must not contain control characters';
  return undefined;
}

/** Whether anything (even a dangling symlink) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** The recording's directory; fails (exit 2) on a path trick, (exit 1) when there is none. */
export async function existingRecording(
  ctx: RecordingsCommandContext,
  dir: string,
  id: string,
): Promise<string> {
  const why = badRecordingId(id);
  if (why !== undefined) {
    throw ctx.fail(EXIT_USAGE, `seamd: invalid recording ID ${JSON.stringify(id)}: ${why}`);
  }
  const recDir = join(dir, id);
  try {
    // lstat: a symlink named like a recording is not followed (rm would only unlink it).
    const st = await lstat(recDir);
    if (st.isDirectory() && (await exists(join(recDir, META_FILE)))) return recDir;
  } catch {
    // missing: reported below
  }
  throw ctx.fail(EXIT_FAILURE, `seamd: no recording "${id}" in ${dir}`);
}
