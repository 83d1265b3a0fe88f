/**
 * Named stretches of a path's archive: clips (pointers: a path, a start and an end, never a
 * copy) and the programmes of schedules. The type the archive listing and API show, and which
 * archive segments a span reads from (they are pinned while a clip points into them).
 */

/** A clip or a scheduled programme: a named span of one path's archive. */
export interface NamedSpan {
  kind: 'clip' | 'programme';
  /** The clip's name, or the schedule's name for a programme. */
  name: string;
  path: string;
  fromMs: number;
  toMs: number;
  /** Where a player plays it (`rtsp://…/clips/<name>`, `rtsp://…/<path>/<schedule>/<start>`). */
  url: string;
  /** Bytes of the archive segments a clip keeps past retention and quota. */
  pinnedBytes?: number;
}

/** A clip as stored: which path's archive, from when to when (wall-clock ms). */
export interface ClipSpan {
  readonly name: string;
  readonly path: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** Clip names: letters, digits, ".", "_" and "-", not starting with "." (a URL segment). */
export const CLIP_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Whether a segment spanning [startMs, endMs] holds packets a span [fromMs, toMs] plays.
 * Segments are cut at keyframes, so the keyframe a playback of the span starts at lies in the
 * segment holding `fromMs` (or, after a gap, in the first one after it): no earlier segment.
 */
export function segmentInSpan(
  seg: { readonly startMs: number; readonly endMs: number },
  fromMs: number,
  toMs: number,
): boolean {
  return seg.startMs <= toMs && seg.endMs >= fromMs;
}

/** Clips and programmes, for one path or all (path undefined). */
export type NamedSpanProvider = (path?: string) => NamedSpan[] | Promise<NamedSpan[]>;
