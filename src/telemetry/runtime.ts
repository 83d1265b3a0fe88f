/**
 * Telemetry's hooks into the running daemon (daemon.ts calls these): upstream health from each
 * leg's first packet or failure, and the operators' HTTP listener serving the console,
 * /metrics and the JSON APIs from the telemetry engine.
 */
import type { Logger } from 'pino';
import type { Telemetry } from './engine.js';
import { HttpAccess, type HttpAccessConfig } from './access.js';
import { consoleFiles } from './console-files.js';
import { historyDocument, historyRequest } from './history-api.js';
import { OperatorHttp } from './http.js';
import { archiveAnswer, type ArchiveFeed } from './archive-api.js';
import type { RecordingRow } from './recordings-view.js';
import { Timeline } from './timeline.js';
import { TelemetryMetrics } from './metrics.js';
import { processFacts } from './process-facts.js';
import { buildStatus, type StatusDocument } from './status.js';
import { cidrContains, parseCidr } from './netprefix.js';

/** What telemetry watches of an upstream leg (src/upstream/leg.ts). */
export interface ObservedLeg {
  readonly url: string;
  once(name: 'rtp', fn: () => void): unknown;
  once(name: 'closed', fn: (reason: Error | undefined) => void): unknown;
}

/** A leg that delivers media marks its origin up; one that ends with an error, failing. */
export function observeLeg(telemetry: Telemetry, leg: ObservedLeg): void {
  leg.once('rtp', () => telemetry.noteUpstream(leg.url, true));
  leg.once('closed', (reason) => {
    if (reason) telemetry.noteUpstream(leg.url, false);
  });
}

export interface OperatorEndpoint {
  readonly address: { host: string; port: number };
  stop(): Promise<void>;
}

/**
 * /api/status as JSON text, built once per telemetry tick (per form: indented for people,
 * `?compact` for the console), however many consoles ask.
 */
class StatusCache {
  private snapshot: unknown;
  private doc: StatusDocument | undefined;
  private readonly texts = new Map<boolean, string>();

  constructor(
    private readonly telemetry: Telemetry,
    private readonly now: () => number,
  ) {}

  /** `viewers`: keep only viewers whose address starts with it (or lies in it, a CIDR). */
  json(compact: boolean, viewers: string | null): string {
    if (this.snapshot !== this.telemetry.snapshot || !this.doc) {
      this.snapshot = this.telemetry.snapshot;
      this.doc = { ...buildStatus(this.telemetry, this.now()), process: processFacts() };
      this.texts.clear();
    }
    const doc = this.doc;
    const indent = compact ? 0 : 2;
    if (viewers !== null) {
      const match = addressFilter(viewers);
      const sources = doc.sources.map((s) => ({
        ...s,
        viewers: s.viewers.filter((v) => match(v.address)),
      }));
      return `${JSON.stringify({ ...doc, sources }, null, indent)}\n`;
    }
    let text = this.texts.get(compact);
    if (text === undefined) {
      text = `${JSON.stringify(doc, null, indent)}\n`;
      this.texts.set(compact, text);
    }
    return text;
  }
}

/** `10.1.2.3`, a text prefix (`10.1.`) or a CIDR (`10.1.0.0/16`); empty matches nothing. */
export function addressFilter(query: string): (address: string) => boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return () => false;
  const cidr = q.includes('/') ? parseCidr(q) : undefined;
  if (cidr) return (a) => cidrContains(cidr, a);
  return (a) =>
    a
      .toLowerCase()
      .replace(/^::ffff:/, '')
      .startsWith(q);
}

export interface OperatorHttpOptions {
  readonly listen: { host: string; port: number };
  readonly access: HttpAccessConfig;
  /** Rows for /api/recordings (none without recordings). */
  readonly recordings?: () => RecordingRow[];
  /** The live archives for /api/archive and the archive metrics (none without archives). */
  readonly archive?: ArchiveFeed;
  readonly now?: () => number;
}

/**
 * Serves the console, /metrics and the APIs on `listen` (listen.http): /api/status,
 * /api/history (telemetry's history store), /api/events (the decisions timeline, following
 * `log`), /api/recordings, /api/archive.
 */
export async function startOperatorHttp(
  telemetry: Telemetry,
  opts: OperatorHttpOptions,
  log: Logger,
): Promise<OperatorEndpoint> {
  const now = opts.now ?? Date.now;
  const feed = opts.archive;
  const metrics = new TelemetryMetrics(
    telemetry,
    feed ? () => feed.describe().map((a) => a.description) : undefined,
  );
  const timeline = new Timeline(500, now);
  const status = new StatusCache(telemetry, now);
  const unfollow = timeline.follow(log);
  const http = new OperatorHttp(
    {
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
      status: () => ({ ...buildStatus(telemetry, now()), process: processFacts() }),
      apis: {
        '/api/status': (params) => ({
          ok: true,
          json: status.json(params.has('compact'), params.get('viewers')),
        }),
        '/api/history': (params) => {
          const sec = now() / 1000;
          const req = historyRequest(params, sec);
          return req.ok
            ? { ok: true, body: historyDocument(telemetry.history, req.query, sec) }
            : req;
        },
        '/api/events': (params) => {
          const after = Number(params.get('after') ?? '0');
          if (!Number.isInteger(after)) return { ok: false, message: 'after is an integer' };
          return { ok: true, body: { events: timeline.after(after) } };
        },
        '/api/recordings': () => ({ ok: true, body: { recordings: opts.recordings?.() ?? [] } }),
        '/api/archive': (params) => archiveAnswer(feed, params, now()),
      },
      files: consoleFiles(),
    },
    log,
    new HttpAccess(opts.access, now),
  );
  let address: { host: string; port: number };
  try {
    address = await http.start(opts.listen.host, opts.listen.port);
  } catch (err) {
    unfollow();
    throw err;
  }
  return {
    address,
    stop: async () => {
      unfollow();
      await http.stop();
    },
  };
}
