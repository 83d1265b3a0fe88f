/**
 * Preloaded into seamd by bench/soak.ts (`node --expose-gc --import …`): SIGUSR2 runs a full
 * garbage collection, so the heap sampled right after is what is still referenced. With
 * SEAMD_SOAK_SNAPSHOTS=<dir>, a file `<dir>/request` naming a label also makes it write a heap
 * snapshot `<dir>/<label>.heapsnapshot` (after the collection) and delete the request.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const gc = (globalThis as { gc?: () => void }).gc;
const dir = process.env.SEAMD_SOAK_SNAPSHOTS;
process.on('SIGUSR2', () => {
  gc?.();
  if (!dir) return;
  const request = join(dir, 'request');
  if (!existsSync(request)) return;
  const label = readFileSync(request, 'utf8').trim();
  rmSync(request);
  writeHeapSnapshot(join(dir, `${label}.heapsnapshot`));
});
