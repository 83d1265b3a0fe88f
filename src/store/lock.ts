/**
 * `.lock` in a recording directory: a daemon holds it while it writes or plays the recording, so
 * `seamd recordings rm` (and eviction by another process) leaves the recording alone. The file
 * holds the owner's pid and host name. A lock whose owner is gone (same host, pid not running,
 * e.g. after a SIGKILL) is stale: the next owner replaces it and `rm` ignores it.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { StoreError, ioError } from './errors.js';

export const LOCK_FILE = '.lock';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  /** True when the owner is on this host and its pid is not running. */
  readonly stale: boolean;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock of `dir`, or undefined when there is no lock file. */
export async function readLock(dir: string): Promise<LockInfo | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, LOCK_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(join(dir, LOCK_FILE), 'reading lock', err);
  }
  const [pidText, host = ''] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return { pid: 0, host, stale: true };
  return { pid, host, stale: host === hostname() && !pidAlive(pid) };
}

/**
 * Takes the lock of `dir` for this process. Throws STORE_LOCKED when another live process holds
 * it; a stale lock is replaced.
 */
export async function acquireLock(dir: string): Promise<void> {
  const file = join(dir, LOCK_FILE);
  const content = `${process.pid} ${hostname()}\n`;
  try {
    await writeFile(file, content, { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(file, 'creating lock', err);
  }
  const held = await readLock(dir);
  if (held && !held.stale && held.pid !== process.pid) {
    throw new StoreError('STORE_LOCKED', file, `in use by pid ${held.pid} on ${held.host}`);
  }
  try {
    await writeFile(file, content);
  } catch (err) {
    throw ioError(file, 'replacing stale lock', err);
  }
}

/** Removes the lock of `dir` if this process holds it. */
export async function releaseLock(dir: string): Promise<void> {
  const held = await readLock(dir).catch(() => undefined);
  if (held && held.pid !== process.pid) return;
  try {
    await unlink(join(dir, LOCK_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw ioError(join(dir, LOCK_FILE), 'removing lock', err);
    }
  }
}
