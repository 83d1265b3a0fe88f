/**
 * The archive listing as JSON, one shape for `seamd archive list --json` and `GET /api/archive`:
 * per path its spans, gaps (with the outage reason), segments, bytes, oldest and newest moment
 * (ISO 8601 and ms), plus the clips and programmes named in it. Pure.
 */
import type { ArchiveDescription } from './archive-describe.js';
import type { NamedSpan } from './named-spans.js';

export interface ArchiveSpanView {
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  seconds: number;
  segments: number;
  bytes: number;
}

export interface ArchiveGapView {
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  seconds: number;
  reason: string | null;
}

export interface ArchivePathView {
  path: string;
  /** The configured retention, null when the path is no longer archived. */
  retentionSec: number | null;
  segments: number;
  bytes: number;
  oldest: string | null;
  oldestMs: number | null;
  newest: string | null;
  newestMs: number | null;
  /** A segment is being written (or a crash left one open). */
  open: boolean;
  spans: ArchiveSpanView[];
  gaps: ArchiveGapView[];
}

export interface ArchiveListing {
  paths: ArchivePathView[];
  clips: NamedSpan[];
  programmes: NamedSpan[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (fromMs: number, toMs: number): number => Math.round(toMs - fromMs) / 1000;

export function archivePathView(
  d: ArchiveDescription,
  retentionMs: number | undefined,
): ArchivePathView {
  return {
    path: d.path,
    retentionSec:
      retentionMs === undefined || !Number.isFinite(retentionMs) ? null : retentionMs / 1000,
    segments: d.segments,
    bytes: d.bytes,
    oldest: d.oldestMs === undefined ? null : iso(d.oldestMs),
    oldestMs: d.oldestMs ?? null,
    newest: d.newestMs === undefined ? null : iso(d.newestMs),
    newestMs: d.newestMs ?? null,
    open: d.open,
    spans: d.spans.map((s) => ({
      from: iso(s.fromMs),
      to: iso(s.toMs),
      fromMs: s.fromMs,
      toMs: s.toMs,
      seconds: seconds(s.fromMs, s.toMs),
      segments: s.segments,
      bytes: s.bytes,
    })),
    gaps: d.gaps.map((g) => ({
      from: iso(g.fromMs),
      to: iso(g.toMs),
      fromMs: g.fromMs,
      toMs: g.toMs,
      seconds: seconds(g.fromMs, g.toMs),
      reason: g.reason ?? null,
    })),
  };
}

/** The listing of some paths with the clips and programmes of those paths, each by time. */
export function archiveListing(
  paths: readonly ArchivePathView[],
  named: readonly NamedSpan[],
): ArchiveListing {
  const shown = new Set(paths.map((p) => p.path));
  const of = (kind: NamedSpan['kind']): NamedSpan[] =>
    named
      .filter((n) => n.kind === kind && shown.has(n.path))
      .sort((a, b) => a.fromMs - b.fromMs || a.name.localeCompare(b.name));
  return {
    paths: [...paths].sort((a, b) => a.path.localeCompare(b.path)),
    clips: of('clip'),
    programmes: of('programme'),
  };
}
