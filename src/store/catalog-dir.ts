/**
 * A recording as the catalog lists it, and what the catalog does with the files: the directory
 * name a new recording gets (path slug, content hash, and for live content the start time) and
 * the bytes a directory holds.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Completeness } from './completeness.js';
import type { NewRecordingMeta, RecordingMeta } from './meta.js';
import type { Recording } from './reader.js';

export interface CatalogEntry {
  readonly id: string;
  readonly dir: string;
  meta: RecordingMeta | undefined;
  /** Why it cannot be used (unreadable meta, damaged log). */
  error: string | undefined;
  bytes: number;
  lastUsedMs: number;
  writing: boolean;
  /**
   * Set while upstream sessions feed it (not while it is repaired): it may be served as it is,
   * after this flush.
   */
  feeding: { flush(): Promise<void> } | undefined;
  players: number;
  /** Opened index (snapshot), with its completeness; dropped when the recording changes. */
  opened: { rec: Recording; completeness: Completeness } | undefined;
}

/** An entry not in use: no meta yet, no error, nobody writing or playing it (unless said). */
export function newEntry(
  id: string,
  dir: string,
  over: Partial<Omit<CatalogEntry, 'id' | 'dir'>> = {},
): CatalogEntry {
  return {
    id,
    dir,
    meta: undefined,
    error: undefined,
    bytes: 0,
    lastUsedMs: 0,
    writing: false,
    feeding: undefined,
    players: 0,
    opened: undefined,
    ...over,
  };
}

/** Directory-name friendly slug of a path name or origin URL. */
function slug(text: string): string {
  const s = text
    .replace(/^rtsps?:\/\//, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 40);
  return s === '' ? 'rec' : s;
}

export function contentHash(key: string, identity: string): string {
  return createHash('sha256').update(`${key}\n${identity}`).digest('hex').slice(0, 12);
}

/**
 * The id (directory name) of a new recording in `root`: slug and content hash, live content
 * with its start time, and `-2`, `-3`... while that name is taken (`taken` or on disk).
 */
export async function recordingId(
  root: string,
  meta: NewRecordingMeta,
  keyOf: (originUrl: string) => string,
  nowMs: number,
  taken: (id: string) => boolean,
): Promise<string> {
  const hash = contentHash(keyOf(meta.originUrl), meta.sdpIdentity);
  const base = `${slug(meta.path || meta.originUrl)}-${hash}`;
  let id = meta.live ? `${base}-${new Date(nowMs).toISOString().replace(/[:.]/g, '')}` : base;
  for (let n = 2; taken(id) || (await exists(join(root, id))); n++) id = `${base}-${n}`;
  return id;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Bytes of the files directly in `dir` (0 when it cannot be read). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const st = await stat(join(dir, n)).catch(() => undefined);
    if (st?.isFile()) total += st.size;
  }
  return total;
}
