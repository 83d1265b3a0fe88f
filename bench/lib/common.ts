/**
 * Small helpers shared by the benchmarks: option parsing, statistics, table printing and the
 * final machine-readable line.
 */
import { cpus, loadavg } from 'node:os';

/** Prefix of the single JSON line each benchmark prints last (run-all.ts collects them). */
export const JSON_PREFIX = 'BENCH_JSON ';

export type OptionValue = string | number | boolean;

/**
 * `--name value`, `--name=value` and bare `--flag` (true). Values take the type of the default;
 * unknown options and `--help` print the usage and exit.
 */
export function parseArgs<T extends Record<string, OptionValue>>(
  argv: readonly string[],
  defaults: T,
  usage: string,
  help: Readonly<Record<keyof T, string>>,
): T {
  const out: Record<string, OptionValue> = { ...defaults };
  const printUsage = (): void => {
    const lines = Object.entries(defaults).map(
      ([k, v]) => `  --${k.padEnd(12)} ${help[k] ?? ''} (default: ${String(v)})`,
    );
    process.stdout.write(`${usage}\n\nOptions:\n${lines.join('\n')}\n`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      printUsage();
      process.exit(0);
    }
    const m = /^--([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    const key = m?.[1];
    if (!m || key === undefined || !(key in defaults)) {
      process.stderr.write(`unknown option ${arg}\n`);
      printUsage();
      process.exit(2);
    }
    const def = defaults[key];
    let raw = m[2];
    if (typeof def === 'boolean') {
      out[key] = raw === undefined ? true : !/^(0|false|no|off)$/i.test(raw);
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) {
        process.stderr.write(`option --${key} needs a value\n`);
        process.exit(2);
      }
    }
    if (typeof def === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) {
        process.stderr.write(`option --${key}: ${raw} is not a number\n`);
        process.exit(2);
      }
      out[key] = n;
    } else {
      out[key] = raw;
    }
  }
  return out as T;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** (max - min) / median, in percent: how far apart the repetitions were. */
export function spreadPct(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : ((Math.max(...values) - Math.min(...values)) / m) * 100;
}

/** 1234567 → "1.23M", 12345 → "12.3k". */
export function si(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toPrecision(digits)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toPrecision(digits)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toPrecision(digits)}k`;
  return n.toPrecision(digits);
}

export function fixed(n: number, decimals = 2): string {
  return Number.isFinite(n) ? n.toFixed(decimals) : String(n);
}

/** A plain text table: the first column left-aligned, the others right-aligned. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(headers), rule, ...rows.map(fmt)].join('\n');
}

export function printJson(name: string, data: unknown): void {
  process.stdout.write(`${JSON_PREFIX}${JSON.stringify({ bench: name, ...(data as object) })}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Facts about the machine worth printing next to any figure. */
export function machineInfo(): { node: string; cpus: number; cpu: string; load: number[] } {
  const list = cpus();
  return {
    node: process.version,
    cpus: list.length,
    cpu: list[0]?.model ?? '',
    load: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
