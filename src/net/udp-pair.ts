/**
 * RTP/RTCP UDP socket pairs: RTP on an even port, RTCP on the next odd one (RFC 3550 §11).
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { RuntimeError } from '../errors.js';

export interface UdpPair {
  rtp: Socket;
  rtcp: Socket;
  rtpPort: number;
  rtcpPort: number;
  /** Closes both sockets; idempotent. */
  close(): void;
}

export interface AllocateUdpPairOptions {
  /** Local address to bind; default 0.0.0.0 (udp4) or :: (udp6). */
  host?: string;
  /** Lowest port to use (rounded up to even). Without a range the OS picks (port 0). */
  portMin?: number;
  /** Highest port to use (the RTCP port must be <= portMax). */
  portMax?: number;
  /** How many candidate pairs to try before giving up; default 64. */
  tries?: number;
  family?: 'udp4' | 'udp6';
  /**
   * Bind the RTP port with SO_REUSEADDR, so that connected senders (connected-udp.ts) can share
   * it. The RTCP port stays exclusive.
   */
  shareRtp?: boolean;
}

/** Receive buffer we ask for: a few seconds of a high-rate video stream. Best effort. */
export const UDP_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

function allocError(message: string, cause?: unknown): RuntimeError {
  return new RuntimeError('PORT_ALLOC', message, { cause });
}

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function defaultHost(family: 'udp4' | 'udp6'): string {
  return family === 'udp6' ? '::' : '0.0.0.0';
}

type LookupDone = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** Families of the IP literals seen lately (bounded: cleared when it grows past 4096). */
const literalFamilies = new Map<string, number>();

/**
 * dgram resolves the destination of every send() through its socket's `lookup`, and the
 * default (dns.lookup) answers even an IP literal a tick later: one deferred call and closure
 * per packet and viewer. Media only ever goes to IP literals, so those are answered at once;
 * names still go through dns.lookup.
 */
export function literalLookup(
  host: string,
  options: LookupOneOptions | number,
  done: LookupDone,
): void {
  let family = literalFamilies.get(host);
  if (family === undefined) {
    family = isIP(host);
    if (family !== 0) {
      if (literalFamilies.size >= 4096) literalFamilies.clear();
      literalFamilies.set(host, family);
    }
  }
  if (family !== 0) {
    done(null, host, family);
    return;
  }
  dnsLookup(host, options as LookupOneOptions, done);
}

function bindOne(
  family: 'udp4' | 'udp6',
  host: string,
  port: number,
  reuseAddr = false,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: family, reuseAddr, lookup: literalLookup });
    const onError = (err: Error): void => {
      sock.close();
      reject(err);
    };
    sock.once('error', onError);
    sock.bind({ port, address: host, exclusive: true }, () => {
      sock.off('error', onError);
      try {
        sock.setRecvBufferSize(UDP_RECV_BUFFER_BYTES);
      } catch {
        // best effort: the kernel caps it (net.core.rmem_max) or refuses
      }
      resolve(sock);
    });
  });
}

function safeClose(sock: Socket): void {
  try {
    sock.close();
  } catch {
    // already closed
  }
}

function makePair(rtp: Socket, rtcp: Socket): UdpPair {
  let closed = false;
  // A socket without an 'error' listener would crash the process on e.g. ICMP errors.
  rtp.on('error', () => undefined);
  rtcp.on('error', () => undefined);
  return {
    rtp,
    rtcp,
    rtpPort: rtp.address().port,
    rtcpPort: rtcp.address().port,
    close() {
      if (closed) return;
      closed = true;
      safeClose(rtp);
      safeClose(rtcp);
    },
  };
}

/** Binds the even port (0: the OS picks, retried until even) then the odd one above it. */
async function tryPair(
  family: 'udp4' | 'udp6',
  host: string,
  evenPort: number,
  shareRtp = false,
): Promise<UdpPair | undefined> {
  const rtp = await bindOne(family, host, evenPort, shareRtp);
  const port = rtp.address().port;
  if (port % 2 !== 0 || port + 1 > 65535) {
    safeClose(rtp);
    return undefined;
  }
  try {
    const rtcp = await bindOne(family, host, port + 1);
    return makePair(rtp, rtcp);
  } catch (err) {
    safeClose(rtp);
    throw err;
  }
}

/**
 * Binds an RTP/RTCP pair on an even/odd port couple, retrying on EADDRINUSE (with a range:
 * random even ports inside it; without: OS-chosen ports until one is even with a free odd
 * neighbour). Throws RuntimeError PORT_ALLOC when every try failed or the bind fails otherwise.
 */
export async function allocateUdpPair(opts: AllocateUdpPairOptions = {}): Promise<UdpPair> {
  const family = opts.family ?? 'udp4';
  const host = opts.host ?? defaultHost(family);
  const tries = opts.tries ?? 64;
  const ranged = opts.portMin !== undefined || opts.portMax !== undefined;
  const min = Math.max(2, opts.portMin ?? 1024);
  const max = Math.min(65535, opts.portMax ?? 65535);
  const firstEven = min + (min % 2);
  const pairs = Math.floor((max - firstEven + 1) / 2);
  if (ranged && pairs < 1) {
    throw allocError(`no even/odd UDP port pair fits in ${min}-${max}`);
  }
  const used = new Set<number>();
  let lastErr: unknown;
  for (let attempt = 0; attempt < tries; attempt++) {
    let port = 0;
    if (ranged) {
      if (used.size >= pairs) break;
      do port = firstEven + 2 * Math.floor(Math.random() * pairs);
      while (used.has(port));
      used.add(port);
    }
    try {
      const pair = await tryPair(family, host, port, opts.shareRtp);
      if (pair) return pair;
    } catch (err) {
      lastErr = err;
      if (errnoOf(err) !== 'EADDRINUSE') {
        throw allocError(`cannot bind UDP on ${host}: ${(err as Error).message}`, err);
      }
    }
  }
  const where = ranged ? `${host}:${min}-${max}` : host;
  throw allocError(`no free even/odd UDP port pair on ${where} after ${tries} tries`, lastErr);
}

/**
 * Binds a fixed, configured pair: RTP on `evenPort`, RTCP on `evenPort + 1`. Port 0 means any
 * free even pair. Throws PORT_ALLOC for an odd port or when either bind fails.
 */
export async function bindUdpPair(
  host: string,
  evenPort: number,
  family: 'udp4' | 'udp6' = host.includes(':') ? 'udp6' : 'udp4',
  shareRtp = false,
): Promise<UdpPair> {
  if (evenPort === 0) return allocateUdpPair({ host, family, shareRtp });
  if (!Number.isInteger(evenPort) || evenPort < 0 || evenPort % 2 !== 0 || evenPort > 65534) {
    throw allocError(`RTP port ${evenPort} must be an even number between 2 and 65534`);
  }
  try {
    const pair = await tryPair(family, host, evenPort, shareRtp);
    if (!pair) throw new RuntimeError('PORT_ALLOC', 'unexpected port');
    return pair;
  } catch (err) {
    throw allocError(
      `cannot bind UDP ${host}:${evenPort}-${evenPort + 1}: ${(err as Error).message}`,
      err,
    );
  }
}
