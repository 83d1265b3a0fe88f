/**
 * Memory that JS holds, measured after full collections (for tests and benches that count what a
 * structure keeps per item). Exposes V8's gc() to this process on first use.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Heap used plus external (ArrayBuffer) bytes, after two full collections. */
export function liveBytes(): number {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
