// Small helpers shared by the console's modules: DOM building (text only, never HTML strings)
// and number formatting.

/** An element with text content and attributes; children appended in order. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Fills a <table> with a header row and body rows (cells: text or Node). */
export function fillTable(table, headers, rows, empty = 'none') {
  table.replaceChildren();
  table.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))));
  const body = el('tbody');
  if (rows.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: headers.length, class: 'muted' }, empty)));
  }
  for (const r of rows) {
    const tr = el('tr', r.class ? { class: r.class } : {});
    for (const c of r.cells) tr.append(el('td', {}, c));
    body.append(tr);
  }
  table.append(body);
}

export function pct(x) {
  return x === null || x === undefined ? '–' : `${x.toFixed(2)} %`;
}

export function ms(x) {
  return x === null || x === undefined ? '–' : `${Math.round(x)} ms`;
}

export function kbps(x) {
  if (x === null || x === undefined) return '–';
  return x >= 1000 ? `${(x / 1000).toFixed(2)} Mbit/s` : `${Math.round(x)} kbit/s`;
}

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function time(ms) {
  return new Date(ms).toLocaleTimeString();
}

/** Groups of fewer viewers than this are marked as small (their figures are anecdotes). */
export const SMALL_GROUP = 3;

/** IPv4 dotted quad → 32-bit number, or undefined. */
function v4(a) {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (!m) return undefined;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return undefined;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** Whether `address` matches the query: an address, a text prefix (`10.1.2.`) or a CIDR. */
export function addressMatches(address, query) {
  const q = query.trim().toLowerCase();
  if (q === '') return false;
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  const slash = q.indexOf('/');
  if (slash > 0) {
    const base = v4(q.slice(0, slash));
    const len = Number(q.slice(slash + 1));
    const n = v4(a);
    if (base === undefined || n === undefined || !(len >= 0 && len <= 32)) return false;
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return (n & mask) >>> 0 === (base & mask) >>> 0;
  }
  return a === q || a.startsWith(q);
}
