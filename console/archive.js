// The archive panel: per archived path a timeline bar of the retention window (kept spans, gaps
// with their reason on hover), and a time picker that gives the time-shift URL
// (rtsp://…/<path>?at=<ISO>) and the RTSP clock range (Range: clock=…, what GStreamer's rtspsrc
// in onvif-mode and ONVIF clients send). Positions are set through the CSSOM (the page's CSP
// allows no inline style attribute). Times are UTC.
import { bytes, el, fillTable } from './util.js';

/** `2026-12-01T14:15:00Z` → `20261201T141500Z` (RFC 2326 absolute time). */
export function clockTime(ms) {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The ISO time without milliseconds. */
function isoSec(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function utc(ms) {
  return isoSec(ms).replace('T', ' ');
}

function duration(sec) {
  const s = Math.round(sec);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** The window a path's bar shows: its retention up to now (else from its oldest moment). */
function windowOf(p, nowMs) {
  const from =
    p.retentionSec !== null ? nowMs - p.retentionSec * 1000 : (p.oldestMs ?? nowMs - 60_000);
  return { from: Math.min(from, p.oldestMs ?? from), to: Math.max(nowMs, p.newestMs ?? nowMs) };
}

function bar(p, nowMs, onPick) {
  const win = windowOf(p, nowMs);
  const width = win.to - win.from || 1;
  const box = el('div', { class: 'archive-bar', 'data-path': p.path });
  const piece = (kind, fromMs, toMs, title) => {
    const d = el('div', {
      class: `archive-${kind}`,
      'data-kind': kind,
      'data-from': fromMs,
      'data-to': toMs,
      title,
    });
    const left = Math.max(0, (fromMs - win.from) / width);
    const right = Math.min(1, (toMs - win.from) / width);
    d.style.left = `${(left * 100).toFixed(3)}%`;
    d.style.width = `max(2px, ${(Math.max(0, right - left) * 100).toFixed(3)}%)`;
    box.append(d);
  };
  for (const s of p.spans)
    piece(
      'span',
      s.fromMs,
      s.toMs,
      `kept ${utc(s.fromMs)} – ${utc(s.toMs)} (${duration(s.seconds)})`,
    );
  for (const g of p.gaps)
    piece(
      'gap',
      g.fromMs,
      g.toMs,
      `gap ${utc(g.fromMs)} – ${utc(g.toMs)} (${duration(g.seconds)})${g.reason ? `: ${g.reason}` : ''}`,
    );
  box.addEventListener('click', (ev) => {
    const r = box.getBoundingClientRect();
    onPick(p.path, win.from + ((ev.clientX - r.left) / r.width) * width);
  });
  const axis = el(
    'div',
    { class: 'archive-axis muted' },
    el('span', {}, utc(win.from)),
    el(
      'span',
      {},
      p.retentionSec !== null ? `retention ${duration(p.retentionSec)}` : 'no longer archived',
    ),
    el('span', {}, `${utc(win.to)} (now)`),
  );
  return [box, axis];
}

/** Where `ms` falls in a path's archive: kept, in a gap, before it, or in the future. */
export function placeOf(p, ms, nowMs) {
  if (ms > nowMs) return { kind: 'future', text: 'in the future: 457' };
  if (p.oldestMs === null || ms < p.oldestMs)
    return { kind: 'before', text: 'before the archive: plays from its start' };
  if (p.spans.some((s) => ms >= s.fromMs && ms <= s.toMs)) return { kind: 'kept', text: 'kept' };
  const g = p.gaps.find((x) => ms > x.fromMs && ms < x.toMs);
  if (g) return { kind: 'gap', text: `in a gap: plays from ${utc(g.toMs)}` };
  return { kind: 'kept', text: 'live edge' };
}

export class ArchivePanel {
  constructor(root) {
    this.root = root;
    this.list = root.querySelector('[data-archive="paths"]');
    this.named = root.querySelector('[data-table="named"]');
    this.form = root.querySelector('#archive-pick');
    this.path = root.querySelector('#archive-path');
    this.date = root.querySelector('#archive-date');
    this.time = root.querySelector('#archive-time');
    this.url = root.querySelector('#archive-url');
    this.clock = root.querySelector('#archive-clock');
    this.place = root.querySelector('#archive-place');
    this.doc = undefined;
    const update = () => this.pickChanged();
    for (const input of [this.path, this.date, this.time]) {
      input.addEventListener('input', update);
      input.addEventListener('change', update);
    }
    this.form.addEventListener('submit', (ev) => ev.preventDefault());
    for (const b of root.querySelectorAll('[data-copy]')) {
      b.addEventListener('click', () => {
        const field = root.querySelector(`#${b.dataset.copy}`);
        field.select();
        window.navigator.clipboard?.writeText(field.value).catch(() => undefined);
      });
    }
  }

  /** Sets the picker to `ms` on `path`. */
  pick(path, ms) {
    this.path.value = path;
    const iso = isoSec(ms);
    this.date.value = iso.slice(0, 10);
    this.time.value = iso.slice(11, 19);
    this.pickChanged();
  }

  pickChanged() {
    const doc = this.doc;
    const p = doc?.paths.find((x) => x.path === this.path.value);
    const ms = Date.parse(`${this.date.value}T${this.time.value || '00:00:00'}Z`);
    if (!doc || !p || !this.date.value || Number.isNaN(ms)) {
      this.url.value = '';
      this.clock.value = '';
      this.place.textContent = '';
      return;
    }
    const host = doc.rtsp?.host ?? location.hostname;
    const port = doc.rtsp?.port ?? 554;
    const h = host.includes(':') ? `[${host}]` : host;
    this.url.value = `rtsp://${h}:${port}/${encodeURIComponent(p.path)}?at=${isoSec(ms)}`;
    this.clock.value = `clock=${clockTime(ms)}-`;
    const place = placeOf(p, ms, doc.nowMs);
    this.place.textContent = place.text;
    this.place.dataset.place = place.kind;
  }

  update(doc) {
    const first = this.doc === undefined;
    this.doc = doc;
    const rows = doc.paths.map((p) => {
      const head = el(
        'div',
        { class: 'archive-head' },
        el('b', {}, p.path),
        ` ${bytes(p.bytes)}, ${p.segments} segments, ` +
          `${p.spans.length} span${p.spans.length === 1 ? '' : 's'}, ` +
          `${p.gaps.length} gap${p.gaps.length === 1 ? '' : 's'}` +
          (p.oldestMs !== null ? `, from ${utc(p.oldestMs)}` : ''),
      );
      return el(
        'div',
        { class: 'archive-path' },
        head,
        ...bar(p, doc.nowMs, (path, ms) => this.pick(path, ms)),
      );
    });
    this.list.replaceChildren(
      ...(rows.length > 0 ? rows : [el('p', { class: 'muted' }, 'no archived paths')]),
    );
    const known = new Set([...this.path.options].map((o) => o.value));
    const names = doc.paths.map((p) => p.path);
    if (names.length !== known.size || names.some((n) => !known.has(n))) {
      const keep = this.path.value;
      this.path.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
      if (names.includes(keep)) this.path.value = keep;
    }
    fillTable(
      this.named,
      ['kind', 'name', 'path', 'from (UTC)', 'to', 'URL'],
      [...doc.programmes, ...doc.clips].map((n) => ({
        cells: [n.kind, n.name, n.path, utc(n.fromMs), utc(n.toMs), n.url],
      })),
      'no clips or programmes',
    );
    const p0 = doc.paths[0];
    if (first && p0 && p0.oldestMs !== null)
      this.pick(p0.path, Math.max(p0.oldestMs, doc.nowMs - 60_000));
    else this.pickChanged();
  }
}
