/**
 * The operators' HTTP listener (`listen.http`), read-only: the console (`/`, `/console/*`,
 * `/vendor/*`), `GET /metrics` (Prometheus text) and the JSON APIs `/api/status`,
 * `/api/history`, `/api/events`, `/api/recordings` and `/api/archive`. Every request is checked against the
 * access rules first (401 with a Basic challenge). Then: 404 for an unknown path, 405 (with
 * `Allow: GET`) for another method on a known one. Every answer carries a Content-Security-Policy
 * allowing only this origin's scripts and styles (no inline script); APIs are `no-store`, static
 * files `no-cache` with an ETag (304 when it matches).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import { HttpAccess } from './access.js';
import type { StaticFile } from './console-files.js';

/** A JSON API answer: 200 with the body (or its JSON text), or 400 with a message. */
export type ApiAnswer =
  | { ok: true; body: unknown }
  /** Already serialized (cached by the route). */
  | { ok: true; json: string }
  | { ok: false; message: string };

export interface HttpRoutes {
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): unknown;
  /** The other APIs by path (`/api/history` …), given the query string. */
  readonly apis?: Readonly<
    Record<string, (params: URLSearchParams) => ApiAnswer | Promise<ApiAnswer>>
  >;
  /** Static files by URL path. */
  readonly files?: ReadonlyMap<string, StaticFile>;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export class OperatorHttp {
  private server: Server | undefined;
  private readonly access: HttpAccess;

  constructor(
    private readonly routes: HttpRoutes,
    private readonly log: Logger,
    access?: HttpAccess,
  ) {
    this.access = access ?? new HttpAccess({ token: null, users: [] });
  }

  /** Binds; resolves with the address actually bound. */
  async start(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        logEvent(this.log, 'error', 'http.error', { url: req.url, err }, 'status request failed');
        if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const bound = { host, port: typeof addr === 'object' && addr ? addr.port : port };
    logEvent(
      this.log,
      'info',
      'http.listen',
      {
        host: bound.host,
        port: bound.port,
        paths: ['/', '/metrics', '/api/status', ...Object.keys(this.routes.apis ?? {})],
        protected: this.access.protected,
      },
      `operators' HTTP listening on ${bound.host}:${bound.port}`,
    );
    return bound;
  }

  private known(path: string): boolean {
    return (
      path === '/metrics' ||
      path === '/api/status' ||
      this.routes.apis?.[path] !== undefined ||
      this.routes.files?.has(path) === true
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://seamd');
    const path = url.pathname;
    if (!this.access.allows(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="seamd", charset="UTF-8"');
      send(res, 401, 'text/plain', 'unauthorized: the token or a user and password is required\n');
      return;
    }
    if (!this.known(path)) {
      send(res, 404, 'text/plain', 'not found: try /, /metrics or /api/status\n');
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      send(res, 405, 'text/plain', 'method not allowed\n');
      return;
    }
    const file = this.routes.files?.get(path);
    if (file) {
      sendFile(req, res, file);
      return;
    }
    if (path === '/metrics') {
      const m = await this.routes.metrics();
      send(res, 200, m.contentType, m.body);
      return;
    }
    const api = this.routes.apis?.[path];
    const answer: ApiAnswer = api
      ? await api(url.searchParams)
      : { ok: true, json: `${JSON.stringify(this.routes.status(), null, 2)}\n` };
    if (!answer.ok) send(res, 400, 'text/plain', `${answer.message}\n`);
    else
      send(
        res,
        200,
        'application/json',
        'json' in answer ? answer.json : JSON.stringify(answer.body),
      );
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
  const headers = { ...SECURITY_HEADERS, 'Cache-Control': 'no-cache', ETag: file.etag };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': file.type,
    'Content-Length': file.body.length,
  });
  res.end(file.body);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Cache-Control': 'no-store',
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
