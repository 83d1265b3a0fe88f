/**
 * History without Prometheus (pure, time passed in): one point per telemetry tick goes into two
 * fixed rings of columns, per second for the last hour and per minute for the last day. All
 * memory is allocated up front (`bytes`), so the store never grows: a ring slot is reused once
 * its time has passed, and each breakdown (per path, per origin, per source) keeps at most
 * `maxNames` names, folding the rest into `other`. A query answers buckets of `step` seconds:
 * counts (`joins`, `leaves`) are totals over the bucket, every other figure is the mean of the
 * ticks inside it; a bucket without data is `null`.
 */

/** Figures of the whole daemon, one value per tick. */
export const TOTALS = [
  'viewers',
  'joins',
  'leaves',
  'sources',
  'legs',
  'upKbps',
  'downKbps',
  'viewerLossPct',
  'joinMs',
  'legLossPct',
  'mergedLossPct',
] as const;
export type Total = (typeof TOTALS)[number];

/** Breakdowns: name → value per tick. */
export const GROUPS = [
  'viewersByPath',
  'upKbpsByOrigin',
  'legLossBySource',
  'mergedLossBySource',
] as const;
export type Group = (typeof GROUPS)[number];

/** Totals over a bucket (all others: the mean). */
const COUNTS: ReadonlySet<string> = new Set<Total>(['joins', 'leaves']);

/** One tick's figures. An absent (or NaN) total has no value this tick. */
export interface HistoryPoint {
  readonly totals: Partial<Record<Total, number>>;
  readonly groups: Partial<Record<Group, ReadonlyMap<string, number>>>;
}

export interface HistoryOptions {
  /** Per-second slots (default 3600: one hour). */
  readonly seconds?: number;
  /** Per-minute slots (default 1440: one day). */
  readonly minutes?: number;
  /** Names kept per breakdown (default 12); more fold into `other`. */
  readonly maxNames?: number;
}

export interface HistoryQuery {
  /** Unix seconds, first bucket (aligned down to `step`). */
  readonly from: number;
  /** Unix seconds, last second included. */
  readonly to: number;
  readonly step: number;
}

export interface HistoryAnswer {
  readonly from: number;
  readonly to: number;
  readonly step: number;
  /** 1: from the per-second ring; 60: from the per-minute ring. */
  readonly resolution: 1 | 60;
  /** Bucket start times (unix seconds). */
  readonly t: number[];
  readonly totals: Record<Total, Array<number | null>>;
  /** Only names with data in the range. */
  readonly groups: Record<Group, Record<string, Array<number | null>>>;
}

/** Most buckets one query may ask for. */
export const MAX_POINTS = 3600;
export const OTHER = 'other';

/** A ring of columns: per slot, per column, the sum of the values and how many there were. */
class Ring {
  readonly start: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Uint16Array;

  constructor(
    readonly size: number,
    readonly step: number,
    readonly columns: number,
  ) {
    this.start = new Float64Array(size).fill(-1);
    this.sums = new Float64Array(size * columns);
    this.counts = new Uint16Array(size * columns);
  }

  get bytes(): number {
    return this.start.byteLength + this.sums.byteLength + this.counts.byteLength;
  }

  /** The slot holding second `sec`, cleared when it held an older time. */
  slot(sec: number): number {
    const t = Math.floor(sec / this.step) * this.step;
    const i = Math.floor(t / this.step) % this.size;
    if (this.start[i] !== t) {
      this.start[i] = t;
      this.sums.fill(0, i * this.columns, (i + 1) * this.columns);
      this.counts.fill(0, i * this.columns, (i + 1) * this.columns);
    }
    return i;
  }

  add(slot: number, column: number, value: number): void {
    const k = slot * this.columns + column;
    this.sums[k] = (this.sums[k] ?? 0) + value;
    if ((this.counts[k] ?? 0) < 0xffff) this.counts[k] = (this.counts[k] ?? 0) + 1;
  }

  /** Forgets one column everywhere (a breakdown name given to another). */
  clearColumn(column: number): void {
    for (let i = 0; i < this.size; i++) {
      this.sums[i * this.columns + column] = 0;
      this.counts[i * this.columns + column] = 0;
    }
  }

  /** Adds slot `sec`'s column `c` into acc (when the slot holds that second). */
  read(sec: number, c: number, acc: { sum: number; n: number }): void {
    const i = Math.floor(sec / this.step) % this.size;
    if (this.start[i] !== sec) return;
    const k = i * this.columns + c;
    const n = this.counts[k] ?? 0;
    if (n === 0) return;
    acc.sum += this.sums[k] ?? 0;
    acc.n += n;
  }
}

/** The names of one breakdown: a fixed number of columns, the last one `other`. */
class NameTable {
  private readonly names: Array<string | undefined>;
  private readonly lastSeen: number[];
  private readonly index = new Map<string, number>();

  constructor(
    readonly max: number,
    private readonly forgetAfterSec: number,
  ) {
    this.names = new Array<string | undefined>(max).fill(undefined);
    this.lastSeen = new Array<number>(max).fill(-Infinity);
  }

  /** The position of `name` (max = other); `reclaim(i)` is called before a position is reused. */
  positionOf(name: string, sec: number, reclaim: (i: number) => void): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.findIndex(
        (n, j) => n === undefined || (this.lastSeen[j] ?? 0) < sec - this.forgetAfterSec,
      );
      if (i < 0) return this.max;
      const old = this.names[i];
      if (old !== undefined) {
        this.index.delete(old);
        reclaim(i);
      }
      this.names[i] = name;
      this.index.set(name, i);
    }
    this.lastSeen[i] = sec;
    return i;
  }

  nameAt(i: number): string {
    return i === this.max ? OTHER : (this.names[i] ?? '');
  }
}

/** How values of one breakdown fold into `other` within a tick. */
const FOLD: Record<Group, 'sum' | 'max'> = {
  viewersByPath: 'sum',
  upKbpsByOrigin: 'sum',
  legLossBySource: 'max',
  mergedLossBySource: 'max',
};

export class HistoryStore {
  private readonly perSecond: Ring;
  private readonly perMinute: Ring;
  private readonly tables: Record<Group, NameTable>;
  private readonly groupBase: Record<Group, number>;
  private readonly maxNames: number;
  latest = -1;

  constructor(opts: HistoryOptions = {}) {
    this.maxNames = opts.maxNames ?? 12;
    const seconds = opts.seconds ?? 3600;
    const minutes = opts.minutes ?? 1440;
    const columns = TOTALS.length + GROUPS.length * (this.maxNames + 1);
    this.perSecond = new Ring(seconds, 1, columns);
    this.perMinute = new Ring(minutes, 60, columns);
    const forget = minutes * 60 + 60;
    const tables = {} as Record<Group, NameTable>;
    const base = {} as Record<Group, number>;
    GROUPS.forEach((g, j) => {
      tables[g] = new NameTable(this.maxNames, forget);
      base[g] = TOTALS.length + j * (this.maxNames + 1);
    });
    this.tables = tables;
    this.groupBase = base;
  }

  /** Memory held by the store (fixed at construction), in bytes. */
  get bytes(): number {
    return this.perSecond.bytes + this.perMinute.bytes;
  }

  /** Seconds the per-second and per-minute rings reach back. */
  get spans(): { seconds: number; minutes: number } {
    return { seconds: this.perSecond.size, minutes: this.perMinute.size * 60 };
  }

  /** One tick's point at unix second `sec`. */
  add(sec: number, point: HistoryPoint): void {
    const s = Math.floor(sec);
    this.latest = Math.max(this.latest, s);
    const a = this.perSecond.slot(s);
    const b = this.perMinute.slot(s);
    const put = (c: number, v: number): void => {
      this.perSecond.add(a, c, v);
      this.perMinute.add(b, c, v);
    };
    TOTALS.forEach((name, c) => {
      const v = point.totals[name];
      if (v !== undefined && Number.isFinite(v)) put(c, v);
    });
    for (const g of GROUPS) {
      const values = point.groups[g];
      if (!values) continue;
      const folded = new Map<number, number>();
      const heaviest = [...values]
        .filter(([, v]) => Number.isFinite(v))
        .sort((x, y) => y[1] - x[1]);
      for (const [name, v] of heaviest) {
        const i = this.tables[g].positionOf(name, s, (j) => {
          this.perSecond.clearColumn(this.groupBase[g] + j);
          this.perMinute.clearColumn(this.groupBase[g] + j);
        });
        const prev = folded.get(i);
        folded.set(i, prev === undefined ? v : FOLD[g] === 'sum' ? prev + v : Math.max(prev, v));
      }
      for (const [i, v] of folded) put(this.groupBase[g] + i, v);
    }
  }

  /**
   * Buckets of `step` seconds from `from` to `to`. A step that is a multiple of 60 reads the
   * per-minute ring, any other the per-second ring (older than an hour: null).
   */
  query(q: HistoryQuery): HistoryAnswer {
    const step = q.step;
    const ring = step % 60 === 0 ? this.perMinute : this.perSecond;
    const from = Math.floor(q.from / step) * step;
    const to = Math.floor(q.to);
    const t: number[] = [];
    for (let b = from; b <= to && t.length < MAX_POINTS; b += step) t.push(b);
    const column = (c: number, count: boolean): { values: Array<number | null>; any: boolean } => {
      let any = false;
      const values = t.map((b) => {
        const acc = { sum: 0, n: 0 };
        for (let sec = b; sec < b + step; sec += ring.step) ring.read(sec, c, acc);
        if (acc.n === 0) return null;
        any = true;
        return round(count ? acc.sum : acc.sum / acc.n);
      });
      return { values, any };
    };
    const totals = {} as Record<Total, Array<number | null>>;
    TOTALS.forEach((name, c) => {
      totals[name] = column(c, COUNTS.has(name)).values;
    });
    const groups = {} as Record<Group, Record<string, Array<number | null>>>;
    for (const g of GROUPS) {
      const out: Record<string, Array<number | null>> = {};
      for (let i = 0; i <= this.maxNames; i++) {
        const col = column(this.groupBase[g] + i, false);
        if (col.any) out[this.tables[g].nameAt(i)] = col.values;
      }
      groups[g] = out;
    }
    return { from, to, step, resolution: ring.step === 60 ? 60 : 1, t, totals, groups };
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
