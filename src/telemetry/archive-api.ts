/**
 * `GET /api/archive[?path=NAME]`: the live archive of every archived path (spans kept, gaps
 * with their reasons, bytes, oldest and newest moment; the shape `seamd archive list --json`
 * prints) plus the clips and programmes named in it, and what the console needs to build
 * time-shift URLs: the RTSP listener and the server's clock.
 */
import type { ArchiveDescription } from '../store/archive-describe.js';
import { archiveListing, archivePathView, type ArchiveListing } from '../store/archive-view.js';
import type { NamedSpanProvider } from '../store/named-spans.js';
import type { ApiAnswer } from './http.js';

/** One archived path as the daemon holds it. */
export interface ArchiveSummary {
  readonly description: ArchiveDescription;
  /** The configured retention (undefined when the path is no longer archived). */
  readonly retentionMs: number | undefined;
}

/** Where the archive listing comes from. */
export interface ArchiveFeed {
  /** Every open archive, described from its segment list (no disk access). */
  describe(): readonly ArchiveSummary[];
  /** Clips and programmes, when something keeps them. */
  readonly named?: NamedSpanProvider;
  /** The RTSP listener; `host` null when it listens on every address. */
  readonly rtsp?: { readonly host: string | null; readonly port: number };
}

export interface ArchiveDocument extends ArchiveListing {
  /** The server's clock (ms) when the listing was made. */
  nowMs: number;
  rtsp: { host: string | null; port: number } | null;
}

const PATH = /^[A-Za-z0-9._-]+$/;

export async function archiveAnswer(
  feed: ArchiveFeed | undefined,
  params: URLSearchParams,
  now: number,
): Promise<ApiAnswer> {
  const path = params.get('path') ?? undefined;
  if (path !== undefined && !PATH.test(path)) return { ok: false, message: 'path: a path name' };
  const paths = (feed?.describe() ?? [])
    .filter((a) => path === undefined || a.description.path === path)
    .map((a) => archivePathView(a.description, a.retentionMs));
  const named = feed?.named ? await feed.named(path) : [];
  const body: ArchiveDocument = {
    ...archiveListing(paths, named),
    nowMs: now,
    rtsp: feed?.rtsp ? { host: feed.rtsp.host, port: feed.rtsp.port } : null,
  };
  return { ok: true, body };
}
