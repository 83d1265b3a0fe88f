/**
 * A UDP socket connected to one destination that sends from a shared local port (the viewers'
 * RTP port, bound with `shareRtp`, see udp-pair.ts): a send names no address, so dgram skips
 * its per-send lookup and the kernel its per-packet route lookup. bench/relay-pps.ts
 * (`--modes bare,bare-connected`) measures the gain; bench/README.md has the figures.
 */
import { createSocket, type Socket } from 'node:dgram';
import { literalLookup } from './udp-pair.js';

export interface LocalPort {
  readonly family: 'udp4' | 'udp6';
  readonly host: string;
  readonly port: number;
}

function step(sock: Socket, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    start(() => {
      sock.off('error', reject);
      resolve();
    });
  });
}

export class ConnectedSender {
  private closed = false;

  private constructor(private readonly sock: Socket) {}

  /** Binds `local` (shared) and connects to `address`:`port`; rejects when either fails. */
  static async open(local: LocalPort, address: string, port: number): Promise<ConnectedSender> {
    const sock = createSocket({ type: local.family, reuseAddr: true, lookup: literalLookup });
    // An ICMP port unreachable comes back as an ECONNREFUSED 'error'; the peer's datagrams to
    // our RTP port (NAT punches) land here: both are of no use.
    sock.on('error', () => undefined);
    sock.on('message', () => undefined);
    try {
      await step(sock, (done) => sock.bind({ port: local.port, address: local.host }, done));
      await step(sock, (done) => sock.connect(port, address, done));
    } catch (err) {
      sock.close();
      throw err;
    }
    return new ConnectedSender(sock);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends one datagram; nothing once closed (a send on a closed dgram socket would throw). */
  send(packet: Buffer): void {
    if (!this.closed) this.sock.send(packet);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}
