/**
 * The RTSP front end: accepts players' connections (with per-address and total limits),
 * answers their requests through methods.ts, owns the viewer sessions and their timers, and
 * the UDP pair viewers get media from and send RTCP to.
 */
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { DEFAULT_RTSP_LIMITS, type RtspLimits } from '../protocol/rtsp/message.js';
import { bindUdpPair, type UdpPair } from '../net/udp-pair.js';
import type { LossModel } from '../seam/loss-model.js';
import type { SourceRegistry } from '../source/registry.js';
import { logEvent } from '../events.js';
import { REAL_CLOCK, type Clock } from './clock.js';
import { ViewerConnection, type ConnectionHooks } from './connection.js';
import { DirectRtp } from './direct-rtp.js';
import { DNS_TIMEOUT_MS, lookupWithin, type DnsLookup } from './dns.js';
import { handleRequest, type FrontState } from './methods.js';
import type { ArchiveStore } from '../store/segments.js';
import { normalizeAddress } from './negotiate.js';
import {
  hostOf,
  parseRtspUrl,
  resolveTarget,
  type ResolveContext,
  type Resolution,
} from './resolve.js';
import { LOOPBACK_HOSTS, SelfHosts } from './self.js';
import type { ViewerSession } from './viewer.js';

/** How often sessions are checked for expiry. */
const EXPIRY_CHECK_MS = 1000;

/** The `limits:` config section: what the front end allows players. */
export interface FrontLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly sessionTimeoutSec: number;
  readonly maxRequestBytes: number;
  /** A request begun must be complete within this (else 408 and close). */
  readonly requestTimeoutSec: number;
  /** A connection with no session and nothing in progress is closed after this. */
  readonly idleTimeoutSec: number;
}

export interface FrontOptions extends FrontLimits {
  readonly log: Logger;
  readonly registry: SourceRegistry;
  readonly rtsp: { host: string; port: number };
  readonly rtp: { host: string; port: number };
  readonly serverHeader: string;
  resolveContext: ResolveContext;
  /** Time for connection timeouts, session activity and expiry (tests inject a fake clock). */
  readonly clock?: Clock | undefined;
  /** DNS for transparent host names checked against CIDR entries (tests inject a fake). */
  readonly dnsLookup?: DnsLookup | undefined;
  /** A viewer's RTCP (receiver reports) for one of its tracks: telemetry intake. */
  readonly onViewerRtcp?:
    ((session: ViewerSession, track: number, payload: Buffer) => void) | undefined;
  /** Loss injected on viewers' UDP RTP before the socket send, per destination (tests, drills). */
  readonly viewerLossFor?: ((address: string, port: number) => LossModel | undefined) | undefined;
  /** The archive of a path (time-shift), when it has one. */
  readonly archiveOf?: ((pathName: string) => ArchiveStore | undefined) | undefined;
}

export class FrontEnd implements FrontState {
  readonly log: Logger;
  readonly registry: SourceRegistry;
  readonly sessionTimeoutSec: number;
  readonly clock: Clock;
  private server: Server | undefined;
  private udp: UdpPair | undefined;
  private readonly connections = new Set<ViewerConnection>();
  /** Every accepted socket, refused ones included, so stop() can close them all. */
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  private readonly sessions = new Map<string, ViewerSession>();
  /** `address:rtcpPort` of UDP viewers → session, for their RTCP receiver reports. */
  private readonly udpPeers = new Map<string, ViewerSession>();
  private readonly hooks: ConnectionHooks;
  private readonly direct: DirectRtp | undefined; // none with injected viewer loss (tests)
  /** Armed while there are sessions: checks them for expiry once a second. */
  private expiryTimer: unknown;
  private selfHosts = new SelfHosts();
  private port = 0;

  constructor(private opts: FrontOptions) {
    this.log = opts.log;
    this.registry = opts.registry;
    this.sessionTimeoutSec = opts.sessionTimeoutSec;
    this.clock = opts.clock ?? REAL_CLOCK;
    this.direct = opts.viewerLossFor
      ? undefined
      : new DirectRtp(() => this.udp?.rtp, opts.rtp.host);
    const limits: RtspLimits = { ...DEFAULT_RTSP_LIMITS, maxBodyLength: opts.maxRequestBytes };
    this.hooks = {
      log: opts.log,
      limits,
      serverHeader: opts.serverHeader,
      clock: this.clock,
      requestTimeoutMs: opts.requestTimeoutSec * 1000,
      idleTimeoutMs: opts.idleTimeoutSec * 1000,
      handle: (conn, req) => handleRequest(this, conn, req),
      sendUdpRtp: opts.viewerLossFor
        ? (p, port, addr) => {
            if (!this.viewerLoss(addr, port)?.drop()) this.udp?.rtp.send(p, port, addr);
          }
        : (p, port, addr) => this.udp?.rtp.send(p, port, addr),
      sendUdpRtcp: (p, port, addr) => this.udp?.rtcp.send(p, port, addr),
      onInterleaved: (conn, channel, payload) => this.onViewerRtcp(conn, channel, payload),
      onClose: (conn) => this.onConnectionClose(conn),
    };
  }

  /** Binds the RTSP listener and the viewers' UDP pair; resolves with the bound ports. */
  async start(): Promise<{ rtsp: { host: string; port: number }; rtp: number; rtcp: number }> {
    this.udp = await bindUdpPair(this.opts.rtp.host, this.opts.rtp.port, undefined, !!this.direct);
    this.udp.rtcp.on('message', (msg, rinfo) => {
      const s = this.udpPeers.get(`${normalizeAddress(rinfo.address)}:${rinfo.port}`);
      s?.touch();
      if (s && this.opts.onViewerRtcp) {
        for (const [index, t] of s.tracks)
          if (t.kind === 'udp' && t.rtcpPort === rinfo.port) this.opts.onViewerRtcp(s, index, msg);
      }
    });
    // Players punch NAT holes with a packet to our RTP port; nothing to do with it.
    this.udp.rtp.on('message', () => undefined);
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.rtsp.port, this.opts.rtsp.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : this.opts.rtsp.port;
    this.port = port;
    this.selfHosts = new SelfHosts();
    for (const h of [...LOOPBACK_HOSTS, this.opts.rtsp.host]) this.selfHosts.add(h, port);
    if (isWildcard(this.opts.rtsp.host)) {
      for (const list of Object.values(networkInterfaces())) {
        for (const a of list ?? []) this.selfHosts.add(a.address.replace(/%.*$/, ''), port);
      }
    }
    logEvent(
      this.log,
      'info',
      'rtsp.listen',
      { host: this.opts.rtsp.host, port, rtpPort: this.udp.rtpPort, rtcpPort: this.udp.rtcpPort },
      `RTSP front end listening on ${this.opts.rtsp.host}:${port}`,
    );
    const { rtpPort: rtp, rtcpPort: rtcp } = this.udp;
    return { rtsp: { host: this.opts.rtsp.host, port }, rtp, rtcp };
  }

  /** New path map / allowlist; sessions and sources already running are untouched. */
  setResolveContext(ctx: ResolveContext): void {
    this.opts = { ...this.opts, resolveContext: ctx };
  }

  udpPorts(): { rtp: number; rtcp: number } {
    return { rtp: this.udp?.rtpPort ?? 0, rtcp: this.udp?.rtcpPort ?? 0 };
  }

  get viewerSessions(): ReadonlyMap<string, ViewerSession> {
    return this.sessions;
  }

  /**
   * Takes a player's socket (the listener's, or a test's stand-in); the connection, or
   * undefined when a limit refused it.
   */
  accept(socket: Socket): ViewerConnection | undefined {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const address = normalizeAddress(socket.remoteAddress ?? '');
    const count = this.perAddress.get(address) ?? 0;
    if (
      this.connections.size >= this.opts.maxConnections ||
      count >= this.opts.maxConnectionsPerAddress
    ) {
      logEvent(
        this.log,
        'warn',
        'conn.refused',
        {
          remote: address,
          connections: this.connections.size,
          fromAddress: count,
          maxConnections: this.opts.maxConnections,
          maxConnectionsPerAddress: this.opts.maxConnectionsPerAddress,
        },
        'connection refused: limit reached',
      );
      socket.on('error', () => undefined);
      socket.end('RTSP/1.0 503 Service Unavailable\r\nRetry-After: 10\r\n\r\n');
      this.clock.setTimeout(() => socket.destroy(), 2000);
      return undefined;
    }
    this.perAddress.set(address, count + 1);
    const conn = new ViewerConnection(socket, this.hooks);
    this.connections.add(conn);
    if (conn.localAddress) this.selfHosts.add(conn.localAddress, this.port);
    const fields = { conn: conn.id, remote: address, port: conn.remotePort };
    logEvent(this.log, 'debug', 'conn.open', fields, 'connection opened');
    return conn;
  }

  private onConnectionClose(conn: ViewerConnection): void {
    if (!this.connections.delete(conn)) return;
    const address = normalizeAddress(conn.remoteAddress);
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
    for (const session of [...conn.sessions.values()]) this.endSession(session, 'disconnect');
    for (const d of conn.described.values()) d.source.release();
    conn.described.clear();
    logEvent(
      this.log,
      'debug',
      'conn.close',
      { conn: conn.id, remote: address },
      'connection closed',
    );
  }

  async resolve(uri: string, conn: ViewerConnection): Promise<Resolution> {
    const ctx: ResolveContext = {
      ...this.opts.resolveContext,
      // The configured names and what the listener learnt (its addresses), without copying either.
      selfHosts: {
        has: (host, port) =>
          this.opts.resolveContext.selfHosts.has(host, port) || this.selfHosts.has(host, port),
      },
    };
    let result = resolveTarget(uri, ctx);
    const url = parseRtspUrl(uri);
    if (!result.ok && result.status === 403 && url && isIP(hostOf(url)) === 0) {
      // A host name may be allowed through a CIDR entry: check where DNS points it (briefly:
      // a resolver that does not answer must not hold the player's request).
      const address = await lookupWithin(hostOf(url), DNS_TIMEOUT_MS, this.opts.dnsLookup);
      if (address !== undefined) result = resolveTarget(uri, ctx, address);
    }
    if (!result.ok && result.status === 403) {
      logEvent(
        this.log,
        'warn',
        'transparent.refused',
        { conn: conn.id, remote: conn.remoteAddress, uri, reason: result.reason },
        'refused to relay to a host not on the allowlist',
      );
    }
    return result;
  }

  archiveOf(pathName: string): ArchiveStore | undefined {
    return this.opts.archiveOf?.(pathName);
  }

  findSession(id: string): ViewerSession | undefined {
    return this.sessions.get(id);
  }

  addSession(conn: ViewerConnection, session: ViewerSession): void {
    this.sessions.set(session.id, session);
    conn.sessions.set(session.id, session);
    session.source.subscribe(session);
    this.armExpiry();
    session.setCloseHandler((reason) => {
      this.endSession(session, reason);
      // A TCP viewer's media rides its connection: with the source gone, end it.
      if (session.usesTcp) {
        for (const c of this.connections) if (c.id === session.connectionId) c.close(true);
      }
    });
  }

  /** Runs once the PLAY answer is written; a session closed meanwhile stays closed. */
  startPlaying(session: ViewerSession): void {
    if (session.state !== 'starting') return;
    for (const t of session.tracks.values()) {
      if (t.kind === 'udp')
        this.udpPeers.set(`${normalizeAddress(t.address)}:${t.rtcpPort}`, session);
    }
    const first = session.packetsSent === 0;
    session.started();
    this.direct?.start(session);
    if (first) {
      logEvent(
        this.log,
        'info',
        'viewer.join',
        {
          viewer: session.id,
          conn: session.connectionId,
          remote: session.remoteAddress,
          source: session.source.id,
          path: session.source.pathName,
          origin: session.source.origin,
          transport: session.usesTcp ? 'tcp' : 'udp',
          tracks: [...session.tracks.keys()],
          viewers: session.source.viewerCount,
          burst: session.burstPackets,
        },
        'viewer joined',
      );
    }
  }

  endSession(session: ViewerSession, reason: string): void {
    if (!this.sessions.delete(session.id)) return;
    session.close();
    this.direct?.end(session);
    for (const [key, s] of this.udpPeers) if (s === session) this.udpPeers.delete(key);
    for (const conn of this.connections) {
      // The connection may now hold nothing: its idle timer starts.
      if (conn.sessions.delete(session.id)) conn.refreshIdle();
    }
    session.source.unsubscribe(session);
    session.source.release();
    logEvent(
      this.log,
      'info',
      reason === 'timeout' ? 'viewer.timeout' : 'viewer.leave',
      {
        viewer: session.id,
        conn: session.connectionId,
        remote: session.remoteAddress,
        source: session.source.id,
        reason,
        packets: session.packetsSent,
        bytes: session.bytesSent,
        dropped: session.packetsDropped,
        seconds: Math.round((this.clock.now() - session.createdAt) / 1000),
      },
      'viewer left',
    );
  }

  private onViewerRtcp(conn: ViewerConnection, channel: number, payload: Buffer): void {
    for (const s of conn.sessions.values()) {
      for (const [index, t] of s.tracks) {
        if (t.kind === 'tcp' && (t.rtcpChannel === channel || t.rtpChannel === channel)) s.touch();
        if (t.kind === 'tcp' && t.rtcpChannel === channel)
          this.opts.onViewerRtcp?.(s, index, payload);
      }
    }
  }

  private readonly viewerLosses = new Map<string, LossModel | undefined>();

  private viewerLoss(address: string, port: number): LossModel | undefined {
    const key = `${address}:${port}`;
    if (!this.viewerLosses.has(key))
      this.viewerLosses.set(key, this.opts.viewerLossFor?.(normalizeAddress(address), port));
    return this.viewerLosses.get(key);
  }

  /** Checks sessions for expiry once a second while there are any. */
  private armExpiry(): void {
    if (this.expiryTimer !== undefined) return;
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = undefined;
      this.expireSessions();
      if (this.sessions.size > 0) this.armExpiry();
    }, EXPIRY_CHECK_MS);
  }

  private stopExpiry(): void {
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /** UDP sessions expire without keepalive; TCP ones live as long as their connection. */
  private expireSessions(): void {
    const deadline = this.clock.now() - this.sessionTimeoutSec * 1000;
    for (const s of [...this.sessions.values()]) {
      if (!s.usesTcp && s.lastActivity < deadline) this.endSession(s, 'timeout');
    }
  }

  async stop(): Promise<void> {
    this.stopExpiry();
    const server = this.server;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    for (const s of [...this.sessions.values()]) this.endSession(s, 'shutdown');
    for (const c of [...this.connections]) c.close();
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.udp?.close();
  }
}

/** Listening on every address (`0.0.0.0`, `::`): each interface address names seamd. */
function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}
