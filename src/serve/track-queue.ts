/**
 * What the per-track cursors of both playouts share (playout-cursor.ts for recordings,
 * timeshift-cursor.ts for the archive): a read-ahead queue consumed from its head, and the
 * counters of what went out that sender reports carry.
 */
export abstract class TrackQueue<T> {
  protected queue: T[] = [];
  protected head = 0;
  /** Sender-report counters: packets and payload octets sent on this track. */
  packets = 0;
  octets = 0;
  byeSent = false;

  constructor(
    readonly index: number,
    readonly clockRate: number,
  ) {}

  get available(): number {
    return this.queue.length - this.head;
  }

  peek(): T | undefined {
    return this.queue[this.head];
  }

  shift(): T | undefined {
    const p = this.queue[this.head];
    if (p !== undefined) this.head++;
    return p;
  }

  /** Drops what was consumed, before reading more. */
  protected compact(): void {
    if (this.head > 0) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
