/** Temporary directories for tests, removed by the test runner when the test (or file) ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';

const perTest: string[] = [];
const perFile: string[] = [];

afterEach(async () => {
  for (const d of perTest.splice(0)) await rm(d, { recursive: true, force: true });
});

afterAll(() => {
  for (const d of perFile.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed after the current test. */
export async function tempDir(prefix = 'seamd-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  perTest.push(d);
  return d;
}

/**
 * A fresh directory that lives as long as the test file (made at load time or in beforeAll),
 * removed after the file's last test.
 */
export function fileTempDir(prefix = 'seamd-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  perFile.push(d);
  return d;
}
