/** Address comparison: `::ffff:1.2.3.4` and `1.2.3.4` are one host; IPv6 is case-insensitive. */
export function normalizeAddress(address: string): string {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
