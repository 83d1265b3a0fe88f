/**
 * Request fuzzing at scale: the harness of test/unit/serve/request-fuzz.ts (FrontEnd.accept →
 * ViewerConnection → RtspParser → handleRequest → resolve → method handlers, with a fake
 * socket, registry, DNS and clock: no origin, no network) over many more cases than CI runs.
 *
 * Each case is a short conversation of valid requests (every method; odd URIs, IPv6 hosts,
 * userinfo, percent-escapes, huge headers, interleaved `$` frames) with bytes flipped, inserted,
 * deleted, duplicated and pieces of other requests spliced in; what is left half-sent at the end
 * runs into the request timeout, then the idle timeout, on the fake clock.
 *
 * Prints the answers per status code, the exceptions that escaped (must be 0), the cases that
 * failed (a 5xx other than 501/505, an exception, an answer that does not parse, an error
 * logged), what the closed connections left held (must be 0) and the heap before/after (after
 * a full GC). Exits 1 when any case failed. Case i of seed s is `caseInput(s, i)`.
 *
 * Run: node --import tsx bench/fuzz-requests.ts [--cases 1000000] [--seed 20261202] [--from 0]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createFuzzFront,
  leftovers,
  PROTOCOL_5XX,
  runFuzz,
  type FuzzStats,
} from '../test/unit/serve/request-fuzz.js';
import { fixed, machineInfo, parseArgs, printJson, si, table } from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  { cases: 1_000_000, seed: 20261202, from: 0, batch: 1000 },
  'fuzz-requests: mutated RTSP conversations through the whole front-end request path',
  {
    cases: 'how many cases (conversations) to run',
    seed: 'the seed; case i of a seed is always the same input',
    from: 'first case index (to re-run a range)',
    batch: 'cases between yields to the event loop (lets real timers run)',
  },
);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const f = createFuzzFront();
  const stats: FuzzStats = {
    cases: 0,
    requests: 0,
    statuses: new Map(),
    exceptions: 0,
    badOutputs: 0,
    failures: [],
  };
  // Warm up the modules and the JIT outside the heap measurement (these cases are not counted).
  await runFuzz(opts.seed ^ 0x5a5a5a5a, 0, 200, f);
  const heapBefore = heapMiB();
  let heapPeak = heapBefore;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = opts.from + opts.cases;
  for (let from = opts.from; from < end; from += opts.batch) {
    await runFuzz(opts.seed, from, Math.min(opts.batch, end - from), f, stats);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed / 1024 / 1024);
    await new Promise((resolve) => setImmediate(resolve));
    if ((from - opts.from) % (opts.batch * 100) === 0 && from > opts.from) {
      process.stderr.write(`  ${si(from - opts.from)} cases…\n`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const heapAfter = heapMiB();
  const left = leftovers(f);

  const statuses = [...stats.statuses].sort((a, b) => a[0] - b[0]);
  const serverErrors = statuses
    .filter(([s]) => s >= 500 && !PROTOCOL_5XX.has(s))
    .reduce((n, [, c]) => n + c, 0);
  process.stdout.write(
    `fuzz-requests: seed ${opts.seed}, cases ${opts.from}..${end - 1}, ` +
      `node ${machine.node}, ${machine.cpus} CPUs, load ${machine.load.join(' ')}\n\n`,
  );
  process.stdout.write(
    `${table(
      ['status', 'answers', 'share'],
      statuses.map(([s, c]) => [String(s), String(c), `${fixed((c / stats.requests) * 100, 2)}%`]),
    )}\n`,
  );
  process.stdout.write(
    '  501 (unknown method) and 505 (RTSP version) are the protocol answers to such input;\n' +
      '  any other 5xx is a failure. 408: the request timeout closed a half-sent request.\n\n',
  );
  process.stdout.write(
    `${table(
      ['figure', 'value'],
      [
        ['cases', String(stats.cases)],
        ['requests answered', String(stats.requests)],
        ['5xx other than 501/505', String(serverErrors)],
        ['exceptions escaped', String(stats.exceptions)],
        ['unparseable answers', String(stats.badOutputs)],
        ['error log lines', String(f.errors.count)],
        ['failed cases', String(stats.failures.length)],
        ['left held: sessions', String(left.viewerSessions)],
        ['left held: sources', String(left.liveSources)],
        ['left held: timers', String(left.pendingTimers)],
        ['heap before (MiB, after GC)', fixed(heapBefore, 1)],
        ['heap peak (MiB, no GC)', fixed(heapPeak, 1)],
        ['heap after (MiB, after GC)', fixed(heapAfter, 1)],
        ['wall s', fixed(seconds, 1)],
        ['cases / CPU-s', si(stats.cases / cpuSeconds)],
      ],
    )}\n`,
  );
  for (const x of stats.failures.slice(0, 10)) {
    process.stdout.write(
      `\nFAILED case ${x.index}: ${x.why}\n  ${JSON.stringify(x.input.slice(0, 600))}\n`,
    );
  }
  for (const line of f.errors.first.slice(0, 3)) process.stdout.write(`\n${line.slice(0, 800)}\n`);
  printJson('fuzz-requests', {
    machine,
    options: opts,
    cases: stats.cases,
    requests: stats.requests,
    statuses: Object.fromEntries(statuses),
    serverErrors,
    exceptions: stats.exceptions,
    badOutputs: stats.badOutputs,
    errorLogs: f.errors.count,
    failures: stats.failures.length,
    leftovers: left,
    heapMiB: { before: heapBefore, peak: heapPeak, after: heapAfter },
    seconds,
    cpuSeconds,
  });
  const ok =
    stats.failures.length === 0 &&
    stats.exceptions === 0 &&
    Object.values(left).every((v) => v === 0);
  process.exitCode = ok ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
