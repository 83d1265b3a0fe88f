/**
 * The README's architecture table names every source file, directory by directory, so a reader
 * can find any file from it: this keeps the table and src/ in step (as the log-event test does
 * for the event table).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Every directory under src/ holding .ts files → the file names in it (not recursive). */
function sourceDirs(dir: string, out = new Map<string, string[]>()): Map<string, string[]> {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceDirs(p, out);
    else if (name.endsWith('.ts')) files.push(name);
  }
  if (files.length > 0) out.set(`${relative(ROOT, dir)}/`, files.sort());
  return out;
}

/** Rows of the README table whose first cell is a `src/...` path → the `*.ts` names the row cites. */
function tableRows(readme: string): Map<string, string[]> {
  const section = readme.slice(readme.indexOf('## Architecture'));
  const body = section.slice(0, section.indexOf('\n## ', 1));
  const rows = new Map<string, string[]>();
  for (const line of body.split('\n')) {
    const m = /^\|\s*`(src\/[^`]*)`\s*\|/.exec(line);
    if (!m?.[1]) continue;
    const names = [...line.slice(m[0].length).matchAll(/`([\w.-]+\.ts)`/g)].map((x) => x[1] ?? '');
    rows.set(m[1], [...new Set(names)].sort());
  }
  return rows;
}

describe('README architecture table', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = tableRows(readme);
  const dirs = sourceDirs(join(ROOT, 'src'));

  it('has a row per source directory, and no row for one that does not exist', () => {
    const dirRows = [...rows.keys()].filter((k) => k.endsWith('/')).sort();
    expect(dirRows).toEqual([...dirs.keys()].sort());
  });

  it('each row names exactly the files in its directory', () => {
    for (const [dir, files] of dirs) expect(rows.get(dir), dir).toEqual(files);
  });

  it('single-file rows name files that exist', () => {
    for (const key of [...rows.keys()].filter((k) => !k.endsWith('/'))) {
      expect(statSync(join(ROOT, key)).isFile(), key).toBe(true);
    }
  });
});
