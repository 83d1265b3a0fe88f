/**
 * Which upstream hosts a transparent Request-URI may name (DESIGN decision 7: never an open
 * proxy). Pure code: no DNS here; callers pass what DNS resolved, if anything.
 *
 * Entries:
 * - `cam.example.net` host name, case-insensitive exact match (a trailing dot is ignored);
 * - `*.example.net` any subdomain at any depth (not `example.net` itself: list it too);
 * - `10.0.0.5`, `fd00::5` an address; `10.0.0.0/8`, `fd00::/8` a CIDR range.
 *
 * Addresses live in one 128-bit space where IPv4 is IPv4-mapped IPv6 (`::ffff:a.b.c.d`), so
 * `::ffff:10.0.0.5` matches `10.0.0.0/8` and `10.0.0.5` matches `::ffff:10.0.0.0/104`.
 */

export type AllowEntry =
  /** Exact host name, lower-cased, without a trailing dot. */
  | { readonly kind: 'host'; readonly source: string; readonly name: string }
  /** `*.example.net`: `suffix` is `.example.net`. */
  | { readonly kind: 'wildcard'; readonly source: string; readonly suffix: string }
  /** Address or range; `address` is the canonical network address, `prefix` its length. */
  | {
      readonly kind: 'cidr';
      readonly source: string;
      readonly family: 4 | 6;
      readonly address: string;
      readonly prefix: number;
    };

export type AllowEntryResult = { ok: true; entry: AllowEntry } | { ok: false; reason: string };

const NOT_AN_ENTRY = 'not a host name, IP address or CIDR range';
const MAPPED_V4 = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/** Parses one allowlist entry; the reason is what the config validator reports. */
export function parseAllowEntry(source: string): AllowEntryResult {
  const text = source.trim().toLowerCase();
  if (text === '*' || text === '*.') {
    return { ok: false, reason: '"*" would allow every host; list host names or CIDR ranges' };
  }
  const slash = text.indexOf('/');
  if (slash >= 0) return parseCidr(source, text.slice(0, slash), text.slice(slash + 1));
  const ip = parseIp(text);
  if (ip) {
    return cidrEntry(source, ip.value, ip.family === 4 ? 32 : 128, ip.family);
  }
  if (text.startsWith('*.')) {
    const name = stripDot(text.slice(2));
    if (!isHostName(name)) return { ok: false, reason: NOT_AN_ENTRY };
    return { ok: true, entry: { kind: 'wildcard', source, suffix: `.${name}` } };
  }
  const name = stripDot(text);
  if (!isHostName(name)) return { ok: false, reason: NOT_AN_ENTRY };
  return { ok: true, entry: { kind: 'host', source, name } };
}

function parseCidr(source: string, addr: string, bits: string): AllowEntryResult {
  const ip = parseIp(addr);
  if (!ip || !/^\d{1,3}$/.test(bits)) return { ok: false, reason: NOT_AN_ENTRY };
  const max = ip.family === 4 ? 32 : 128;
  const prefix = Number(bits);
  if (prefix > max) {
    return { ok: false, reason: `CIDR prefix must be 0-${max} for IPv${ip.family}` };
  }
  return cidrEntry(source, ip.value, prefix, ip.family);
}

function cidrEntry(source: string, value: bigint, prefix: number, family: 4 | 6): AllowEntryResult {
  const width = family === 4 ? 96 + prefix : prefix;
  const network = value & maskOf(width);
  const address = family === 4 ? formatIPv4(Number(network & 0xffffffffn)) : formatIPv6(network);
  return { ok: true, entry: { kind: 'cidr', source, family, address, prefix } };
}

interface Range {
  readonly network: bigint;
  readonly mask: bigint;
}

export class Allowlist {
  readonly entries: readonly AllowEntry[];
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges: Range[] = [];

  /**
   * Accepts raw strings or entries already parsed by the config (`config.transparent.allow`).
   * Throws on an invalid string: the config validator reports those before this is built.
   */
  constructor(entries: readonly (string | AllowEntry)[]) {
    const parsed: AllowEntry[] = [];
    for (const item of entries) {
      let entry: AllowEntry;
      if (typeof item === 'string') {
        const result = parseAllowEntry(item);
        if (!result.ok) throw new TypeError(`allowlist entry "${item}": ${result.reason}`);
        entry = result.entry;
      } else {
        entry = item;
      }
      parsed.push(entry);
      if (entry.kind === 'host') this.names.add(entry.name);
      else if (entry.kind === 'wildcard') this.suffixes.push(entry.suffix);
      else {
        const ip = parseIp(entry.address);
        if (!ip) throw new TypeError(`allowlist entry "${entry.source}": bad address`);
        const mask = maskOf(entry.family === 4 ? 96 + entry.prefix : entry.prefix);
        this.ranges.push({ network: ip.value & mask, mask });
      }
    }
    this.entries = parsed;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * May a Request-URI naming `host` be relayed? `host` is a URL host (bracketed IPv6 accepted);
   * `resolvedAddress` is what DNS gave for it, checked against the CIDR entries.
   */
  allows(host: string, resolvedAddress?: string): boolean {
    const text = stripDot(unbracket(host.trim().toLowerCase()));
    if (text !== '') {
      const ip = parseIp(text);
      if (ip) {
        if (this.inRanges(ip.value)) return true;
      } else if (this.names.has(text) || this.suffixes.some((s) => text.endsWith(s))) {
        return true;
      }
    }
    if (resolvedAddress !== undefined) {
      const ip = parseIp(unbracket(resolvedAddress.trim().toLowerCase()));
      if (ip && this.inRanges(ip.value)) return true;
    }
    return false;
  }

  private inRanges(value: bigint): boolean {
    return this.ranges.some((r) => (value & r.mask) === r.network);
  }
}

// ---- address parsing (exported for the config validator and tests) ----

/** A parsed IP literal in the shared 128-bit space (IPv4 as IPv4-mapped). */
export interface ParsedIp {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/**
 * IPv4 dotted quad (no leading zeros) or IPv6 (with `::`, an embedded IPv4 tail and an optional
 * `%zone`, which is ignored). `family` is the written form: `::ffff:10.0.0.5` is family 6 but
 * has the same value as `10.0.0.5`.
 */
export function parseIp(text: string): ParsedIp | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: MAPPED_V4 | BigInt(v4) };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

export function parseIPv6(input: string): bigint | undefined {
  const text = input.includes('%') ? input.slice(0, input.indexOf('%')) : input;
  if (!text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : [];
  const groups = [...head, ...tail];
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? '';
    if (i === groups.length - 1 && group.includes('.')) {
      const v4 = parseIPv4(group);
      if (v4 === undefined) return undefined;
      words.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-f]{1,4}$/.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  if (halves.length === 2 ? words.length > 7 : words.length !== 8) return undefined;
  const headWords = words.slice(0, head.length);
  const tailWords = words.slice(head.length);
  const zeros: number[] = new Array<number>(8 - words.length).fill(0);
  let value = 0n;
  for (const w of [...headWords, ...zeros, ...tailWords]) value = (value << 16n) | BigInt(w);
  return value;
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Canonical RFC 5952 text: lower case, longest run of zero groups (2+) as `::`. */
function formatIPv6(value: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function maskOf(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL_ONES << BigInt(128 - prefix)) & ALL_ONES;
}

function unbracket(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

function stripDot(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** RFC 1123 host name (underscores tolerated); the last label must not be all digits. */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.some((l) => !/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? '');
}
