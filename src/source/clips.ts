/**
 * Clips and schedules of the archive: what owns them at run time. Clips come from the config
 * (`clips:`) and from `<recordings.dir>/.clips.json` (`seamd clips add|rm`, re-read every second
 * and at a reload); on a name clash the config's clip wins. A clip pins the archive segments it
 * points into: `keep` tells the archive's retention and quota to leave them. Programmes are
 * computed from the schedules and the span each path's archive keeps. `target` maps the path of
 * a Request-URI (`clips/<name>`, `<path>/<schedule>/<start>`) to the span it plays, and
 * `namedSpans` lists clips and programmes for the archive listing.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import { formatUtcTime, utcTimeMs } from '../protocol/rtsp/headers/clock-range.js';
import { CLIPS_FILE, readClipsFile } from '../store/clips-file.js';
import { segmentInSpan, type ClipSpan, type NamedSpan } from '../store/named-spans.js';
import { isProgrammeStart, programmesWithin, type ScheduleSpec } from '../store/programmes.js';
import type { ArchiveStore, Segment } from '../store/segments.js';
import type { ClipConfig, ScheduleConfig } from './clip-config.js';

export interface ClipBookOptions {
  readonly recordingsDir: string;
  readonly log: Logger;
  /** The open archive of a path. */
  readonly storeOf: (path: string) => ArchiveStore | undefined;
  /** `rtsp://host:port` the URLs of named spans start with. */
  readonly urlBase?: () => string;
  /** How often the clips file is looked at (ms); 0 = only at start and reload. */
  readonly pollMs?: number;
}

/** What a Request-URI names: a span of a path's archive. */
export interface SpanTarget {
  readonly kind: 'clip' | 'programme';
  readonly name: string;
  readonly path: string;
  readonly fromMs: number;
  readonly toMs: number;
}

interface Clip extends ClipSpan {
  readonly source: 'config' | 'file';
}

export class ClipBook {
  private configClips: ClipSpan[] = [];
  private fileClips: ClipSpan[] = [];
  private schedules: ScheduleSpec[] = [];
  private merged = new Map<string, Clip>();
  private fileStamp = '';
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  constructor(private readonly opts: ClipBookOptions) {}

  /** Reads the clips file and starts looking at it. */
  async start(): Promise<void> {
    await this.refresh();
    const every = this.opts.pollMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => void this.refresh(), every);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Applies the `clips:` and `schedule:` sections of a (re)loaded config, and re-reads the file. */
  update(
    clips: Readonly<Record<string, ClipConfig>>,
    schedule: Readonly<Record<string, ScheduleConfig>>,
  ): Promise<void> {
    this.configClips = Object.entries(clips).map(([name, c]) => ({ name, ...c }));
    this.schedules = Object.entries(schedule).map(([name, s]) => ({ name, ...s }));
    this.fileStamp = '';
    this.merge();
    return this.refresh();
  }

  /** Re-reads the clips file when it changed (size or mtime); a bad file keeps the last list. */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const file = join(this.opts.recordingsDir, CLIPS_FILE);
    let stamp = 'none';
    try {
      const st = await stat(file);
      stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    } catch {
      /* no file: no clips from it */
    }
    if (stamp === this.fileStamp) return;
    try {
      this.fileClips = await readClipsFile(this.opts.recordingsDir);
      this.fileStamp = stamp;
    } catch (err) {
      this.fileStamp = stamp;
      const fields = { path: file, reason: (err as Error).message };
      logEvent(
        this.opts.log,
        'error',
        'archive.error',
        fields,
        'clips file unreadable; kept the last list',
      );
      return;
    }
    this.merge();
  }

  private merge(): void {
    const next = new Map<string, Clip>();
    for (const c of this.fileClips) next.set(c.name, { ...c, source: 'file' });
    const shadowed = new Set<string>();
    for (const c of this.configClips) {
      if (next.has(c.name)) shadowed.add(c.name);
      next.set(c.name, { ...c, source: 'config' });
    }
    const old = this.merged;
    this.merged = next;
    for (const [name, c] of old) {
      const now = next.get(name);
      if (now && same(now, c)) continue;
      const fields = { clip: name, path: c.path, from: iso(c.fromMs), to: iso(c.toMs) };
      logEvent(this.opts.log, 'info', 'clip.rm', fields, 'clip removed');
    }
    for (const [name, c] of next) {
      const was = old.get(name);
      if (was && same(was, c)) continue;
      const fields = {
        clip: name,
        path: c.path,
        from: iso(c.fromMs),
        to: iso(c.toMs),
        source: c.source,
        ...(shadowed.has(name) ? { shadowed: true } : {}),
      };
      const msg = shadowed.has(name)
        ? 'clip added (the config clip wins over the file clip of that name)'
        : 'clip added';
      logEvent(this.opts.log, 'info', 'clip.add', fields, msg);
    }
  }

  clips(): readonly ClipSpan[] {
    return [...this.merged.values()];
  }

  /** Whether a segment of `path` must stay: a clip points into it. */
  keep(path: string, seg: Segment): boolean {
    for (const c of this.merged.values()) {
      if (c.path === path && segmentInSpan(seg.state, c.fromMs, c.toMs)) return true;
    }
    return false;
  }

  /** The span a presentation path names (its segments, decoded, no track suffix). */
  target(segments: readonly string[]): SpanTarget | undefined {
    const [first, second, third] = segments;
    if (segments.length === 2 && first === 'clips' && second !== undefined) {
      const c = this.merged.get(second);
      return c && { kind: 'clip', name: c.name, path: c.path, fromMs: c.fromMs, toMs: c.toMs };
    }
    if (segments.length !== 3 || third === undefined) return undefined;
    const s = this.schedules.find((x) => x.name === second && x.path === first);
    const start = utcTimeMs(third);
    if (!s || start === undefined || !isProgrammeStart(s.cron, start)) return undefined;
    return {
      kind: 'programme',
      name: s.name,
      path: s.path,
      fromMs: start,
      toMs: start + s.durationMs,
    };
  }

  /** Clips and the programmes within each archive's kept span, of one path or all. */
  namedSpans(nowMs: number, path?: string): NamedSpan[] {
    const base = this.opts.urlBase?.() ?? 'rtsp://seamd';
    const out: NamedSpan[] = [];
    for (const c of this.merged.values()) {
      if (path !== undefined && c.path !== path) continue;
      const segs = this.opts.storeOf(c.path)?.segments() ?? [];
      const pinned = segs.filter((s) => segmentInSpan(s.state, c.fromMs, c.toMs));
      out.push({
        kind: 'clip',
        name: c.name,
        path: c.path,
        fromMs: c.fromMs,
        toMs: c.toMs,
        url: `${base}/clips/${encodeURIComponent(c.name)}`,
        pinnedBytes: pinned.reduce((n, s) => n + (s.writer ? s.writer.bytes : s.bytes), 0),
      });
    }
    for (const s of this.schedules) {
      if (path !== undefined && s.path !== path) continue;
      const span = keptSpan(this.opts.storeOf(s.path), nowMs);
      if (!span) continue;
      for (const p of programmesWithin(s, span.fromMs, span.toMs)) {
        out.push({
          kind: 'programme',
          name: s.name,
          path: s.path,
          fromMs: p.fromMs,
          toMs: p.toMs,
          url: `${base}/${encodeURIComponent(s.path)}/${encodeURIComponent(s.name)}/${formatUtcTime(p.fromMs)}`,
        });
      }
    }
    return out.sort((a, b) => a.fromMs - b.fromMs || a.name.localeCompare(b.name));
  }
}

/** From the archive's first packet to its last (now, while a segment is being written). */
function keptSpan(
  store: ArchiveStore | undefined,
  nowMs: number,
): { fromMs: number; toMs: number } | undefined {
  const segs = store?.segments() ?? [];
  const first = segs[0];
  const last = segs[segs.length - 1];
  if (!first || !last) return undefined;
  return { fromMs: first.state.startMs, toMs: last.writer ? nowMs : last.state.endMs };
}

function same(a: Clip, b: Clip): boolean {
  return a.path === b.path && a.fromMs === b.fromMs && a.toMs === b.toMs && a.source === b.source;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
