/**
 * RTSP client control connection to the origin: one TCP socket, serial requests (RFC 2326 §9:
 * one in flight, the rest queued), CSeq / User-Agent / Session / Authorization handling,
 * `$`-interleaved frames out as events, and polite answers to requests the server sends us.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { UpstreamError } from '../errors.js';
import {
  RtspHeaders,
  type RtspLimits,
  type RtspRequest,
  type RtspResponse,
} from '../protocol/rtsp/message.js';
import { RtspParser } from '../protocol/rtsp/parser.js';
import { serializeFrame, serializeRequest, serializeResponse } from '../protocol/rtsp/serialize.js';
import { parseCSeq, parseSession } from '../protocol/rtsp/headers/index.js';
import { OriginAuth } from './origin-auth.js';
import { parseOriginUrl, stripUserinfo, type Credentials } from './url.js';

export type SocketFactory = (opts: { host: string; port: number }) => net.Socket;

export interface RtspClientOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  userAgent: string;
  /** Used when the URL has no userinfo. */
  credentials?: Credentials;
  /** For tests: how to open the TCP socket (default net.connect). */
  socketFactory?: SocketFactory;
  limits?: Partial<RtspLimits>;
}

export interface RequestOptions {
  /** Overrides requestTimeoutMs for this request. */
  timeoutMs?: number;
  /** Do not add the Session header even when one is known. */
  noSession?: boolean;
}

interface Pending {
  method: string;
  uri: string;
  headers: RtspHeaders;
  body: Buffer | undefined;
  opts: RequestOptions;
  resolve: (res: RtspResponse) => void;
  reject: (err: Error) => void;
  cseq: number;
  authRetried: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface RtspClientEvents {
  frame: [channel: number, payload: Buffer];
  close: [reason?: Error];
  request: [req: RtspRequest];
}

/** Methods we answer 200 when the server asks; everything else gets 501. */
const ANSWERED_METHODS = new Set(['OPTIONS', 'GET_PARAMETER']);

export class RtspClientConnection extends EventEmitter<RtspClientEvents> {
  /** The URL without userinfo. */
  readonly url: string;
  private readonly socket: net.Socket;
  private readonly parser: RtspParser;
  private readonly opts: RtspClientOptions;
  private readonly auth: OriginAuth;
  private nextCSeq = 1;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private closedReason: Error | undefined;
  private isClosed = false;
  /** Session id learnt from the last response that carried one; sent with later requests. */
  sessionId: string | undefined;
  /** Session timeout (seconds) the server announced, if any. */
  sessionTimeout: number | undefined;

  private constructor(
    socket: net.Socket,
    url: string,
    opts: RtspClientOptions,
    cred?: Credentials,
  ) {
    super();
    this.socket = socket;
    this.url = url;
    this.opts = opts;
    this.auth = new OriginAuth(cred);
    this.parser = new RtspParser(opts.limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.shutdown(
        new UpstreamError('UPSTREAM_CLOSED', `connection to origin failed: ${err.message}`, {
          cause: err,
        }),
      ),
    );
    socket.on('close', () =>
      this.shutdown(new UpstreamError('UPSTREAM_CLOSED', 'origin closed the connection')),
    );
  }

  /**
   * Opens the control connection. Credentials come from the URL's userinfo (percent-decoded),
   * else opts.credentials. Rejects with UPSTREAM_CONNECT, or UPSTREAM_TIMEOUT after
   * connectTimeoutMs.
   */
  static connect(url: string, opts: RtspClientOptions): Promise<RtspClientConnection> {
    let origin: ReturnType<typeof parseOriginUrl>;
    try {
      origin = parseOriginUrl(url);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const factory = opts.socketFactory ?? ((o) => net.connect({ host: o.host, port: o.port }));
    const where = `${origin.host}:${origin.port}`;
    return new Promise((resolve, reject) => {
      const socket = factory({ host: origin.host, port: origin.port });
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () =>
          fail(
            new UpstreamError(
              'UPSTREAM_TIMEOUT',
              `connect to ${where} timed out after ${opts.connectTimeoutMs} ms`,
            ),
          ),
        opts.connectTimeoutMs,
      );
      const onError = (err: Error): void =>
        fail(
          new UpstreamError('UPSTREAM_CONNECT', `cannot connect to ${where}: ${err.message}`, {
            cause: err,
          }),
        );
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(
          new RtspClientConnection(
            socket,
            origin.url,
            opts,
            origin.credentials ?? opts.credentials,
          ),
        );
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The origin's address as the TCP connection sees it (IPv4-mapped IPv6 unwrapped). */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  }

  get remoteFamily(): 'IPv4' | 'IPv6' {
    const addr = this.remoteAddress;
    return addr !== undefined && net.isIPv6(addr) ? 'IPv6' : 'IPv4';
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  }

  /**
   * Sends a request once those before it are answered. Resolves with any response but a 401;
   * a 401 is retried once with credentials (UPSTREAM_AUTH if none or refused again). Rejects with
   * UPSTREAM_TIMEOUT, UPSTREAM_CLOSED or UPSTREAM_PROTOCOL.
   */
  request(
    method: string,
    uri: string,
    headers?: Record<string, string> | RtspHeaders,
    body?: Buffer,
    opts: RequestOptions = {},
  ): Promise<RtspResponse> {
    if (this.isClosed) {
      return Promise.reject(this.closedError(method));
    }
    const h =
      headers instanceof RtspHeaders ? new RtspHeaders(headers) : new RtspHeaders(headers ?? {});
    return new Promise((resolve, reject) => {
      this.queue.push({
        method,
        uri: stripUserinfo(uri),
        headers: h,
        body,
        opts,
        resolve,
        reject,
        cseq: 0,
        authRetried: false,
        timer: undefined,
      });
      this.pump();
    });
  }

  /** Writes an interleaved frame (e.g. RTCP over TCP). False when the connection is closed. */
  sendFrame(channel: number, payload: Buffer): boolean {
    if (this.isClosed) return false;
    this.socket.write(serializeFrame(channel, payload));
    return true;
  }

  /** Closes the connection; pending requests reject with UPSTREAM_CLOSED. */
  close(reason?: Error): void {
    this.shutdown(reason);
  }

  private closedError(method: string): UpstreamError {
    const why = this.closedReason ? `: ${this.closedReason.message}` : '';
    return new UpstreamError('UPSTREAM_CLOSED', `${method} not sent, connection closed${why}`, {
      cause: this.closedReason,
    });
  }

  private pump(): void {
    if (this.inFlight || this.isClosed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    this.send(next);
  }

  private send(p: Pending): void {
    p.cseq = this.nextCSeq++;
    const h = p.headers;
    h.set('CSeq', String(p.cseq));
    if (!h.has('User-Agent')) h.set('User-Agent', this.opts.userAgent);
    if (this.sessionId !== undefined && !p.opts.noSession && !h.has('Session')) {
      h.set('Session', this.sessionId);
    }
    try {
      const authorization = this.auth.header(p.method, p.uri);
      if (authorization !== undefined) h.set('Authorization', authorization);
    } catch (err) {
      this.finish(p, undefined, err as Error);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = serializeRequest({ method: p.method, uri: p.uri, headers: h, body: p.body });
    } catch (err) {
      const e = new UpstreamError(
        'UPSTREAM_PROTOCOL',
        `cannot send ${p.method}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
      this.finish(p, undefined, e);
      return;
    }
    const timeoutMs = p.opts.timeoutMs ?? this.opts.requestTimeoutMs;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.finish(
        p,
        undefined,
        new UpstreamError(
          'UPSTREAM_TIMEOUT',
          `${p.method} ${p.uri}: no answer within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    this.socket.write(bytes);
  }

  private finish(p: Pending, res: RtspResponse | undefined, err?: Error): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (this.inFlight === p) this.inFlight = undefined;
    if (err) p.reject(err);
    else if (res) p.resolve(res);
    this.pump();
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    let messages;
    try {
      messages = this.parser.push(chunk);
    } catch (err) {
      this.shutdown(
        new UpstreamError(
          'UPSTREAM_PROTOCOL',
          `unreadable data from origin: ${(err as Error).message}`,
          {
            cause: err,
          },
        ),
      );
      return;
    }
    for (const msg of messages) {
      if (this.isClosed) return;
      if (msg.kind === 'frame') this.emit('frame', msg.channel, msg.payload);
      else if (msg.kind === 'response') this.onResponse(msg);
      else this.onServerRequest(msg);
    }
  }

  private onResponse(res: RtspResponse): void {
    const p = this.inFlight;
    if (!p) return; // late answer to a request that timed out
    const cseqText = res.headers.get('CSeq');
    if (cseqText !== undefined) {
      let cseq: number | undefined;
      try {
        cseq = parseCSeq(cseqText);
      } catch {
        cseq = undefined;
      }
      if (cseq !== undefined && cseq !== p.cseq) return; // stale (timed-out request's answer)
    }
    const session = res.headers.get('Session');
    if (session !== undefined && res.status >= 200 && res.status < 300) {
      try {
        // liberal, as for every answer: a malformed timeout must not lose the session id
        const s = parseSession(session, []);
        this.sessionId = s.id;
        if (s.timeout !== undefined) this.sessionTimeout = s.timeout;
      } catch {
        // keep the old one; the leg checks the SETUP answer itself
      }
    }
    if (res.status === 401) {
      this.onUnauthorized(p, res);
      return;
    }
    this.finish(p, res);
  }

  private onUnauthorized(p: Pending, res: RtspResponse): void {
    const err = this.auth.onUnauthorized(p.method, p.uri, res, p.authRetried);
    if (err) {
      this.finish(p, undefined, err);
      return;
    }
    p.authRetried = true;
    p.headers.delete('Authorization');
    this.send(p);
  }

  private onServerRequest(req: RtspRequest): void {
    this.emit('request', req);
    const headers = new RtspHeaders();
    const cseq = req.headers.get('CSeq');
    if (cseq !== undefined) headers.set('CSeq', cseq);
    const session = req.headers.get('Session');
    if (session !== undefined) headers.set('Session', session);
    const method = req.method.toUpperCase();
    const ok = ANSWERED_METHODS.has(method);
    if (ok && method === 'OPTIONS') headers.set('Public', 'OPTIONS, GET_PARAMETER');
    headers.set('User-Agent', this.opts.userAgent);
    this.socket.write(serializeResponse({ status: ok ? 200 : 501, headers }));
  }

  private shutdown(reason: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closedReason = reason;
    this.socket.destroy();
    const pending = this.inFlight ? [this.inFlight, ...this.queue] : [...this.queue];
    this.inFlight = undefined;
    this.queue.length = 0;
    for (const p of pending) {
      clearTimeout(p.timer);
      const why = reason ? `: ${reason.message}` : '';
      const err = new UpstreamError(
        'UPSTREAM_CLOSED',
        `${p.method} ${p.uri}: connection closed${why}`,
        {
          cause: reason,
        },
      );
      p.reject(err);
    }
    this.emit('close', reason);
  }
}
