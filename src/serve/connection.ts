/**
 * One player's RTSP connection: bytes in, parsed requests handled one at a time in order,
 * responses and interleaved media out. Malformed framing gets a 4xx and the connection is
 * closed (the byte stream cannot be trusted past it); the daemon lives on.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ProtocolError } from '../errors.js';
import { RtspHeaders, type RtspLimits, type RtspRequest } from '../protocol/rtsp/message.js';
import { RtspParseError, RtspParser } from '../protocol/rtsp/parser.js';
import { serializeResponse } from '../protocol/rtsp/serialize.js';
import type { MediaSource } from '../source/media-source.js';
import type { Resolution } from './resolve.js';
import type { ViewerOutput, ViewerSession } from './viewer.js';

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
    socket.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
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
        this.chain = this.chain.then(() => this.process(msg));
      }
      // Responses: seamd sends players no requests, so there is nothing to match them to.
    }
    if (failure !== undefined) this.rejectMalformed(failure);
  }

  private rejectMalformed(err: unknown): void {
    const code = err instanceof ProtocolError ? err.code : 'RTSP_BAD_START_LINE';
    const status = code === 'RTSP_BAD_VERSION' ? 505 : code === 'RTSP_BODY_TOO_LARGE' ? 413 : 400;
    const cseq = err instanceof RtspParseError ? err.cseq : undefined;
    this.hooks.log.warn(
      {
        event: 'request.bad',
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
      this.socket.end();
    });
  }

  private async process(req: RtspRequest): Promise<void> {
    if (this.closed) return;
    let reply: Reply;
    try {
      reply = await this.hooks.handle(this, req);
    } catch (err) {
      this.hooks.log.error(
        { event: 'request.error', conn: this.id, method: req.method, err },
        'request handler failed',
      );
      reply = { status: 500 };
    }
    if (this.closed) return;
    const headers = new RtspHeaders();
    const cseq = req.headers.get('CSeq');
    if (cseq !== undefined) headers.set('CSeq', cseq.trim());
    for (const [k, v] of Object.entries(reply.headers ?? {})) headers.set(k, v);
    this.write(reply.status, headers, reply.body);
    reply.after?.();
    if (reply.close) this.socket.end();
  }

  private write(status: number, headers: RtspHeaders, body: Buffer | undefined): void {
    headers.set('Server', this.hooks.serverHeader);
    headers.set('Date', new Date().toUTCString());
    const bytes = serializeResponse(body ? { status, headers, body } : { status, headers });
    if (!this.socket.destroyed) this.socket.write(bytes);
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
    if (graceful && !this.socket.destroyed) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
    this.hooks.onClose(this);
  }
}
