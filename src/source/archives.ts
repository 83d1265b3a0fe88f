/**
 * Every archived path of the config: its store (opened once, kept across SIGHUP) and its
 * archiver. `update` starts archivers for paths that gained an `archive` section and stops those
 * of paths that lost it (their archives stay on disk and stay playable).
 */
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import { describeArchive, storeFacts, type ArchiveDescription } from '../store/archive-describe.js';
import { ArchiveStore, type Segment } from '../store/segments.js';
import type { ArchiveConfig } from './archive-config.js';
import { Archiver } from './archiver.js';
import type { MediaSource } from './media-source.js';
import type { SourceRequest } from './registry.js';

export interface ArchivedPath {
  readonly request: SourceRequest;
  readonly archive: ArchiveConfig;
}

export interface ArchiveSetOptions {
  readonly recordingsDir: string;
  readonly log: Logger;
  readonly acquire: (req: SourceRequest) => Promise<MediaSource>;
  /** Bytes over the recordings quota, archives included (0 = within it). */
  readonly overQuota?: () => number;
  /** Segments that must stay (clips point into them). */
  readonly keep?: (path: string, seg: Segment) => boolean;
}

export class ArchiveSet {
  private readonly stores = new Map<string, ArchiveStore>();
  private readonly archivers = new Map<string, Archiver>();
  private paths = new Map<string, ArchivedPath>();
  private stopped = false;

  constructor(private readonly opts: ArchiveSetOptions) {}

  /** The store of `path` (archived now or before), opened on first use. */
  async store(path: string): Promise<ArchiveStore> {
    const known = this.stores.get(path);
    if (known) return known;
    const store = await ArchiveStore.open(this.opts.recordingsDir, path);
    const raced = this.stores.get(path);
    if (raced) return raced;
    this.stores.set(path, store);
    return store;
  }

  get recordingsDir(): string {
    return this.opts.recordingsDir;
  }

  /** The store of a path when one is open (no disk access). */
  opened(path: string): ArchiveStore | undefined {
    return this.stores.get(path);
  }

  archiver(path: string): Archiver | undefined {
    return this.archivers.get(path);
  }

  /** Bytes of every open archive. */
  get bytes(): number {
    let n = 0;
    for (const s of this.stores.values()) n += s.bytes;
    return n;
  }

  /** Every open archive described from its segment list, with its configured retention. */
  describe(): Array<{ description: ArchiveDescription; retentionMs: number | undefined }> {
    return [...this.stores].map(([path, store]) => ({
      description: describeArchive(path, storeFacts(store)),
      retentionMs: this.paths.get(path)?.archive.retentionMs,
    }));
  }

  /** Applies the archived paths of a (re)loaded config. */
  async update(paths: ReadonlyMap<string, ArchivedPath>): Promise<void> {
    this.paths = new Map(paths);
    for (const [name, a] of [...this.archivers]) {
      if (paths.has(name)) continue;
      this.archivers.delete(name);
      await a.stop();
    }
    for (const name of paths.keys()) {
      if (this.archivers.has(name) || this.stopped) continue;
      let store: ArchiveStore;
      try {
        store = await this.store(name);
      } catch (err) {
        const fields = { path: name, reason: (err as Error).message };
        logEvent(this.opts.log, 'error', 'archive.error', fields, 'archive cannot be opened');
        continue;
      }
      if (this.archivers.has(name) || this.stopped) continue;
      const archiver = new Archiver({
        path: name,
        request: () => this.paths.get(name)?.request,
        acquire: this.opts.acquire,
        store,
        log: this.opts.log,
        retentionMs: () => this.paths.get(name)?.archive.retentionMs ?? Infinity,
        segmentMs: () => this.paths.get(name)?.archive.segmentMs ?? 600_000,
        ...(this.opts.overQuota ? { overQuota: this.opts.overQuota } : {}),
        keep: (seg) => this.opts.keep?.(name, seg) ?? false,
      });
      this.archivers.set(name, archiver);
      archiver.start();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.archivers.values()];
    this.archivers.clear();
    await Promise.all(all.map((a) => a.stop()));
  }
}
