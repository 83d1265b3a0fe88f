/**
 * IP literals (pure): IPv4 dotted quads and IPv6 (RFC 4291 text forms) parsed into numbers, and
 * formatted back canonically (RFC 5952). Used by the allowlist and by telemetry's networks.
 */

/** IPv4 in the shared 128-bit space: ::ffff:a.b.c.d. */
const MAPPED_V4 = 0xffffn << 32n;

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

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Canonical RFC 5952 text: lower case, longest run of zero groups (2+) as `::`. */
export function formatIPv6(value: bigint): string {
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
