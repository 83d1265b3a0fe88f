/**
 * Clips made with `seamd clips add`, kept in `<recordings.dir>/.clips.json` (a dot-name: the
 * catalog skips it) so they survive restarts and reloads. Written atomically (a temporary file
 * synced, then renamed over the old one): a reader sees the old list or the new one, never half.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ioError, StoreError } from './errors.js';
import { CLIP_NAME, segmentInSpan, type ClipSpan } from './named-spans.js';
import { writeFileAtomic } from './meta.js';

export const CLIPS_FILE = '.clips.json';

interface ClipsFileJson {
  version: 1;
  clips: Record<string, { path: string; from: string; to: string }>;
}

/** The clips in `recordingsDir` (none when the file is missing); STORE_CORRUPT when unreadable. */
export async function readClipsFile(recordingsDir: string): Promise<ClipSpan[]> {
  const file = join(recordingsDir, CLIPS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(file, 'reading', err);
  }
  let json: Partial<ClipsFileJson>;
  try {
    json = JSON.parse(text) as Partial<ClipsFileJson>;
  } catch (err) {
    throw new StoreError('STORE_CORRUPT', file, 'not JSON', { cause: err });
  }
  if (json.version !== 1 || typeof json.clips !== 'object' || json.clips === null) {
    throw new StoreError('STORE_CORRUPT', file, 'not a clips file of version 1');
  }
  const out: ClipSpan[] = [];
  for (const [name, c] of Object.entries(json.clips)) {
    const fromMs = Date.parse(String(c.from));
    const toMs = Date.parse(String(c.to));
    const ok = CLIP_NAME.test(name) && typeof c.path === 'string' && fromMs < toMs;
    if (!ok) throw new StoreError('STORE_CORRUPT', file, `bad clip ${JSON.stringify(name)}`);
    out.push({ name, path: c.path, fromMs, toMs });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Replaces the clips file with `clips` (store/meta.ts writeFileAtomic). */
export async function writeClipsFile(
  recordingsDir: string,
  clips: readonly ClipSpan[],
): Promise<void> {
  const json: ClipsFileJson = { version: 1, clips: {} };
  for (const c of [...clips].sort((a, b) => a.name.localeCompare(b.name))) {
    json.clips[c.name] = {
      path: c.path,
      from: new Date(c.fromMs).toISOString(),
      to: new Date(c.toMs).toISOString(),
    };
  }
  await writeFileAtomic(recordingsDir, CLIPS_FILE, `${JSON.stringify(json, null, 2)}\n`);
}

/** The segments a clip reads from (see segmentInSpan). */
export function pinnedBy<T extends { startMs: number; endMs: number }>(
  segments: readonly T[],
  clip: { fromMs: number; toMs: number },
): T[] {
  return segments.filter((s) => segmentInSpan(s, clip.fromMs, clip.toMs));
}
