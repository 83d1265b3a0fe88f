/**
 * Hands out the one RecordingFeed of a recording to every session of its content, with a
 * reference count: the first session creates the recording (or reopens the one on disk), later
 * ones share its writer, and the last one to leave closes it. Acquire and close of one content
 * are serialized, so two sessions starting at once get the same recording and a session starting
 * while the last one closes waits and reopens it.
 */
import { acquireLock } from './lock.js';
import type { RecordingCatalog } from './catalog.js';
import { RecordingFeed } from './feed.js';
import type { NewRecordingMeta } from './meta.js';
import { RecordingWriter } from './writer.js';
import { StoreError } from './errors.js';

export interface FeedRequest {
  /** sourceKey of the origin URL. */
  readonly key: string;
  readonly identity: string;
  readonly live: boolean;
  /** The meta of a new recording, should one be made. */
  readonly meta: () => NewRecordingMeta;
  /** Make a new recording even when one of the content exists (its payloads did not match). */
  readonly fresh?: boolean;
}

export type FeedGrant =
  { readonly feed: RecordingFeed; readonly creator: boolean } | { readonly skip: string };

export interface FeedClose {
  readonly state: 'complete' | 'partial';
  readonly percent: number;
  readonly packets: number;
}

export interface FeedsOptions {
  readonly catalog: RecordingCatalog;
  readonly flushIntervalMs?: number;
  readonly onWriteError?: (id: string, err: StoreError) => void;
}

export class RecordingFeeds {
  /** Open feeds by content. */
  private readonly byContent = new Map<string, RecordingFeed>();
  /** Per content: the last acquire or close in progress. */
  private readonly chain = new Map<string, Promise<unknown>>();

  constructor(private readonly o: FeedsOptions) {}

  /** Feeds open now. */
  get open(): RecordingFeed[] {
    return [...this.byContent.values()];
  }

  private serial<T>(content: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.chain.get(content) ?? Promise.resolve()).then(fn, fn);
    this.chain.set(
      content,
      run.catch(() => undefined),
    );
    return run;
  }

  acquire(req: FeedRequest): Promise<FeedGrant> {
    const content = `${req.live ? 'live' : 'file'}\n${req.key}\n${req.identity}`;
    return this.serial(content, async () => {
      const open = this.byContent.get(content);
      if (open && !req.fresh) {
        open.refs++;
        return { feed: open, creator: false };
      }
      const cat = this.o.catalog;
      const target = req.fresh ? undefined : cat.feedTarget(req.key, req.identity, req.live);
      let feed: RecordingFeed;
      if (target?.meta && !req.live && target.meta.state === 'complete') {
        return { skip: 'a complete recording of this content exists' };
      }
      if (target) {
        if (target.writing) return { skip: `recording ${target.id} is being repaired` };
        if (!cat.beginWrite(target.id)) return { skip: `recording ${target.id} is busy` };
        try {
          await acquireLock(target.dir);
          const writer = await RecordingWriter.openForAppend(
            target.dir,
            this.writerOptions(target.id),
          );
          feed = new RecordingFeed(target, writer, false);
          await feed.load();
        } catch (err) {
          await cat.finished(target.id).catch(() => undefined);
          throw err;
        }
      } else {
        const made = await cat.create(req.meta(), this.o.flushIntervalMs);
        feed = new RecordingFeed(made.entry, made.writer, true);
      }
      feed.refs = 1;
      feed.entry.feeding = { flush: () => feed.writer.flush() };
      // A fresh recording of content that has one already is kept apart from it.
      this.byContent.set(req.fresh ? `${content}\n${feed.id}` : content, feed);
      return { feed, creator: feed.created };
    });
  }

  /** A session is done with `feed`; the last one closes the recording (returns how it ended). */
  release(feed: RecordingFeed): Promise<FeedClose | undefined> {
    const content = [...this.byContent.entries()].find(([, f]) => f === feed)?.[0];
    if (content === undefined) return Promise.resolve(undefined);
    return this.serial(content.split('\n').slice(0, 3).join('\n'), async () => {
      feed.refs--;
      if (feed.refs > 0) return undefined;
      this.byContent.delete(content);
      feed.retryParked();
      const state: 'complete' | 'partial' = feed.whole ? 'complete' : 'partial';
      const percent = feed.percent();
      try {
        await feed.writer.close(state);
      } finally {
        feed.close();
        // Releases the lock unless a playout holds it.
        await this.o.catalog.finished(feed.id);
      }
      return { state, percent, packets: feed.filled };
    });
  }

  private writerOptions(id: string): {
    flushIntervalMs?: number;
    onError: (e: StoreError) => void;
  } {
    return {
      ...(this.o.flushIntervalMs === undefined ? {} : { flushIntervalMs: this.o.flushIntervalMs }),
      onError: (err) => this.o.onWriteError?.(id, err),
    };
  }
}
