/**
 * One player's RTSP connection: bytes in, parsed requests handled one at a time in order,
 * responses and interleaved media out. Malformed framing gets a 4xx and the connection is
 * closed (the byte stream cannot be trusted past it); the daemon lives on.
 *
 * Two timers keep a connection from holding a slot for nothing: a request (or interleaved frame)
 * begun must be complete within the request timeout (else 408 and close), and a connection with
 * no session and no request in progress is closed after the idle timeout.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ProtocolError, RTSP_STATUS } from '../errors.js';
import { logEvent } from '../events.js';
import { RtspHeaders, type RtspLimits, type RtspRequest } from '../protocol/rtsp/message.js';
import { RtspParseError, RtspParser } from '../protocol/rtsp/parser.js';
import { serializeResponse } from '../protocol/rtsp/serialize.js';
import type { MediaSource } from '../source/media-source.js';
import type { Clock } from './clock.js';
import type { Resolution } from './resolve.js';
import type { ViewerOutput, ViewerSession } from './viewer.js';

/** Free text explaining a refusal; it may quote the request, so it is escaped when written. */
const REASON_HEADER = 'X-Seamd-Reason';

/** Control characters as `\xNN`: a header value cannot carry them (nor smuggle a line break). */
function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x08\x0a-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** A TCP viewer slower than this many bytes of backlog loses packets instead of growing memory. */
export const MAX_TCP_BACKLOG_BYTES = 4 * 1024 * 1024;

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Runs right after the response is written (PLAY starts media here). */
  after?: () => void;
  /** Close the connection after this response. */
  close?: boolean;
}

export interface ConnectionHooks {
  readonly log: Logger;
  readonly limits: RtspLimits;
  readonly serverHeader: string;
  /** Timers for the timeouts (tests inject a fake clock). */
  readonly clock: Clock;
  /** A request begun (its first byte received) must be complete within this. */
  readonly requestTimeoutMs: number;
  /** A connection with no session and nothing in progress is closed after this. */
  readonly idleTimeoutMs: number;
  handle(conn: ViewerConnection, req: RtspRequest): Promise<Reply>;
  sendUdpRtp(payload: Buffer, port: number, address: string): void;
  sendUdpRtcp(payload: Buffer, port: number, address: string): void;
  onInterleaved(conn: ViewerConnection, channel: number, payload: Buffer): void;
  onClose(conn: ViewerConnection): void;
}

export interface Described {
  readonly source: MediaSource;
  readonly resolution: Extract<Resolution, { ok: true }>;
}

let nextConnectionId = 1;

export class ViewerConnection implements ViewerOutput {
  readonly id = `c${nextConnectionId++}`;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  /** Presentations this connection has DESCRIBEd, by viewer base URL; each holds its source. */
  readonly described = new Map<string, Described>();
  /** Sessions bound to this connection (RFC: ids are not valid on other connections here). */
  readonly sessions = new Map<string, ViewerSession>();
  private readonly parser: RtspParser;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Requests received and not yet answered. */
  private inFlight = 0;
  private requestTimer: unknown;
  private idleTimer: unknown;
  /** After a graceful close: the socket is destroyed if the peer has not closed by then. */
  private destroyTimer: unknown;
  framesDropped = 0;

  constructor(
    private readonly socket: Socket,
    private readonly hooks: ConnectionHooks,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = socket.localAddress ?? '';
    this.parser = new RtspParser(hooks.limits);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => {
      if (this.destroyTimer !== undefined) this.hooks.clock.clearTimeout(this.destroyTimer);
      this.destroyTimer = undefined;
      this.close();
    });
    this.refreshIdle();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves once every request received so far is answered (tests, fuzzing). */
  settled(): Promise<void> {
    return this.chain;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.stopIdleTimer();
    let messages;
    let failure: unknown;
    try {
      messages = this.parser.push(chunk);
    } catch (err) {
      // Requests completed ahead of the bad bytes are still answered, in order.
      messages = err instanceof RtspParseError ? err.messages : [];
      failure = err;
    }
    for (const msg of messages) {
      if (msg.kind === 'frame') {
        this.hooks.onInterleaved(this, msg.channel, msg.payload);
      } else if (msg.kind === 'request') {
        this.inFlight++;
        this.chain = this.chain.then(() => this.process(msg));
      }
      // Responses: seamd sends players no requests, so there is nothing to match them to.
    }
    if (failure !== undefined) {
      this.stopRequestTimer();
      this.rejectMalformed(failure);
      return;
    }
    if (this.parser.buffered === 0) this.stopRequestTimer();
    else if (this.requestTimer === undefined) {
      // Measured from the first byte of the unit, not reset by progress: a peer trickling a
      // byte now and then must not hold the slot either.
      this.requestTimer = this.hooks.clock.setTimeout(
        () => this.timedOut('header'),
        this.hooks.requestTimeoutMs,
      );
    }
    this.refreshIdle();
  }

  /**
   * (Re)arms the idle timer when the connection has no session, no request in progress and no
   * partial request buffered; stops it otherwise. The front end calls it when a session ends.
   */
  refreshIdle(): void {
    if (this.closed) return;
    const idle = this.sessions.size === 0 && this.inFlight === 0 && this.parser.buffered === 0;
    if (!idle) this.stopIdleTimer();
    else if (this.idleTimer === undefined) {
      this.idleTimer = this.hooks.clock.setTimeout(
        () => this.timedOut('idle'),
        this.hooks.idleTimeoutMs,
      );
    }
  }

  private stopIdleTimer(): void {
    if (this.idleTimer === undefined) return;
    this.hooks.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private stopRequestTimer(): void {
    if (this.requestTimer === undefined) return;
    this.hooks.clock.clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
  }

  private timedOut(reason: 'header' | 'idle'): void {
    if (reason === 'header') this.requestTimer = undefined;
    else this.idleTimer = undefined;
    if (this.closed) return;
    const ms = reason === 'header' ? this.hooks.requestTimeoutMs : this.hooks.idleTimeoutMs;
    logEvent(
      this.hooks.log,
      'info',
      'conn.timeout',
      {
        conn: this.id,
        remote: this.remoteAddress,
        port: this.remotePort,
        reason,
        seconds: ms / 1000,
        buffered: this.parser.buffered,
      },
      reason === 'header' ? 'request not completed in time' : 'idle connection closed',
    );
    if (reason === 'header') this.write(408, new RtspHeaders(), undefined);
    this.close(true);
  }

  private rejectMalformed(err: unknown): void {
    const code = err instanceof ProtocolError ? err.code : 'RTSP_BAD_START_LINE';
    const status = RTSP_STATUS[code];
    const cseq = err instanceof RtspParseError ? err.cseq : undefined;
    logEvent(
      this.hooks.log,
      'warn',
      'request.bad',
      {
        conn: this.id,
        remote: this.remoteAddress,
        code,
        status,
        reason: err instanceof Error ? err.message : String(err),
      },
      'malformed request',
    );
    // Answer after anything already queued, then close: the stream is out of sync.
    this.chain = this.chain.then(() => {
      const headers = new RtspHeaders();
      if (cseq !== undefined && /^\d{1,10}$/.test(cseq)) headers.set('CSeq', cseq);
      this.write(status, headers, undefined);
      // Graceful (the answer is flushed) but not held open for a peer that never closes.
      this.close(true);
    });
  }

  private async process(req: RtspRequest): Promise<void> {
    try {
      await this.answer(req);
    } catch (err) {
      // The answer could not be written (a bug): the player's exchange is out of step, so the
      // connection ends; the requests queued behind it, and the daemon, carry on.
      const fields = { conn: this.id, method: req.method, err };
      logEvent(this.hooks.log, 'error', 'request.error', fields, 'answer could not be written');
      this.close();
    } finally {
      this.inFlight--;
      this.refreshIdle();
    }
  }

  private async answer(req: RtspRequest): Promise<void> {
    if (this.closed) return;
    let reply: Reply;
    try {
      reply = await this.hooks.handle(this, req);
    } catch (err) {
      const fields = { conn: this.id, method: req.method, err };
      logEvent(this.hooks.log, 'error', 'request.error', fields, 'request handler failed');
      reply = { status: 500 };
    }
    if (this.closed) return;
    const headers = new RtspHeaders();
    const cseq = req.headers.get('CSeq');
    if (cseq !== undefined) headers.set('CSeq', cseq.trim());
    for (const [k, v] of Object.entries(reply.headers ?? {})) {
      headers.set(k, k === REASON_HEADER ? printable(v) : v);
    }
    this.write(reply.status, headers, reply.body);
    reply.after?.();
    if (reply.close) this.close(true);
  }

  private write(status: number, headers: RtspHeaders, body: Buffer | undefined): void {
    headers.set('Server', this.hooks.serverHeader);
    headers.set('Date', new Date(this.hooks.clock.now()).toUTCString());
    const bytes = serializeResponse(body ? { status, headers, body } : { status, headers });
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  tcpBacklog(): number {
    return this.socket.writableLength;
  }

  sendFrame(channel: number, payload: Buffer): boolean {
    if (this.closed || this.socket.writableLength > MAX_TCP_BACKLOG_BYTES) {
      this.framesDropped++;
      return false;
    }
    const header = Buffer.allocUnsafe(4);
    header[0] = 0x24;
    header[1] = channel;
    header.writeUInt16BE(payload.length, 2);
    this.socket.cork();
    this.socket.write(header);
    this.socket.write(payload);
    this.socket.uncork();
    return true;
  }

  sendUdpRtp(payload: Buffer, port: number, address: string): void {
    this.hooks.sendUdpRtp(payload, port, address);
  }

  sendUdpRtcp(payload: Buffer, port: number, address: string): void {
    this.hooks.sendUdpRtcp(payload, port, address);
  }

  /** Closes the connection; `graceful` lets bytes already written (a BYE) reach the player. */
  close(graceful = false): void {
    if (this.closed) return;
    this.closed = true;
    this.stopRequestTimer();
    this.stopIdleTimer();
    if (graceful && !this.socket.destroyed) {
      this.socket.end();
      this.destroyTimer = this.hooks.clock.setTimeout(() => {
        this.destroyTimer = undefined;
        this.socket.destroy();
      }, 1000);
    } else {
      this.socket.destroy();
    }
    this.hooks.onClose(this);
  }
}
