/**
 * Which upstream hosts a transparent Request-URI may name (seamd is never an open
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
import { formatIPv4, formatIPv6, parseIp } from '../net/ip.js';

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

// ---- address parsing: src/net/ip.ts (re-exported for the config validator and tests) ----

export { parseIp, parseIPv4, parseIPv6, type ParsedIp } from '../net/ip.js';

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
