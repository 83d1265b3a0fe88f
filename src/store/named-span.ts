/**
 * A named stretch of a path's archive: a clip (a pointer into the archive, kept past retention)
 * or a scheduled programme (name + start time). The archive listing (`seamd archive list`,
 * `/api/archive`) shows them beside the kept spans; whoever keeps clips and schedules provides
 * them.
 */
export interface NamedSpan {
  kind: 'clip' | 'programme';
  name: string;
  path: string;
  /** Wall-clock ms. */
  fromMs: number;
  toMs: number;
  /** Where to play it (`rtsp://…`). */
  url: string;
  /** Bytes of segments kept past retention for it (clips). */
  pinnedBytes?: number;
}

/** Clips and programmes, for one path or all (path undefined). */
export type NamedSpanProvider = (path?: string) => NamedSpan[] | Promise<NamedSpan[]>;
