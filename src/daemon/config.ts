/**
 * Config loading: YAML text → zod-validated, defaults-filled `Config`. Every problem becomes one
 * line `<file>: <key path>: <reason> (line N)`; all of a file's problems are reported at once
 * in a `ConfigError` (code CONFIG_INVALID, or CONFIG_READ when the file cannot be read).
 */
import { readFileSync } from 'node:fs';
import { isMap, isSeq, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, knownKeysAt, type Config } from './config-schema.js';

export * from './config-schema.js';

/** The embedded default; `config/default.yaml` is a copy (a test keeps them identical). */
import { DEFAULT_CONFIG_YAML } from './default-config.js';

export { DEFAULT_CONFIG_YAML };

export function defaultConfig(): Config {
  return parseConfigText(DEFAULT_CONFIG_YAML, '<default config>');
}

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('CONFIG_READ', `${path}: cannot read: ${describeReadError(err)}`, {
      cause: err,
    });
  }
  return parseConfigText(text, path);
}

/** `sourceName` prefixes every message (a file path, or a label like `<default config>`). */
export function parseConfigText(text: string, sourceName: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    const sourceLines = text.split('\n');
    const lines = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      // `rtsp: [::]:8554` unquoted is a YAML list followed by junk.
      const hint = /:\s+\[[0-9A-Fa-f:.]*\]:\d/.test(sourceLines[line - 1] ?? '')
        ? '; quote IPv6 addresses: "[::]:8554"'
        : '';
      return `${sourceName}: YAML syntax error: ${e.message} (line ${line}, column ${col})${hint}`;
    });
    throw new ConfigError('CONFIG_INVALID', lines.join('\n'));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError('CONFIG_INVALID', `${sourceName}: YAML error: ${reason}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    const message = `${sourceName}: expected a mapping of keys at top level (got ${describeValue(raw)})`;
    throw new ConfigError('CONFIG_INVALID', message);
  }
  const result = configSchema.safeParse(raw);
  // zod drops `__proto__` keys without a word; report them like any other bad key.
  const reserved = reservedKeys(raw, []);
  if (result.success && reserved.length === 0) return result.data;

  const issues = result.success ? [] : result.error.issues;
  const problems = [...reserved, ...issues.flatMap((issue) => describeIssue(issue, raw))];
  const located = problems.map((p) => ({ ...p, line: lineOf(doc, lineCounter, p.path, p.isKey) }));
  located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  const lines = located.map((p) => {
    const where = p.showPath && p.path.length > 0 ? `${formatKeyPath(p.path)}: ` : '';
    const line = p.line === undefined ? '' : ` (line ${p.line})`;
    return `${sourceName}: ${where}${p.text}${line}`;
  });
  throw new ConfigError('CONFIG_INVALID', [...new Set(lines)].join('\n'));
}

// ---- issue wording ----

interface Problem {
  /** Where to point: the key path of the bad value (or of the unknown key itself). */
  path: PropertyKey[];
  /** Print `path: ` before the text (false when the text names the place itself). */
  showPath: boolean;
  isKey: boolean;
  text: string;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): Problem[] {
  const path = [...issue.path];
  const value = valueAt(raw, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const hint = suggest(key, knownKeysAt(path));
        const at = path.length === 0 ? ' at top level' : '';
        const text = `unknown key ${JSON.stringify(key)}${at}${hint}`;
        return { path: [...path, key], showPath: false, isKey: true, text: prefixed(path, text) };
      });
    case 'invalid_key': {
      const inner = issue.issues[0];
      const text = inner?.message ?? `invalid key ${JSON.stringify(path.at(-1))}`;
      return [{ path, showPath: true, isKey: true, text }];
    }
    case 'invalid_type': {
      if (value === undefined) return [{ path, showPath: true, isKey: false, text: 'required' }];
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const quote =
        issue.expected === 'string' &&
        typeof path.at(-1) === 'string' &&
        (typeof value === 'number' || typeof value === 'boolean')
          ? '; put it in quotes to make it a string'
          : '';
      const text = `expected ${expected} (got ${describeValue(value)}${quote})`;
      return [{ path, showPath: true, isKey: false, text }];
    }
    case 'invalid_value': {
      const options = issue.values.map(String).join(', ');
      const text = `must be one of ${options} (got ${describeValue(value)})`;
      return [{ path, showPath: true, isKey: false, text }];
    }
    case 'too_small': {
      const text =
        issue.origin === 'string'
          ? 'must not be empty'
          : `must be at least ${String(issue.minimum)} (got ${describeValue(value)})`;
      return [{ path, showPath: true, isKey: false, text }];
    }
    case 'too_big': {
      const text = `must be at most ${String(issue.maximum)} (got ${describeValue(value)})`;
      return [{ path, showPath: true, isKey: false, text }];
    }
    default:
      return [{ path, showPath: true, isKey: false, text: issue.message }];
  }
}

function reservedKeys(value: unknown, path: PropertyKey[]): Problem[] {
  if (value === null || typeof value !== 'object') return [];
  const found: Problem[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === '__proto__') {
      found.push({
        path: childPath,
        showPath: false,
        isKey: true,
        text: prefixed(path, `key "__proto__" is not allowed`),
      });
    }
    found.push(...reservedKeys(child, childPath));
  }
  return found;
}

function prefixed(path: readonly PropertyKey[], text: string): string {
  return path.length === 0 ? text : `${formatKeyPath(path)}: ${text}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null',
};

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}

/** `listen.rtsp`, `transparent.allow[2]`, `paths["cam 1"].origin`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(seg)))
      out += out === '' ? String(seg) : `.${String(seg)}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    const tieBreak =
      best !== undefined && d === bestDistance && best[0] !== key[0] && candidate[0] === key[0];
    if (d < bestDistance || tieBreak) [best, bestDistance] = [candidate, d];
  }
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(best)}?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

// ---- locating values in the raw data and the YAML source ----

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** 1-based line of the value at `path` (or of its key), else of the nearest ancestor. */
function lineOf(
  doc: Document,
  counter: LineCounter,
  path: readonly PropertyKey[],
  isKey: boolean,
): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      node = pair.value;
      offset = (isKey ? undefined : rangeStart(node)) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      offset = rangeStart(node) ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

function describeReadError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}
