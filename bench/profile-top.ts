/**
 * The top self-time functions of a V8 CPU profile (`node --cpu-prof` writes `*.cpuprofile`):
 * what a flame graph shows at its leaves, as a table. Also the total time under every frame
 * whose function name matches `--under` (inclusive time), e.g. `--under send,onRtp`.
 *
 * `--within name`: the self time of the functions under frames of that name (one subtree as a
 * table).
 *
 * Run: node --import tsx bench/profile-top.ts FILE.cpuprofile [--top 30] [--under name,name]
 *        [--within name]
 */
import { readFileSync } from 'node:fs';
import { fixed, table } from './lib/common.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? def) : def;
};
if (!file) {
  process.stderr.write('usage: profile-top.ts FILE.cpuprofile [--top N] [--under a,b]\n');
  process.exit(2);
}
const top = Number(opt('top', '30'));
const under = opt('under', '')
  .split(',')
  .filter((s) => s.length > 0);
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
let total = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
});

const label = (n: ProfileNode): string => {
  const f = n.callFrame;
  const where = f.url
    ? `${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
    : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};

const self = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  if (n) self.set(label(n), (self.get(label(n)) ?? 0) + us);
}
const idle = [...self.entries()]
  .filter(([k]) => k.startsWith('(idle)') || k.startsWith('(program)'))
  .reduce((a, [, v]) => a + v, 0);
const busy = total - idle;
const rows = [...self.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)
  .map(([k, us]) => [
    k,
    fixed(us / 1000, 0),
    `${fixed((us / total) * 100, 1)}%`,
    `${fixed((us / busy) * 100, 1)}%`,
  ]);
process.stdout.write(
  `${file}: ${fixed(total / 1e6, 2)} s sampled, ${fixed(busy / 1e6, 2)} s not idle/program\n`,
);
process.stdout.write(
  `${table(['self time (function, file:line)', 'ms', '% all', '% busy'], rows)}\n`,
);

if (under.length > 0) {
  // Inclusive time: a sample counts once for a name when any frame on its stack has that name.
  const incl = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)?.callFrame.functionName ?? '';
      if (under.includes(name)) seen.add(name);
    }
    for (const name of seen) incl.set(name, (incl.get(name) ?? 0) + dt);
  });
  const irows = under.map((name) => [
    name,
    fixed((incl.get(name) ?? 0) / 1000, 0),
    `${fixed(((incl.get(name) ?? 0) / busy) * 100, 1)}%`,
  ]);
  process.stdout.write(`\n${table(['inclusive (name)', 'ms', '% busy'], irows)}\n`);
}

const within = opt('within', '');
if (within) {
  // Self time of every function whose stack has a frame named `within` (what that call costs,
  // by leaf), so a subtree of the flame graph can be read as a table.
  const sub = new Map<string, number>();
  let subTotal = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    let inside = false;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (byId.get(cur)?.callFrame.functionName === within) inside = true;
    }
    const n = byId.get(id);
    if (!inside || !n) return;
    sub.set(label(n), (sub.get(label(n)) ?? 0) + dt);
    subTotal += dt;
  });
  const srows = [...sub.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => [k, fixed(us / 1000, 0), `${fixed((us / subTotal) * 100, 1)}%`]);
  process.stdout.write(
    `\nunder ${within}: ${fixed(subTotal / 1000, 0)} ms\n` +
      `${table(['self time (function, file:line)', 'ms', `% of ${within}`], srows)}\n`,
  );
}
