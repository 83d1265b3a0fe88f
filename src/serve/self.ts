/**
 * Which Request-URIs name seamd itself. The path map applies only to those: behind a port-554
 * redirect every player keeps its own URL (`rtsp://camera.local/stream1`), and such a request
 * must reach that camera (if allowed), never the operator's path of the same name.
 *
 * seamd is named by: its listen address and the local address a connection arrived on, the
 * machine's interface addresses when it listens on all of them, loopback names, and the
 * operator's `listen.names` (a name alone = any port; `name:port` = that port only). An address
 * names seamd only together with seamd's RTSP port: another port on the same host is another
 * server.
 *
 * Pure: the caller passes the addresses it found.
 */
import { isIP } from 'node:net';

export interface SelfName {
  /** Lower-cased, IPv6 without brackets, no trailing dot. */
  readonly host: string;
  /** Undefined = any port. */
  readonly port?: number;
}

const NAME_WITH_PORT = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+))(?::(\d{1,5}))?$/;

/** Parses a `listen.names` entry; undefined when it is neither a host name nor an address. */
export function parseSelfName(text: string): SelfName | undefined {
  const t = text.trim().toLowerCase();
  if (isIP(t) === 6) return { host: t };
  const m = NAME_WITH_PORT.exec(t);
  if (!m) return undefined;
  const host = (m[1] ?? m[2] ?? '').replace(/\.$/, '');
  if (host === '' || (m[1] !== undefined && isIP(host) !== 6)) return undefined;
  if (m[3] === undefined) return { host };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** What resolving needs to know: does this host at this port name seamd? */
export interface SelfCheck {
  has(host: string, port: number): boolean;
}

export class SelfHosts implements SelfCheck {
  private readonly anyPort = new Set<string>();
  private readonly withPort = new Set<string>();

  constructor(names: readonly SelfName[] = []) {
    for (const n of names) this.add(n.host, n.port);
  }

  /** `port` undefined = that host at any port. */
  add(host: string, port?: number): this {
    const h = normalizeHost(host);
    if (h === '') return this;
    if (port === undefined) this.anyPort.add(h);
    else this.withPort.add(`${h} ${port}`);
    return this;
  }

  /** Whether `host` (a URL host, brackets allowed) at `port` is seamd. */
  has(host: string, port: number): boolean {
    const h = normalizeHost(host);
    return this.anyPort.has(h) || this.withPort.has(`${h} ${port}`);
  }
}

/** Loopback names and addresses: always seamd when they come with seamd's port. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.startsWith('::ffff:') && h.includes('.')) h = h.slice(7);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}
