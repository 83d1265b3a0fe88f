/**
 * Bounded label values for /metrics (pure): of the values a label would take now, the `max`
 * heaviest keep their name and every other one is folded into `other`, so a label never has
 * more than max + 1 values however many sources, origins or viewer networks there are.
 */
export const OTHER = 'other';

/** value → its weight (e.g. viewers); returns the folding function for this scrape. */
export function labelFold(
  weights: ReadonlyMap<string, number>,
  max: number,
): (v: string) => string {
  if (weights.size <= max) return (v) => (weights.has(v) ? v : OTHER);
  const kept = new Set(
    [...weights]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, max)
      .map(([v]) => v),
  );
  return (v) => (kept.has(v) ? v : OTHER);
}

/** Folds rows that share a label set: sums for counts, the worst for loss/jitter. */
export class FoldedRows {
  private readonly rows = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(private readonly combine: 'sum' | 'max') {}

  add(labels: Record<string, string>, value: number): void {
    const key = JSON.stringify(labels);
    const row = this.rows.get(key);
    if (!row) this.rows.set(key, { labels, value });
    else row.value = this.combine === 'sum' ? row.value + value : Math.max(row.value, value);
  }

  *entries(): IterableIterator<{ labels: Record<string, string>; value: number }> {
    yield* this.rows.values();
  }

  get size(): number {
    return this.rows.size;
  }
}
