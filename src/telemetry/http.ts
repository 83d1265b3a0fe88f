/**
 * The operators' HTTP listener (`listen.http`): `GET /metrics` (Prometheus text) and
 * `GET /api/status` (JSON). Anything else: 404 for an unknown path, 405 (with `Allow: GET`)
 * for another method on a known one. Query strings are ignored.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { logEvent } from '../events.js';

export interface HttpRoutes {
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): unknown;
}

export class OperatorHttp {
  private server: Server | undefined;

  constructor(
    private readonly routes: HttpRoutes,
    private readonly log: Logger,
  ) {}

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
      { host: bound.host, port: bound.port, paths: ['/metrics', '/api/status'] },
      `operators' HTTP listening on ${bound.host}:${bound.port}`,
    );
    return bound;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/api/status') {
      send(res, 404, 'text/plain', 'not found: try /metrics or /api/status\n');
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      send(res, 405, 'text/plain', 'method not allowed\n');
      return;
    }
    if (path === '/metrics') {
      const m = await this.routes.metrics();
      send(res, 200, m.contentType, m.body);
    } else {
      send(res, 200, 'application/json', `${JSON.stringify(this.routes.status(), null, 2)}\n`);
    }
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

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
