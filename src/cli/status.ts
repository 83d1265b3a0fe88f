/**
 * `seamd status [--config FILE] [--json] [--url URL]`: asks a running seamd's operators' HTTP
 * listener for /api/status and prints it as a table (or the JSON as is). The URL comes from
 * --url, else from the config's listen.http (a wildcard bind address is asked on loopback).
 * Exit 2 when neither names a listener, 1 when it cannot be reached or answers nonsense.
 */
import type { Command } from 'commander';
import type { Config } from '../daemon/config-schema.js';
import { EXIT_FAILURE, EXIT_USAGE } from './exit.js';
import { formatStatus } from './status-format.js';
import type { StatusDocument } from '../telemetry/status.js';

const FETCH_TIMEOUT_MS = 5000;

export interface StatusCommandContext {
  stdout: (text: string) => void;
  readConfig: (path: string | undefined) => Config;
  fail: (code: number, message: string) => Error;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** http://host:port/api/status for a listen.http value (0.0.0.0 / :: → loopback). */
export function statusUrlFor(listen: { host: string; port: number }): string {
  const host =
    listen.host === '0.0.0.0' || listen.host === ''
      ? '127.0.0.1'
      : listen.host === '::'
        ? '::1'
        : listen.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}/api/status`;
}

export function registerStatus(program: Command, ctx: StatusCommandContext): void {
  program
    .command('status')
    .summary("a running seamd's sources, legs, viewers and decisions")
    .description(
      'Ask a running seamd (its listen.http listener) for /api/status and print sources, legs, ' +
        'viewers (loss, jitter, RTT from their receiver reports), origins, viewer networks and ' +
        'the telemetry decisions in force.',
    )
    .option('-c, --config <file>', 'config file whose listen.http (and http.token) to use')
    .option('--json', 'print the JSON document as served')
    .option('--url <url>', 'status URL (default: from listen.http)')
    .action(async (opts: { config?: string; json?: boolean; url?: string }) => {
      let url = opts.url;
      const headers: Record<string, string> = {};
      const token =
        opts.config !== undefined || url === undefined
          ? ctx.readConfig(opts.config).http.token
          : null;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      if (url === undefined) {
        const listen = ctx.readConfig(opts.config).listen.http;
        if (!listen) throw ctx.fail(EXIT_USAGE, 'seamd status: listen.http is not set; give --url');
        url = statusUrlFor(listen);
      } else if (!/^https?:\/\//.test(url)) {
        throw ctx.fail(EXIT_USAGE, `seamd status: --url must be an http:// URL (got ${url})`);
      }
      const doFetch = ctx.fetch ?? fetch;
      let text: string;
      try {
        const res = await doFetch(url, {
          headers,
          signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        });
        text = await res.text();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw ctx.fail(EXIT_FAILURE, `seamd status: cannot get ${url}: ${reason}`);
      }
      let doc: StatusDocument;
      try {
        doc = JSON.parse(text) as StatusDocument;
        if (!Array.isArray(doc.sources)) throw new Error('no sources list');
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw ctx.fail(
          EXIT_FAILURE,
          `seamd status: ${url} did not answer a status document: ${reason}`,
        );
      }
      ctx.stdout(opts.json ? `${JSON.stringify(doc, null, 2)}\n` : formatStatus(doc));
    });
}
