/**
 * The control channel of a leg: its RTSP client connection (replaceable, for a transport
 * switch), requests whose failures are typed and logged (`upstream.error`), best-effort
 * TEARDOWN, and the one 'lost' event when the origin drops the connection.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import { UpstreamError, isSeamdError } from '../errors.js';
import type { RtspResponse } from '../protocol/rtsp/message.js';
import { RtspClientConnection, type SocketFactory } from './rtsp-client.js';
import { asError, isOk, statusError } from './leg-rtsp.js';
import type { Credentials } from './url.js';

export interface LegControlOptions {
  id: string;
  url: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  userAgent: string;
  credentials?: Credentials;
  socketFactory?: SocketFactory;
  log: Logger;
}

export interface LegControlEvents {
  frame: [channel: number, payload: Buffer];
  /** The origin closed the connection (or it failed); not emitted for drop(). */
  lost: [reason: UpstreamError];
}

export class LegControl extends EventEmitter<LegControlEvents> {
  private readonly opts: LegControlOptions;
  private readonly log: Logger;
  private client: RtspClientConnection | undefined;

  constructor(opts: LegControlOptions) {
    super();
    this.opts = opts;
    this.log = opts.log;
  }

  get connected(): boolean {
    return this.client !== undefined && !this.client.closed;
  }

  /** The origin's address (media must come from it). */
  get remoteAddress(): string | undefined {
    return this.client?.remoteAddress;
  }

  get remoteFamily(): 'IPv4' | 'IPv6' {
    return this.client?.remoteFamily ?? 'IPv4';
  }

  /** The session id the connection learnt from SETUP, if any. */
  get sessionId(): string | undefined {
    return this.client?.sessionId;
  }

  /** Opens a new connection (dropping the current one). Errors are typed and logged. */
  async connect(): Promise<void> {
    this.drop();
    const o = this.opts;
    let client: RtspClientConnection;
    try {
      client = await RtspClientConnection.connect(o.url, {
        connectTimeoutMs: o.connectTimeoutMs,
        requestTimeoutMs: o.requestTimeoutMs,
        userAgent: o.userAgent,
        ...(o.credentials ? { credentials: o.credentials } : {}),
        ...(o.socketFactory ? { socketFactory: o.socketFactory } : {}),
      });
    } catch (err) {
      throw this.logged(asError(err), 'CONNECT');
    }
    this.client = client;
    client.on('frame', (channel, payload) => this.emit('frame', channel, payload));
    client.on('request', (req) => {
      const level = req.method.toUpperCase() === 'REDIRECT' ? 'warn' : 'debug';
      const fields = { leg: this.opts.id, method: req.method };
      logEvent(this.log, level, 'leg.server_request', fields, 'origin sent a request');
    });
    client.on('close', (reason) => {
      if (this.client !== client) return;
      this.client = undefined;
      const err = isSeamdError(reason)
        ? new UpstreamError('UPSTREAM_CLOSED', reason.message, { cause: reason })
        : new UpstreamError('UPSTREAM_CLOSED', 'origin closed the control connection');
      this.emit('lost', this.logged(err, 'CONNECTION'));
    });
  }

  /** Closes the connection without emitting 'lost'. */
  drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners('close');
    client?.close();
  }

  logged<E extends Error>(err: E, method: string): E {
    logEvent(
      this.log,
      'warn',
      'upstream.error',
      {
        leg: this.opts.id,
        code: isSeamdError(err) ? err.code : undefined,
        status: err instanceof UpstreamError ? err.status : undefined,
        method,
        message: err.message,
      },
      'upstream error',
    );
    return err;
  }

  /** One request; a non-2xx answer becomes an error (logged) unless anyStatus. */
  async call(
    method: string,
    uri: string,
    headers: Record<string, string> = {},
    anyStatus = false,
  ): Promise<RtspResponse> {
    const client = this.client;
    if (!client) {
      const err = new UpstreamError(
        'UPSTREAM_CLOSED',
        `${method}: leg ${this.opts.id} not connected`,
      );
      throw this.logged(err, method);
    }
    let res: RtspResponse;
    try {
      res = await client.request(method, uri, headers);
    } catch (err) {
      throw this.logged(asError(err), method);
    }
    if (!anyStatus && !isOk(res)) throw this.logged(statusError(method, uri, res), method);
    return res;
  }

  /** TEARDOWN each URI with a short timeout when a session exists; errors only logged (debug). */
  async teardown(uris: string[], timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client || client.closed || client.sessionId === undefined) return;
    try {
      for (const uri of uris) await client.request('TEARDOWN', uri, {}, undefined, { timeoutMs });
    } catch (err) {
      const fields = { leg: this.opts.id, err: asError(err).message };
      logEvent(this.log, 'debug', 'leg.teardown_failed', fields, 'TEARDOWN failed');
    }
  }

  sendFrame(channel: number, payload: Buffer): boolean {
    return this.client?.sendFrame(channel, payload) ?? false;
  }
}
