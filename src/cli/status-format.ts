/**
 * `seamd status` as a table (pure): per source a header line, its legs and its viewers, then
 * origins, viewer networks and the decisions in force. Missing figures print as `-`.
 */
import type { StatusDocument } from '../telemetry/status.js';

/** Left-aligned columns, two spaces apart; each row the same length as the header. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const num = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined ? '-' : x.toFixed(digits);

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatStatus(doc: StatusDocument): string {
  const out: string[] = [];
  if (doc.sources.length === 0) out.push('no sources');
  for (const s of doc.sources) {
    const name = s.path ?? s.origin;
    out.push(
      `source ${s.id}  ${name}  ${s.kind}${s.live ? ' live' : ''}  origin ${s.originHost}  ` +
        `merged loss ${num(s.mergedLossPct)}%  viewers ${s.viewers.length}  sent ${bytes(s.bytes)}`,
    );
    if (s.legs.length > 0) {
      const rows = s.legs.map((l) => [
        `${l.id}${l.clock ? '*' : ''}`,
        l.transport,
        num(l.lossPct),
        num(l.jitterMs, 1),
        num(l.kbps, 0),
        String(l.packets),
        l.aligned ? 'yes' : 'no',
        l.url,
      ]);
      const header = [
        '  LEG',
        'TRANSPORT',
        'LOSS%',
        'JITTER ms',
        'KBIT/S',
        'PACKETS',
        'ALIGNED',
        'URL',
      ];
      out.push(
        ...table(
          header,
          rows.map((r) => [`  ${r[0] ?? ''}`, ...r.slice(1)]),
        ),
      );
    }
    if (s.viewers.length > 0) {
      const rows = s.viewers.map((v) => [
        `  ${v.id}`,
        v.address,
        v.transport,
        v.state,
        num(v.lossPct),
        num(v.jitterMs, 1),
        num(v.rttMs, 1),
        num(v.joinMs, 0),
        String(v.packetsSent),
        bytes(v.bytesSent),
      ]);
      const header = ['  VIEWER', 'ADDRESS', 'TRANSPORT', 'STATE', 'LOSS%', 'JITTER ms', 'RTT ms'];
      out.push(...table([...header, 'JOIN ms', 'PACKETS', 'SENT'], rows));
    }
    out.push('');
  }
  if (doc.origins.length > 0) {
    const rows = doc.origins.map((o) => [
      o.origin,
      String(o.sources),
      num(o.lossPct),
      o.down ? 'DOWN' : 'up',
    ]);
    out.push(...table(['ORIGIN', 'SOURCES', 'LOSS%', 'STATE'], rows), '');
  }
  if (doc.networks.length > 0) {
    const rows = doc.networks.map((n) => [n.network, String(n.viewers), num(n.lossPct)]);
    out.push(...table(['NETWORK', 'VIEWERS', 'LOSS%'], rows), '');
  }
  if (doc.decisions.length > 0) {
    const rows = doc.decisions.map((d) => [
      d.rule,
      d.action,
      d.trouble,
      d.subject,
      num(d.lossPct),
      `${d.sinceSec}s`,
    ]);
    out.push(...table(['RULE', 'ACTION', 'TROUBLE', 'SUBJECT', 'LOSS%', 'SINCE'], rows), '');
  }
  out.push(`(* = RTCP clock leg; loss over the telemetry window; at ${doc.at})`);
  return `${out.join('\n')}\n`;
}
