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

type Frame = ProfileNode['callFrame'];
const STARTUP = 'start-up, harness, other';
const inSrc = (f: Frame, re: RegExp): boolean => f.url.includes('/src/') && re.test(f.url);
/**
 * Areas of the relay path, tried on each frame from the leaf up: the first rule that matches
 * any frame names the sample's area (so a native call such as crc32 goes to the code that
 * made it).
 */
const AREA_RULES: ReadonlyArray<[string, (f: Frame) => boolean]> = [
  ['kernel send (dgram doSend: SendWrap + sendmsg)', (f) => f.functionName === 'doSend'],
  [
    "dgram's JS per send (Socket.send, lookup, afterDns)",
    (f) =>
      f.url === 'node:dgram' ||
      f.url === 'node:internal/dgram' ||
      f.functionName === 'literalLookup' ||
      f.functionName === 'defaultTriggerAsyncIdScope',
  ],
  [
    'recording (recorder, feed, writer)',
    (f) => inSrc(f, /\/(store\/|source\/(recorder|feed-session))/),
  ],
  ['keyframe cache (gop-cache)', (f) => inSrc(f, /\/source\/gop-cache/)],
  ['fan-out to viewers (serve/)', (f) => inSrc(f, /\/serve\//)],
  [
    'seaming, one leg (seam/, legs, rtcp-relay)',
    (f) => inSrc(f, /\/(seam\/|source\/(legs|leg-|rtcp-relay))/),
  ],
  ['source listener (source.ts)', (f) => inSrc(f, /\/source\/source\.ts/)],
  ['upstream receive (leg-media, receiver-stats)', (f) => inSrc(f, /\/upstream\//)],
  ['event emitters, timers', (f) => f.url === 'node:events' || f.url === 'node:internal/timers'],
];
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

// --areas: every sample of the relay's steady state given to one area of the packet path, by
// its stack (see AREA_RULES). Start-up (module loading, config parsing, spawning the children)
// is counted apart and left out of the shares. `--us-per-out X` (the CPU µs per packet out the
// same run measured) turns each share into µs per packet out.
if (args.includes('--areas')) {
  const usPerOut = Number(opt('us-per-out', 'NaN'));
  const areaUs = new Map<string, number>();
  let steady = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    const frames: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n) frames.push(n);
    }
    const area = areaOf(frames);
    if (area === undefined) return;
    areaUs.set(area, (areaUs.get(area) ?? 0) + dt);
    if (area !== STARTUP) steady += dt;
  });
  const arows = [...areaUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, us]) => [
      k,
      fixed(us / 1000, 0),
      k === STARTUP ? '' : `${fixed((us / steady) * 100, 1)}%`,
      k === STARTUP || !Number.isFinite(usPerOut) ? '' : fixed((us / steady) * usPerOut, 2),
    ]);
  process.stdout.write(
    `\nareas (steady state ${fixed(steady / 1000, 0)} ms)\n` +
      `${table(['area', 'ms', '% steady', 'us/pkt out'], arows)}\n`,
  );
}

function areaOf(frames: readonly ProfileNode[]): string | undefined {
  const leaf = frames[0];
  if (!leaf) return undefined;
  const leafName = leaf.callFrame.functionName;
  if (leafName === '(idle)' || leafName === '(program)') return undefined;
  if (leafName === '(garbage collector)') return 'garbage collector';
  for (const f of frames) {
    for (const [area, test] of AREA_RULES) if (test(f.callFrame)) return area;
  }
  return STARTUP;
}
