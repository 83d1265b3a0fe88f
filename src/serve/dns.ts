/**
 * DNS for transparent host names checked against CIDR entries of the allowlist: one address,
 * asked briefly (a resolver that does not answer must not hold the player's request).
 */
import { lookup } from 'node:dns/promises';

/** How long a transparent request waits for DNS before it is refused (403). */
export const DNS_TIMEOUT_MS = 2000;

/**
 * DNS as `dns.promises.lookup` answers: note that for an empty host name it resolves
 * `{ address: null }` instead of failing (its typings do not say so).
 */
export type DnsLookup = (host: string) => Promise<{ address: string | null | undefined }>;

/** One address DNS gives for `host`, or undefined (no answer in time, or none at all). */
export async function lookupWithin(
  host: string,
  ms: number,
  dns: DnsLookup = lookup,
): Promise<string | undefined> {
  // dns.lookup('') answers `{ address: null }` rather than failing: there is nothing to ask.
  if (host === '') return undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([
      dns(host).then(
        (a) => (typeof a.address === 'string' && a.address !== '' ? a.address : undefined),
        () => undefined,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
