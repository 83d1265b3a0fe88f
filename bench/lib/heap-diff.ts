/**
 * Two V8 heap snapshots compared by constructor (node name): which kinds of object grew in
 * count and retained-by-self bytes between them. For finding what a leak is made of.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export type Census = Map<string, { count: number; bytes: number }>;

/** Objects per "type:name" (closures, objects by constructor, arrays, strings …). */
export function census(path: string): Census {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out: Census = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] ?? 0] ?? '?';
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string'
        ? ''
        : (snap.strings[snap.nodes[i + iName] ?? 0] ?? '').slice(0, 60);
    const key = `${type}:${name}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + iSize] ?? 0;
    out.set(key, e);
  }
  return out;
}

/** The `top` kinds whose count grew most from `a` to `b`. */
export function growth(
  a: Census,
  b: Census,
  top = 25,
): Array<{ kind: string; before: number; after: number; bytes: number }> {
  const rows = [...b].map(([kind, e]) => {
    const was = a.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, before: was.count, after: e.count, bytes: e.bytes - was.bytes };
  });
  return rows
    .filter((r) => r.after > r.before)
    .sort((x, y) => y.after - y.before - (x.after - x.before))
    .slice(0, top);
}
