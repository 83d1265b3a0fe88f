import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE, readLock, releaseLock } from '../../../src/store/lock.js';
import { tempDir, thrown } from './helpers.js';

describe('recording locks', () => {
  it('acquire writes pid and host; release removes it', async () => {
    const dir = await tempDir();
    await acquireLock(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid} ${hostname()}\n`);
    expect(await readLock(dir)).toEqual({ pid: process.pid, host: hostname(), stale: false });
    await acquireLock(dir); // re-entrant for the same process
    await releaseLock(dir);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    expect(await readLock(dir)).toBeUndefined();
  });

  it('a live process elsewhere holds it: STORE_LOCKED; release leaves its lock alone', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, LOCK_FILE), `1 ${hostname()}\n`); // pid 1 is always running
    const err = await thrown(() => acquireLock(dir));
    expect(err.code).toBe('STORE_LOCKED');
    expect(err.message).toContain('in use by pid 1');
    await releaseLock(dir);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
  });

  it('the lock of a dead process is stale and is taken over', async () => {
    const dir = await tempDir();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(dir, LOCK_FILE), `${dead} ${hostname()}\n`);
    expect((await readLock(dir))?.stale).toBe(true);
    await acquireLock(dir);
    expect((await readLock(dir))?.pid).toBe(process.pid);
  });

  it('another host: never stale (its pids mean nothing here); garbage: stale', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, LOCK_FILE), `999999 some-other-host\n`);
    expect((await readLock(dir))?.stale).toBe(false);
    writeFileSync(join(dir, LOCK_FILE), `garbage`);
    expect((await readLock(dir))?.stale).toBe(true);
  });
});
