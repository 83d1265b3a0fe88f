/** Human output of `seamd recordings list|inspect`: aligned tables and readable figures. */
import { LOCK_FILE, type RecordingReport, type RecordingSummary } from './recordings-report.js';

export function formatDuration(sec: number): string {
  const tenths = Math.round(Math.max(0, sec) * 10);
  const m = Math.floor(tenths / 600);
  const s = (tenths % 600) / 10;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** Decimal units: `512 B`, `12.3 kB`, `12.3 MB`, `1.2 GB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 999.95 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u] ?? 'TB'}`;
}

/** `99.87%` (floored: 100.00% only when nothing is missing). */
export function formatPercent(p: number): string {
  return `${(Math.floor(p * 100 + 1e-6) / 100).toFixed(2)}%`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function npt(v: number | null): string {
  return v === null ? '?' : v.toFixed(3);
}

export function formatList(rows: readonly RecordingSummary[]): string {
  const header = [
    'ID',
    'PATH',
    'TRACKS',
    'DURATION',
    'PACKETS',
    'COMPLETE',
    'GAPS',
    'SESSIONS',
    'SIZE',
  ];
  const right = [false, false, false, true, true, true, true, true, true];
  const dash = (v: string | null | undefined): string => (v === null || v === undefined ? '-' : v);
  const cells = rows.map((r) => [
    r.id,
    dash(r.path === '' ? r.origin : (r.path ?? r.origin)),
    dash(r.tracks),
    r.durationSec === null ? '-' : formatDuration(r.durationSec),
    r.packets === null ? '-' : String(r.packets),
    r.completeness === null ? '-' : formatPercent(r.completeness),
    r.gaps === null ? '-' : String(r.gaps),
    r.sessions === null ? '-' : String(r.sessions),
    r.bytes === null ? '-' : formatBytes(r.bytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[], state: string): string =>
    c
      .map((v, i) => (right[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .concat(state)
      .join('  ') + '\n';
  return (
    line(header, 'STATE') +
    cells
      .map((c, k) => {
        const r = rows[k];
        const state =
          r?.error === undefined ? (r?.state ?? '') : `error: ${r.error.replace(/\s+/g, ' ')}`;
        return line(c, state);
      })
      .join('')
  );
}

export function formatInspect(r: RecordingReport): string {
  const m = r.meta;
  const out: string[] = [
    `id:            ${r.id}`,
    `directory:     ${r.dir}`,
    `origin:        ${m.originUrl}`,
    `path:          ${m.path}`,
    `state:         ${m.state}${r.locked ? ` (${LOCK_FILE} present: in use)` : ''}`,
    `created:       ${m.createdAt}`,
    `updated:       ${m.updatedAt}`,
    `sdp identity:  ${m.sdpIdentity}`,
    `format:        version ${m.version}`,
    `duration:      ${formatDuration(r.durationSec)} (${r.durationSec.toFixed(3)} s)`,
    `packets:       ${r.packets}`,
    `completeness:  ${formatPercent(r.completeness)}`,
    `gaps:          ${r.gaps}`,
    `size:          ${formatBytes(r.bytes)} (${r.bytes} bytes)`,
  ];
  if (m.repair) {
    const why = m.repair.reason !== undefined ? ` (${m.repair.reason})` : '';
    out.push(
      `repair:        ${m.repair.status}${why}, ${plural(m.repair.attempts, 'attempt')} ` +
        `without progress, last ${m.repair.lastAttemptAt}`,
    );
  }
  const sessions = m.sessions ?? [];
  out.push(`sessions:      ${sessions.length}`);
  for (const x of sessions) {
    const span =
      x.nptFrom === undefined
        ? ''
        : ` at ${x.nptFrom.toFixed(3)}-${(x.nptTo ?? x.nptFrom).toFixed(3)} s`;
    const unmapped = x.unmapped ? `, ${plural(x.unmapped, 'packet')} not placed` : '';
    out.push(
      `  ${x.startedAt}  ${x.source}: filled ${plural(x.packets, 'packet')}${span}${unmapped}`,
    );
  }
  if (r.tempFiles.length > 0) out.push(`temp files:    ${r.tempFiles.join(', ')} (ignored)`);
  for (const t of r.tracks) {
    const name = [t.media ?? 'track', t.encoding].filter((x) => x !== null).join('/');
    const control = t.control === null ? '' : `, control ${t.control}`;
    out.push(
      '',
      `track ${t.index}: ${name}${control}, PT ${t.payloadTypes.join(',') || '-'}`,
      `  clock rate:    ${t.clockRate} Hz`,
      `  packets:       ${t.packets}${t.duplicates > 0 ? ` (+${t.duplicates} duplicates)` : ''}`,
      `  ext:           ${t.firstExt === null ? '-' : `${t.firstExt}-${t.lastExt ?? ''}`}`,
      `  duration:      ${formatDuration(t.durationSec)} (${t.durationSec.toFixed(3)} s)`,
      `  completeness:  ${formatPercent(t.completeness)} (${plural(t.missing, 'packet')} missing${
        t.missingHead + t.missingTail > 0
          ? `, of which ~${t.missingHead} before the first and ~${t.missingTail} after the last stored packet`
          : ''
      })`,
      `  size:          ${formatBytes(t.bytes)}`,
      `  gaps:          ${t.gaps.length === 0 ? 'none' : t.gaps.length}`,
    );
    for (const g of t.gaps) {
      out.push(
        `    ${npt(g.fromNpt)}-${npt(g.toNpt)} s (${plural(g.packets, 'packet')}, ` +
          `ext ${g.fromExt === g.toExt ? g.fromExt : `${g.fromExt}-${g.toExt}`})`,
      );
    }
    if (t.tornTail) {
      out.push(
        `  torn tail:     ${t.tornTail.bytes} bytes at offset ${t.tornTail.offset} ` +
          `(${t.tornTail.reason}; cut when the recording is next opened for append)`,
      );
    }
  }
  return out.join('\n') + '\n';
}
