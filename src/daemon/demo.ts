/**
 * The bundled demo: a 5 s clip kept in the recording format in the package (`demo/demo/`), whose
 * meta.json names an origin that cannot answer (`DEMO_ORIGIN`, port 1 of this host). A config
 * with a path to that origin (the embedded default config has `demo`) gets the recording copied
 * into its recordings directory at start when it is not there, and serves it from disk like any
 * recording whose origin is down: with no network and no origin.
 */
import { cp, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import type { Config } from './config.js';

export const DEMO_ORIGIN = 'rtsp://127.0.0.1:1/demo';

/** `demo/demo/` beside `src/` (or `dist/`) in the package. */
export const DEMO_RECORDING = fileURLToPath(new URL('../../demo/demo/', import.meta.url));

/** Copies the demo recording into recordings.dir when a path asks for it and it is missing. */
export async function seedDemo(config: Config, log: Logger): Promise<void> {
  if (!config.recordings.enabled) return;
  const path = Object.entries(config.paths).find(([, p]) => p.origin === DEMO_ORIGIN)?.[0];
  if (path === undefined) return;
  const target = join(resolve(config.recordings.dir), 'seamd-demo');
  const there = await stat(join(target, 'meta.json')).then(
    () => true,
    () => false,
  );
  if (there) return;
  await cp(DEMO_RECORDING, target, { recursive: true });
  logEvent(
    log,
    'info',
    'demo.seed',
    { recording: 'seamd-demo', path, dir: target },
    `bundled demo recording copied to ${target}: play rtsp://<seamd>/${path}`,
  );
}
