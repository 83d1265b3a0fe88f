/**
 * RepairService: the daemon's repair queue (owned by daemon.ts).
 *
 * `request(id, reason)` asks for a recording to be repaired (e.g. a viewer asked for content
 * whose recording has gaps). What happens depends on `repair.schedule`:
 * - `immediate`: queued and run at once, one recording at a time (its legs: maxConcurrentLegs);
 * - `off-peak`: queued; the queue runs only inside an `offPeak` window (a repair started in a
 *   window runs to its end);
 * - `manual`: logged and ignored (`seamd recordings repair ID` does it by hand).
 * A recording whose last repair found the content gone (404, other SDP identity) is never
 * queued again; one that 'failed' is retried only on a new request. A recording being written
 * is put back and tried again later.
 *
 * While it repairs, the service marks the catalog entry as being written (no playout from it,
 * no quota eviction) and holds the recording's `.lock` (so a `seamd recordings repair` in another
 * process refuses); `catalog.finished(id)` afterwards re-reads it and releases the lock unless
 * a player holds it.
 *
 * `repair.prefetch` entries are recorded at start (prefetch.ts) when no recording of them
 * exists, then queued like any other request.
 */
import type { Logger } from 'pino';
import { sourceKey } from '../upstream/url.js';
import type { RecordingCatalog } from '../store/catalog.js';
import { acquireLock, readLock } from '../store/lock.js';
import type { Leg } from '../upstream/leg.js';
import type { RepairConfig } from './config.js';
import { repairOptionsFrom } from './legs.js';
import { prefetch, type PrefetchTarget } from './prefetch.js';
import { repairRecording, type RepairReport } from './repairer.js';
import { msUntilOpen } from './schedule.js';
import { logEvent } from '../events.js';

/** How long a recording that is being written waits before it is tried again. */
const BUSY_RETRY_MS = 30_000;

export interface RepairServiceOptions {
  /** The current `repair:` section (re-read on every decision, so SIGHUP applies). */
  config: () => RepairConfig;
  /** The origin URL of a configured path name (for prefetch entries), if there is one. */
  pathOrigin: (name: string) => string | undefined;
  catalog: RecordingCatalog;
  log: Logger;
  /** Builds a repair leg (the daemon's: repair.transport, upstream.*). */
  createLeg: (id: string, url: string) => Leg;
  now?: () => Date;
}

export type RequestOutcome = 'queued' | 'already-queued' | 'manual' | 'gone' | 'unknown';

export class RepairService {
  private readonly queue: Array<{ id: string; reason: string }> = [];
  private running: Promise<void> | undefined;
  private current: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private abort = new AbortController();
  private started = false;
  /** Reports of finished repairs, newest last (at most 100). */
  readonly reports: RepairReport[] = [];

  constructor(private readonly o: RepairServiceOptions) {}

  private get now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }

  private legFactory(): (id: string, url: string) => Leg {
    return this.o.createLeg;
  }

  /** Starts scheduling (and the prefetch list). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.abort = new AbortController();
    const entries = this.o.config().prefetch;
    if (entries.length > 0) void this.prefetchAll(entries);
    this.kick();
  }

  /** Stops: the running repair's legs are closed, the queue is kept for nothing (dropped). */
  async stop(): Promise<void> {
    this.started = false;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    await this.running?.catch(() => undefined);
  }

  /** Recording ids waiting, and the one being repaired. */
  status(): { queued: string[]; running: string | undefined } {
    return { queued: this.queue.map((q) => q.id), running: this.current };
  }

  /** Asks for `id` to be repaired (see the file comment). */
  request(id: string, reason: string): RequestOutcome {
    const schedule = this.o.config().schedule;
    const entry = this.o.catalog.get(id);
    let outcome: RequestOutcome;
    if (!entry?.meta) outcome = 'unknown';
    else if (entry.meta.repair?.status === 'gone') outcome = 'gone';
    else if (schedule === 'manual') outcome = 'manual';
    else if (this.current === id || this.queue.some((q) => q.id === id)) outcome = 'already-queued';
    else {
      this.queue.push({ id, reason });
      outcome = 'queued';
    }
    logEvent(
      this.o.log,
      'info',
      'repair.request',
      { recording: id, reason, schedule, outcome },
      `repair request: ${outcome}`,
    );
    if (outcome === 'queued') this.kick();
    return outcome;
  }

  /** Waits until the queue is empty and nothing runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running || (this.queue.length > 0 && this.started && !this.timer)) {
      await (this.running ?? new Promise((r) => setTimeout(r, 50)));
    }
  }

  private kick(): void {
    if (!this.started || this.running || this.queue.length === 0) return;
    const cfg = this.o.config();
    if (cfg.schedule === 'off-peak') {
      const wait = msUntilOpen(cfg.offPeak, this.now);
      if (wait > 0) {
        if (!this.timer && Number.isFinite(wait)) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.kick();
          }, wait);
          this.timer.unref();
        }
        return;
      }
    }
    const next = this.queue.shift();
    if (!next) return;
    this.running = this.runOne(next.id).finally(() => {
      this.running = undefined;
      this.current = undefined;
      this.kick();
    });
  }

  private async runOne(id: string): Promise<void> {
    const entry = this.o.catalog.get(id);
    if (!entry?.meta || entry.error) return;
    const held = await readLock(entry.dir).catch(() => undefined);
    if (entry.writing || (held && !held.stale && held.pid !== process.pid)) {
      const t = setTimeout(() => {
        if (!this.started) return;
        this.queue.push({ id, reason: 'retry: was busy' });
        this.kick();
      }, BUSY_RETRY_MS);
      t.unref();
      return;
    }
    this.current = id;
    this.o.catalog.beginWrite(id); // no playout from it, no quota eviction while it changes
    try {
      await acquireLock(entry.dir);
      const report = await repairRecording(entry.dir, id, repairOptionsFrom(this.o.config()), {
        createLeg: this.legFactory(),
        log: this.o.log,
        signal: this.abort.signal,
        ...(this.o.now ? { now: this.o.now } : {}),
      });
      this.reports.push(report);
      if (this.reports.length > 100) this.reports.shift();
    } catch (err) {
      logEvent(
        this.o.log,
        'warn',
        'repair.error',
        { recording: id, err: err instanceof Error ? err.message : String(err) },
        'repair could not run',
      );
    } finally {
      await this.o.catalog.finished(id).catch(() => undefined);
    }
  }

  private targetOf(entry: string): PrefetchTarget | undefined {
    if (/^rtsp:\/\//i.test(entry)) return { entry, url: entry, path: '' };
    const origin = this.o.pathOrigin(entry);
    return origin !== undefined ? { entry, url: origin, path: entry } : undefined;
  }

  private async prefetchAll(entries: readonly string[]): Promise<void> {
    const cat = this.o.catalog;
    for (const e of entries) {
      if (!this.started) return;
      const target = this.targetOf(e);
      if (!target) {
        logEvent(
          this.o.log,
          'warn',
          'repair.prefetch',
          { entry: e, state: 'failed', reason: 'no such path' },
          'prefetch entry names no configured path',
        );
        continue;
      }
      try {
        const result = await prefetch(
          target,
          this.legFactory()(`prefetch-${Date.now().toString(36)}`, target.url),
          {
            existing: (url, identity) => cat.findContent(sourceKey(url), identity)?.id,
            create: async (meta) => {
              const { entry, writer } = await cat.create(meta);
              return { id: entry.id, writer };
            },
            finished: (id) => cat.finished(id),
          },
          this.o.log,
          { signal: this.abort.signal },
        );
        logEvent(
          this.o.log,
          'info',
          'repair.prefetch',
          {
            entry: e,
            state: result.kind,
            ...(result.kind !== 'live' ? { recording: result.id } : {}),
            ...(result.kind === 'recorded' ? { packets: result.packets } : {}),
          },
          `prefetch: ${result.kind}`,
        );
        if (result.kind !== 'live') this.request(result.id, 'prefetch');
      } catch (err) {
        logEvent(
          this.o.log,
          'warn',
          'repair.prefetch',
          { entry: e, state: 'failed', reason: err instanceof Error ? err.message : String(err) },
          'prefetch failed',
        );
      }
    }
  }
}
