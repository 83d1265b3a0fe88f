/**
 * The recordings directory as the daemon sees it: which recordings exist, which content they
 * hold (normalized origin URL + SDP identity), which are being written or played, and the byte
 * quota (least recently used first; never one being written or played).
 *
 * On open it recovers recordings a crash left in state 'recording' (no live owner): torn tails
 * are cut (RecordingWriter.openForAppend) and the state becomes 'partial'. A recording that
 * cannot be read is listed with its error and never served; it does not stop the daemon.
 *
 * Last use is the mtime of meta.json, set when a recording is played (utimes, no rewrite).
 */
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { StoreError } from './errors.js';
import { META_FILE } from './format.js';
import { acquireLock, readLock, releaseLock } from './lock.js';
import { dirBytes, newEntry, recordingId, type CatalogEntry } from './catalog-dir.js';
import { readMeta, type NewRecordingMeta } from './meta.js';
import { openRecording } from './reader.js';
import { RecordingWriter } from './writer.js';
import { completenessOf } from './completeness.js';
import { logEvent } from '../events.js';

export type { CatalogEntry } from './catalog-dir.js';
export { contentHash } from './catalog-dir.js';

export interface CatalogOptions {
  readonly dir: string;
  readonly log: Logger;
  /** Bytes; 0 = no quota. */
  readonly quotaBytes: number;
  /** Key of an origin URL (sourceKey), to match recordings to requests. */
  readonly keyOf: (originUrl: string) => string;
  readonly now?: () => number;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RecordingCatalog {
  private readonly entries = new Map<string, CatalogEntry>();
  private readonly now: () => number;

  constructor(private readonly opts: CatalogOptions) {
    this.now = opts.now ?? Date.now;
  }

  get dir(): string {
    return this.opts.dir;
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()];
  }

  get(id: string): CatalogEntry | undefined {
    return this.entries.get(id);
  }

  /** Scans the directory (creating it), recovering interrupted recordings. */
  async open(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    for (const name of await readdir(this.opts.dir)) {
      if (name.startsWith('.')) continue;
      const dir = join(this.opts.dir, name);
      const st = await stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) continue;
      await this.load(name, dir);
    }
    logEvent(
      this.opts.log,
      'info',
      'recordings.open',
      {
        dir: this.opts.dir,
        recordings: this.entries.size,
        errors: [...this.entries.values()].filter((e) => e.error).length,
        bytes: this.totalBytes(),
      },
      'recordings directory scanned',
    );
  }

  private async load(id: string, dir: string): Promise<void> {
    const entry = newEntry(id, dir, { bytes: await dirBytes(dir) });
    this.entries.set(id, entry);
    try {
      entry.meta = await readMeta(dir);
      entry.lastUsedMs = (await stat(join(dir, META_FILE))).mtimeMs;
      if (entry.meta.state === 'recording') await this.recover(entry);
    } catch (err) {
      this.markBroken(entry, err);
    }
  }

  private async recover(entry: CatalogEntry): Promise<void> {
    const held = await readLock(entry.dir);
    if (held && !held.stale) {
      entry.error = `being written by pid ${held.pid} on ${held.host}`;
      return;
    }
    const writer = await RecordingWriter.openForAppend(entry.dir, { flushIntervalMs: 0 });
    await writer.close('partial');
    await releaseLock(entry.dir).catch(() => undefined);
    entry.meta = await readMeta(entry.dir);
    entry.bytes = await dirBytes(entry.dir);
    logEvent(
      this.opts.log,
      'warn',
      'recording.recover',
      {
        recording: entry.id,
        tornBytes: writer.recovered.reduce((n, t) => n + t.bytes, 0),
        tornTracks: writer.recovered.map((t) => t.track),
      },
      'interrupted recording recovered (torn tail cut, state partial)',
    );
  }

  private markBroken(entry: CatalogEntry, err: unknown): void {
    entry.error = errText(err);
    entry.opened = undefined;
    logEvent(
      this.opts.log,
      'error',
      'recording.error',
      {
        recording: entry.id,
        code: err instanceof StoreError ? err.code : undefined,
        reason: entry.error,
      },
      'recording cannot be used',
    );
  }

  totalBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }

  private matches(e: CatalogEntry, key: string, identity: string | undefined): boolean {
    const m = e.meta;
    if (!m || e.error || m.live) return false;
    if (this.opts.keyOf(m.originUrl) !== key) return false;
    return identity === undefined || m.sdpIdentity === identity;
  }

  /** A recording (being written included) of this file-backed content, if any. */
  findContent(key: string, identity: string): CatalogEntry | undefined {
    for (const e of this.entries.values()) if (this.matches(e, key, identity)) return e;
    return undefined;
  }

  /** Any recording (being written included) of this file-backed content. */
  hasContent(key: string, identity: string): boolean {
    return this.findContent(key, identity) !== undefined;
  }

  /**
   * The recording sessions of this content feed: for file-backed content the largest one of it
   * (being written or not), for live content the newest archive of the same SDP identity.
   */
  feedTarget(key: string, identity: string, live: boolean): CatalogEntry | undefined {
    let best: CatalogEntry | undefined;
    for (const e of this.entries.values()) {
      const m = e.meta;
      if (!m || e.error || (m.live === true) !== live || m.sdpIdentity !== identity) continue;
      if (this.opts.keyOf(m.originUrl) !== key) continue;
      const better = live
        ? !best || (m.createdAt ?? '') > (best.meta?.createdAt ?? '')
        : !best || e.bytes > best.bytes;
      if (better) best = e;
    }
    return best;
  }

  /**
   * Whether this content should be recorded now: not while a recording of it is being written,
   * nor when a complete one exists. A partial one (a viewer stopped early) does not stop a new
   * recording; the better copy is kept when it finishes (see finished()).
   */
  wantsRecording(key: string, identity: string): boolean {
    for (const e of this.entries.values()) {
      if (!this.matches(e, key, identity)) continue;
      if (e.writing || e.meta?.state === 'complete' || e.meta?.state === 'recording') return false;
    }
    return true;
  }

  /**
   * The best recording of `key` (and `identity` when known) whose part from npt `fromSec` to the
   * end holds at least `minPercent` (completeness.ts): the most complete there, then the newest.
   * Finished ones, and ones sessions are feeding now (flushed and opened as they are; never one
   * being repaired). Opens (and caches) its index; one that fails to open is marked broken.
   */
  async findServable(
    key: string,
    identity: string | undefined,
    minPercent: number,
    fromSec = 0,
  ): Promise<CatalogEntry | undefined> {
    const candidates = [...this.entries.values()].filter(
      (e) =>
        this.matches(e, key, identity) &&
        (e.feeding !== undefined || (!e.writing && e.meta?.state !== 'recording')),
    );
    let best: { e: CatalogEntry; percent: number } | undefined;
    for (const e of candidates) {
      if (e.feeding) {
        await e.feeding.flush().catch(() => undefined);
        e.opened = undefined;
      }
      const opened = await this.ensureOpened(e);
      if (!opened) continue;
      const percent =
        fromSec > 0 ? completenessOf(opened.rec, fromSec).percent : opened.completeness.percent;
      if (percent < minPercent) continue;
      const newer = (e.meta?.createdAt ?? '') > (best?.e.meta?.createdAt ?? '');
      if (!best || percent > best.percent || (percent === best.percent && newer)) {
        best = { e, percent };
      }
    }
    return best?.e;
  }

  async ensureOpened(e: CatalogEntry): Promise<CatalogEntry['opened']> {
    if (e.error) return undefined;
    if (!e.opened) {
      try {
        const rec = await openRecording(e.dir);
        e.opened = { rec, completeness: completenessOf(rec) };
      } catch (err) {
        this.markBroken(e, err);
        return undefined;
      }
    }
    return e.opened;
  }

  /** A new recording for `meta`: directory, writer, lock. */
  async create(
    meta: NewRecordingMeta,
    flushIntervalMs?: number,
  ): Promise<{ entry: CatalogEntry; writer: RecordingWriter }> {
    const id = await recordingId(this.opts.dir, meta, this.opts.keyOf, this.now(), (x) =>
      this.entries.has(x),
    );
    const dir = join(this.opts.dir, id);
    const writer = await RecordingWriter.create(dir, meta, {
      ...(flushIntervalMs === undefined ? {} : { flushIntervalMs }),
      onError: (err) =>
        logEvent(
          this.opts.log,
          'error',
          'recording.error',
          { recording: id, code: err.code, reason: err.message },
          'recording write failed',
        ),
    });
    await acquireLock(dir);
    const entry = newEntry(id, dir, {
      meta: await readMeta(dir),
      lastUsedMs: this.now(),
      writing: true,
    });
    this.entries.set(id, entry);
    return { entry, writer };
  }

  /**
   * Marks a recording as being changed by someone else than a recorder (repair): not served, not
   * evicted, until finished(id). False when it is already being written.
   */
  beginWrite(id: string): boolean {
    const e = this.entries.get(id);
    if (!e || e.writing) return false;
    e.writing = true;
    return true;
  }

  /** The writer of `id` closed: refresh it, drop superseded copies, apply the quota. */
  async finished(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    e.writing = false;
    e.feeding = undefined;
    await this.changed(id);
    if (e.players === 0) await releaseLock(e.dir).catch(() => undefined);
    await this.dropSuperseded(e);
    await this.enforceQuota();
  }

  /** Re-reads a recording after it changed on disk (writer closed, repair). */
  async changed(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    e.opened = undefined;
    e.error = undefined;
    e.bytes = await dirBytes(e.dir);
    try {
      e.meta = await readMeta(e.dir);
    } catch (err) {
      this.markBroken(e, err);
    }
  }

  /**
   * Of several idle recordings of the same content, keep the most complete one (a viewer who
   * stopped early left a partial one; a later full playback made a better one).
   */
  private async dropSuperseded(e: CatalogEntry): Promise<void> {
    const m = e.meta;
    if (!m || m.live) return;
    const key = this.opts.keyOf(m.originUrl);
    const same = [...this.entries.values()].filter(
      (x) => this.matches(x, key, m.sdpIdentity) && !x.writing && x.players === 0,
    );
    if (same.length < 2) return;
    const scored: Array<[CatalogEntry, number]> = [];
    for (const x of same)
      scored.push([x, (await this.ensureOpened(x))?.completeness.percent ?? -1]);
    scored.sort(
      (a, b) =>
        b[1] - a[1] || ((b[0].meta?.createdAt ?? '') > (a[0].meta?.createdAt ?? '') ? 1 : -1),
    );
    for (const [x, pct] of scored.slice(1))
      await this.remove(x, 'superseded', { completeness: pct });
  }

  /** A viewer starts playing `id`: lock it (rm and eviction keep off) and note the use. */
  async startPlaying(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    e.players++;
    e.lastUsedMs = this.now();
    if (e.players === 1 && !e.writing) await acquireLock(e.dir).catch(() => undefined);
    const t = new Date(e.lastUsedMs);
    await utimes(join(e.dir, META_FILE), t, t).catch(() => undefined);
  }

  async stopPlaying(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    e.players = Math.max(0, e.players - 1);
    if (e.players === 0 && !e.writing) await releaseLock(e.dir).catch(() => undefined);
  }

  /** Sizes of recordings being written (they grow), then the quota. */
  async refreshSizes(): Promise<void> {
    for (const e of this.entries.values()) if (e.writing) e.bytes = await dirBytes(e.dir);
    await this.enforceQuota();
  }

  /** Deletes least recently used idle recordings until the total fits the quota. */
  async enforceQuota(): Promise<void> {
    const quota = this.opts.quotaBytes;
    if (quota <= 0) return;
    let total = this.totalBytes();
    if (total <= quota) return;
    const idle = [...this.entries.values()]
      .filter((e) => !e.writing && e.players === 0)
      .sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const e of idle) {
      if (total <= quota) break;
      total -= e.bytes;
      await this.remove(e, 'quota', { quota, totalAfter: total });
    }
  }

  private async remove(e: CatalogEntry, reason: string, extra: object): Promise<void> {
    const held = await readLock(e.dir).catch(() => undefined);
    if (held && !held.stale && held.pid !== process.pid) return; // another process uses it
    try {
      await rm(e.dir, { recursive: true, force: true });
    } catch (err) {
      this.markBroken(e, err);
      return;
    }
    this.entries.delete(e.id);
    logEvent(
      this.opts.log,
      'info',
      'recording.evict',
      {
        recording: e.id,
        reason,
        bytes: e.bytes,
        lastUsed: new Date(e.lastUsedMs).toISOString(),
        ...extra,
      },
      `recording removed: ${reason}`,
    );
  }
}
