// The console's charts: a rolling window of /api/history (per second) kept in the page and
// merged bucket by bucket as polls come in, drawn with uPlot (served from node_modules).
import uPlot from '/vendor/uPlot.esm.js';

export const WINDOW_SEC = 600;

const COLORS = [
  '#2f6fde',
  '#d9480f',
  '#2b8a3e',
  '#862e9c',
  '#e67700',
  '#0b7285',
  '#c2255c',
  '#5c940d',
  '#495057',
  '#a61e4d',
  '#364fc7',
  '#087f5b',
  '#868e96',
];

/** The last WINDOW_SEC seconds of history: t, totals and groups as parallel arrays. */
export class HistoryWindow {
  constructor() {
    this.t = [];
    this.totals = {};
    this.groups = {};
  }

  get last() {
    return this.t.length === 0 ? undefined : this.t[this.t.length - 1];
  }

  /** Merges an /api/history answer (step 1): buckets already held are overwritten. */
  merge(doc) {
    const index = new Map(this.t.map((t, i) => [t, i]));
    doc.t.forEach((t, j) => {
      let i = index.get(t);
      if (i === undefined) {
        if (this.last !== undefined && t < this.last) return; // older than the window: skip
        i = this.t.length;
        this.t.push(t);
        index.set(t, i);
        for (const arr of Object.values(this.totals)) arr.push(null);
        for (const g of Object.values(this.groups))
          for (const arr of Object.values(g)) arr.push(null);
      }
      for (const [name, values] of Object.entries(doc.totals)) {
        const arr = (this.totals[name] ??= this.t.map(() => null));
        if (values[j] !== null) arr[i] = values[j];
      }
      for (const [group, names] of Object.entries(doc.groups)) {
        const g = (this.groups[group] ??= {});
        for (const [name, values] of Object.entries(names)) {
          const arr = (g[name] ??= this.t.map(() => null));
          if (values[j] !== null) arr[i] = values[j];
        }
      }
    });
    const cut = this.t.length - WINDOW_SEC;
    if (cut > 0) {
      this.t.splice(0, cut);
      for (const arr of Object.values(this.totals)) arr.splice(0, cut);
      for (const g of Object.values(this.groups))
        for (const arr of Object.values(g)) arr.splice(0, cut);
    }
  }

  /** Whether a series has any value in the window. */
  has(values) {
    return values !== undefined && values.some((v) => v !== null);
  }
}

/**
 * One chart: a list of series, each `{ label, values(win), scale? }`, redrawn on `update`. The
 * chart is rebuilt when the set of labels changes (a new path, origin or source).
 */
export class Chart {
  constructor(container, title, series, axes = { y: '' }) {
    this.container = container;
    this.title = title;
    this.series = series;
    this.axes = axes;
    this.plot = undefined;
    this.labels = '';
  }

  update(win) {
    const list = this.series(win).filter((s) => win.has(s.values));
    const labels = list.map((s) => `${s.label}|${s.scale ?? 'y'}`).join('\n');
    const data = [win.t, ...list.map((s) => s.values)];
    this.container.dataset.points = String(win.t.length);
    this.container.dataset.series = String(list.length);
    if (labels !== this.labels || !this.plot) {
      this.plot?.destroy();
      this.labels = labels;
      this.plot = new uPlot(this.options(list), data, this.container);
    } else {
      this.plot.setData(data);
    }
  }

  options(list) {
    const width = Math.max(300, this.container.clientWidth || 500);
    const scales = [...new Set(list.map((s) => s.scale ?? 'y'))];
    return {
      title: this.title,
      width,
      height: 180,
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: Object.fromEntries(
        scales.map((k) => [
          k,
          { auto: true, range: (u, lo, hi) => [Math.min(0, lo ?? 0), Math.max(1, hi ?? 1) * 1.1] },
        ]),
      ),
      series: [
        {},
        ...list.map((s, i) => ({
          label: s.label,
          scale: s.scale ?? 'y',
          stroke: s.color ?? COLORS[i % COLORS.length],
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: false,
          points: { show: false },
          value: (u, v) =>
            v === null || v === undefined ? '–' : `${Math.round(v * 100) / 100}${s.unit ?? ''}`,
        })),
      ],
      axes: [
        {},
        ...scales.map((k, i) => ({
          scale: k,
          side: i === 0 ? 3 : 1,
          label: k === 'y' ? this.axes.y : (this.axes[k] ?? k),
          grid: { show: i === 0 },
        })),
      ],
    };
  }

  resize() {
    if (this.plot)
      this.plot.setSize({ width: Math.max(300, this.container.clientWidth), height: 180 });
  }
}

const named =
  (group, suffix = '') =>
  (win) =>
    Object.entries(win.groups[group] ?? {}).map(([name, values]) => ({
      label: `${name}${suffix}`,
      values,
    }));

/** The console's charts, by the `data-chart` of their container. */
export function buildCharts(root) {
  const at = (name) => root.querySelector(`[data-chart="${name}"]`);
  return [
    new Chart(
      at('viewers'),
      'Viewers',
      (w) => [
        { label: 'all', values: w.totals.viewers, width: 2.5, color: '#212529' },
        ...named('viewersByPath')(w),
      ],
      { y: 'viewers' },
    ),
    new Chart(
      at('joins'),
      'Joins and leaves (per second)',
      (w) => [
        { label: 'joins', values: w.totals.joins, color: '#2b8a3e' },
        { label: 'leaves', values: w.totals.leaves, color: '#c92a2a' },
      ],
      { y: 'per second' },
    ),
    new Chart(
      at('bandwidth'),
      'Bandwidth (kbit/s)',
      (w) => [
        {
          label: 'down (to viewers)',
          values: w.totals.downKbps,
          width: 2.5,
          color: '#212529',
          unit: ' kbit/s',
        },
        {
          label: 'up (all origins)',
          values: w.totals.upKbps,
          width: 2,
          color: '#2f6fde',
          unit: ' kbit/s',
        },
        ...named('upKbpsByOrigin', ' up')(w).map((s) => ({ ...s, dash: [4, 3], unit: ' kbit/s' })),
      ],
      { y: 'kbit/s' },
    ),
    new Chart(
      at('legs'),
      'Legs open and sources',
      (w) => [
        { label: 'legs', values: w.totals.legs, color: '#2f6fde' },
        { label: 'sources', values: w.totals.sources, color: '#495057' },
      ],
      { y: 'count' },
    ),
    new Chart(
      at('viewerLoss'),
      "Viewers' loss and join time",
      (w) => [
        { label: 'viewer loss', values: w.totals.viewerLossPct, color: '#c92a2a', unit: ' %' },
        { label: 'join time', values: w.totals.joinMs, scale: 'ms', color: '#2f6fde', unit: ' ms' },
      ],
      { y: '% lost', ms: 'ms' },
    ),
    new Chart(
      at('seaming'),
      'Leg loss vs merged loss (the seaming gain)',
      (w) => [
        { label: 'worst leg', values: w.totals.legLossPct, color: '#e67700', unit: ' %' },
        {
          label: 'merged',
          values: w.totals.mergedLossPct,
          width: 2.5,
          color: '#2b8a3e',
          unit: ' %',
        },
      ],
      { y: '% lost' },
    ),
  ];
}
