/**
 * Viewer networks (pure): an address folded to its network prefix (`203.0.113.0/24`,
 * `2001:db8:12:3400::/56`), and CIDR matching for rules. Telemetry aggregates viewers by
 * network so a last mile in trouble shows as one network, and metric labels stay bounded.
 */
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../net/ip.js';
import { normalizeAddress } from '../net/address.js';

const ALL_ONES_128 = (1n << 128n) - 1n;

function mask128(prefix: number): bigint {
  return prefix <= 0 ? 0n : (ALL_ONES_128 << BigInt(128 - Math.min(128, prefix))) & ALL_ONES_128;
}

/**
 * The network of `address` with a v4 or v6 prefix length (IPv4-mapped IPv6 counts as IPv4).
 * Anything that is not an IP literal comes back as `unknown`.
 */
export function networkOf(address: string, v4Prefix: number, v6Prefix: number): string {
  const a = normalizeAddress(address);
  const v4 = parseIPv4(a);
  if (v4 !== undefined) {
    const len = Math.max(0, Math.min(32, v4Prefix));
    const masked = len === 0 ? 0 : (v4 & (0xffffffff << (32 - len))) >>> 0;
    return `${formatIPv4(masked)}/${len}`;
  }
  const v6 = parseIPv6(a);
  if (v6 === undefined) return 'unknown';
  const len = Math.max(0, Math.min(128, v6Prefix));
  return `${formatIPv6(v6 & mask128(len))}/${len}`;
}

export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  readonly value: bigint;
  readonly prefix: number;
}

/** `10.0.0.0/8`, `2001:db8::/32` or a single address; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr = '', len, ...rest] = text.trim().split('/');
  if (rest.length > 0) return undefined;
  const v4 = parseIPv4(addr);
  const v6 = v4 === undefined ? parseIPv6(addr) : undefined;
  if (v4 === undefined && v6 === undefined) return undefined;
  const family = v4 !== undefined ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return undefined;
  // IPv4 sits in the top 32 bits, so one 128-bit mask of `prefix` bits serves both families.
  const value = v4 !== undefined ? BigInt(v4) << 96n : (v6 ?? 0n);
  return { text: text.trim(), family, value: value & mask128(prefix), prefix };
}

/** Whether `address` (or the first address of a network text like `10.1.2.0/24`) is in `cidr`. */
export function cidrContains(cidr: Cidr, address: string): boolean {
  const a = normalizeAddress(address.split('/')[0] ?? '');
  const v4 = parseIPv4(a);
  if (cidr.family === 4) {
    if (v4 === undefined) return false;
    return ((BigInt(v4) << 96n) & mask128(cidr.prefix)) === cidr.value;
  }
  const v6 = v4 === undefined ? parseIPv6(a) : undefined;
  if (v6 === undefined) return false;
  return (v6 & mask128(cidr.prefix)) === cidr.value;
}
