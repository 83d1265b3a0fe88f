/**
 * `GET /api/recordings`: one row per recording the catalog holds (completeness, gaps, repair
 * state, size, last played, in use), built from the catalog's entries and the repair queue
 * (pure).
 */
import type { CatalogEntry } from '../store/catalog.js';

export interface RecordingRow {
  id: string;
  path: string | null;
  origin: string | null;
  state: string;
  live: boolean;
  /** Percent, once the recording was opened (served or checked) since start; else null. */
  completeness: number | null;
  missingPackets: number | null;
  bytes: number;
  /** ISO 8601. */
  lastUsed: string;
  writing: boolean;
  players: number;
  /** `running`, `queued`, else the last repair's outcome from meta.json (or null). */
  repair: string | null;
  error: string | null;
}

export interface RepairQueue {
  readonly queued: readonly string[];
  readonly running: string | undefined;
}

export function recordingRows(
  entries: readonly CatalogEntry[],
  repair: RepairQueue,
): RecordingRow[] {
  return entries
    .map((e): RecordingRow => {
      const c = e.opened?.completeness;
      return {
        id: e.id,
        path: e.meta?.path ?? null,
        origin: e.meta?.originUrl ?? null,
        state: e.error ? 'error' : (e.meta?.state ?? 'unknown'),
        live: e.meta?.live === true,
        completeness: c ? c.percent : null,
        missingPackets: c ? c.missing : null,
        bytes: e.bytes,
        lastUsed: new Date(e.lastUsedMs).toISOString(),
        writing: e.writing,
        players: e.players,
        repair:
          repair.running === e.id
            ? 'running'
            : repair.queued.includes(e.id)
              ? 'queued'
              : (e.meta?.repair?.status ?? null),
        error: e.error ?? null,
      };
    })
    .sort((a, b) => b.lastUsed.localeCompare(a.lastUsed));
}
