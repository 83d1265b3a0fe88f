/**
 * The console's static files: `console/` in the package (HTML, ES modules, CSS; no build step)
 * and uPlot's ES module and CSS from node_modules, read once when the listener starts and
 * served with a content hash as ETag. Only the files found there are served (no path from a
 * request ever reaches the file system).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  readonly type: string;
  readonly body: Buffer;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** `console/` beside `src/` (or `dist/`) in the package. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

function file(path: string): StaticFile | undefined {
  const type = TYPES[extname(path)];
  if (!type) return undefined;
  const body = readFileSync(path);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { type, body, etag };
}

/** URL path → file: `/` and `/console/*` from CONSOLE_DIR, `/vendor/uPlot.*` from uplot. */
export function consoleFiles(dir = CONSOLE_DIR): Map<string, StaticFile> {
  const out = new Map<string, StaticFile>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out; // a package without the console: the APIs still answer
  }
  for (const name of names) {
    const f = file(join(dir, name));
    if (f) out.set(`/console/${name}`, f);
  }
  const index = out.get('/console/index.html');
  if (index) out.set('/', index);
  const require = createRequire(import.meta.url);
  const uplot = dirname(require.resolve('uplot/package.json'));
  for (const name of ['uPlot.esm.js', 'uPlot.min.css']) {
    const f = file(join(uplot, 'dist', name));
    if (f) out.set(`/vendor/${name}`, f);
  }
  return out;
}
