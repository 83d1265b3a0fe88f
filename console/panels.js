// The console's tables and lists, drawn from /api/status, /api/events and /api/recordings.
import { addressMatches, bytes, el, fillTable, kbps, ms, pct, SMALL_GROUP, time } from './util.js';

function smallMark(n) {
  return n < SMALL_GROUP
    ? el('span', { class: 'small', title: `fewer than ${SMALL_GROUP} viewers` }, ` ${n} (small)`)
    : String(n);
}

const byLossDesc = (a, b) => (b.lossPct ?? -1) - (a.lossPct ?? -1);

export function summaries(root, status) {
  const viewers = status.sources.reduce((n, s) => n + s.viewerCount, 0);
  const legs = status.sources.reduce((n, s) => n + s.legs.length, 0);
  const up = status.sources.reduce((n, s) => n + s.legs.reduce((k, l) => k + l.kbps, 0), 0);
  const reporting = status.networks.filter((n) => n.lossPct !== null);
  const weight = reporting.reduce((n, x) => n + x.viewers, 0);
  const loss =
    weight === 0 ? null : reporting.reduce((n, x) => n + x.lossPct * x.viewers, 0) / weight;
  const set = (name, text) => {
    const e = root.querySelector(`[data-summary="${name}"]`);
    if (e) e.textContent = text;
  };
  set('audience', `${viewers} viewers on ${status.sources.length} sources`);
  set('resources', `${legs} legs open, ${kbps(up)} from origins`);
  set('quality', `viewers' loss ${pct(loss)} (networks with reports: ${reporting.length})`);
}

/** Per source: legs, worst leg's loss, merged loss (what viewers get). */
export function seamingTable(table, status) {
  const rows = status.sources
    .filter((s) => s.kind === 'upstream')
    .map((s) => {
      const worst = s.legs.reduce((m, l) => Math.max(m, l.lossPct), 0);
      return { s, worst };
    })
    .sort((a, b) => b.worst - a.worst)
    .map(({ s, worst }) => ({
      cells: [
        s.path ?? s.originHost,
        s.legs.map((l) => `${l.origin} ${pct(l.lossPct)}`).join(', ') || '–',
        pct(worst),
        pct(s.mergedLossPct),
        String(s.viewerCount),
      ],
    }));
  fillTable(
    table,
    ['source', 'legs (origin, loss)', 'worst leg', 'merged', 'viewers'],
    rows,
    'no upstream sources',
  );
}

export function originsTable(table, status) {
  const viewersOf = new Map();
  for (const s of status.sources)
    viewersOf.set(s.originHost, (viewersOf.get(s.originHost) ?? 0) + s.viewerCount);
  const rows = [...status.origins].sort(byLossDesc).map((o) => ({
    class: o.down ? 'bad' : o.lossPct >= 2 ? 'warn' : undefined,
    cells: [
      o.origin,
      String(o.sources),
      smallMark(viewersOf.get(o.origin) ?? 0),
      pct(o.lossPct),
      o.down ? 'down' : 'up',
    ],
  }));
  fillTable(table, ['origin', 'sources', 'viewers', 'loss', 'state'], rows, 'no origins yet');
}

export function networksTable(table, status) {
  const rows = [...status.networks].sort(byLossDesc).map((n) => ({
    class: (n.lossPct ?? 0) >= 2 ? 'warn' : undefined,
    cells: [n.network, smallMark(n.viewers), pct(n.lossPct)],
  }));
  fillTable(table, ['viewer network', 'viewers', 'loss (reports)'], rows, 'no viewers yet');
}

/** The viewers whose address matches the lookup, with the source and legs feeding them. */
export function viewerTable(table, status, query) {
  if (!query) {
    fillTable(table, ['address'], [], 'type an address or prefix');
    return;
  }
  const rows = [];
  for (const s of status.sources) {
    for (const v of s.viewers) {
      if (!addressMatches(v.address, query)) continue;
      rows.push({
        class: (v.lossPct ?? 0) >= 2 ? 'warn' : undefined,
        cells: [
          v.address,
          v.id,
          `${v.state} ${v.transport}`,
          pct(v.lossPct),
          v.jitterMs === null ? '–' : `${v.jitterMs.toFixed(1)} ms`,
          ms(v.rttMs),
          ms(v.joinMs),
          bytes(v.bytesSent),
          String(v.reports),
          s.path ?? s.originHost,
          s.legs.map((l) => `${l.id} ${l.origin} ${pct(l.lossPct)}`).join(', ') ||
            (s.kind === 'recording' ? 'recording' : '–'),
        ],
      });
    }
  }
  fillTable(
    table,
    [
      'address',
      'id',
      'state',
      'loss',
      'jitter',
      'RTT',
      'join',
      'sent',
      'reports',
      'source',
      'legs',
    ],
    rows,
    `no viewer matches ${query}`,
  );
}

function eventText(e) {
  const f = e.fields;
  switch (e.event) {
    case 'telemetry.decision':
      return `${f.trouble} trouble on ${f.subject}: ${pct(f.lossPct)} loss → rule ${f.rule}: ${f.action}`;
    case 'telemetry.clear':
      return `over: rule ${f.rule} (${f.action}) on ${f.subject} after ${f.seconds} s`;
    case 'source.failover':
      return `failover ${f.path ?? f.source}: ${f.from} lost ${pct(f.fromLossPct)}, now ${f.to} (${pct(f.toLossPct)}), rule ${f.rule}`;
    case 'leg.open':
      return `leg ${f.leg} opened to ${f.url ?? f.origin ?? '?'}${f.reason ? ` (${f.reason})` : ''}`;
    case 'leg.close':
      return `leg ${f.leg} closed${f.reason ? `: ${f.reason}` : ''}`;
    default:
      return e.event;
  }
}

/** Appends timeline entries (newest on top), keeping at most `max`. */
export function appendEvents(list, events, max = 200) {
  for (const e of events) {
    const cls =
      e.event === 'source.failover'
        ? 'failover'
        : e.event === 'telemetry.decision'
          ? 'decision'
          : 'leg';
    list.prepend(
      el(
        'li',
        { class: cls, 'data-event': e.event },
        el('time', {}, time(e.at)),
        ' ',
        el('b', {}, e.event),
        ' ',
        eventText(e),
      ),
    );
  }
  while (list.children.length > max) list.lastElementChild?.remove();
}

export function recordingsTable(table, recordings) {
  const rows = recordings.map((r) => ({
    class: r.error ? 'bad' : undefined,
    cells: [
      r.path ?? r.id,
      r.state + (r.live ? ' (live)' : ''),
      r.completeness === null ? '–' : `${r.completeness} %`,
      r.missingPackets === null ? '–' : String(r.missingPackets),
      r.repair ?? '–',
      bytes(r.bytes),
      new Date(r.lastUsed).toLocaleString(),
      r.writing ? 'writing' : r.players > 0 ? `${r.players} playing` : '',
    ],
  }));
  fillTable(
    table,
    ['recording', 'state', 'complete', 'missing pkts', 'repair', 'size', 'last played', 'now'],
    rows,
    'no recordings',
  );
}
