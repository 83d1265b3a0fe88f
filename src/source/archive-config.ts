/** The `paths.<name>.archive` section: retention and segment length of a path's archive. */
import { z } from 'zod';
import { parseDurationMs } from '../protocol/rtsp/headers/clock-range.js';

/** How long a path's archive is kept and how long one segment is (ms). */
export interface ArchiveConfig {
  readonly retentionMs: number;
  readonly segmentMs: number;
}

export const DEFAULT_RETENTION_MS = 7 * 86_400_000;
export const DEFAULT_SEGMENT_MS = 600_000;

/** `7d`, `2h`, `15m`, `90s` or a number of seconds → ms. */
export const duration = z.unknown().transform((v, ctx): number => {
  const ms =
    typeof v === 'number' ? v * 1000 : typeof v === 'string' ? parseDurationMs(v) : undefined;
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like 7d, 2h, 15m or 90s (got ${JSON.stringify(v)})`,
    });
    return z.NEVER;
  }
  return ms;
});

export const ARCHIVE_KEYS = ['retention', 'segment'];

export const pathArchive = z.strictObject({
  retention: duration.default(DEFAULT_RETENTION_MS),
  segment: duration.default(DEFAULT_SEGMENT_MS),
});
