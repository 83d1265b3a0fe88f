/**
 * The config schema (zod) and the parsed types. Values come out in convenient forms: listen
 * addresses as `{ host, port }`, allowlist entries parsed, per-path upstream settings filled in
 * from the global ones. Error text for custom checks is written here; generic zod issues are
 * worded by config.ts, which also adds the file name, key path and line.
 */
import { z } from 'zod';
import { ARCHIVE_KEYS, pathArchive, type ArchiveConfig } from '../source/archive-config.js';
import * as spans from '../source/clip-config.js';
import type { Credentials } from '../upstream/url.js';
import type { FrontLimits } from '../serve/front.js';
import { pathSeam, seamFields, seamProblems, seamShape, type SeamConfig } from '../seam/config.js';
import { parseAllowEntry, type AllowEntry } from '../serve/allowlist.js';
import { parseSelfName, type SelfName } from '../serve/self.js';
import {
  ruleSchema,
  RULE_KEYS,
  RULE_MATCH_KEYS,
  rulesProblems,
  telemetryShape,
  type TelemetryConfig,
} from '../telemetry/config.js';
import { accessProblem, httpAccessShape, type HttpAccessConfig } from '../telemetry/access.js';
import type { RuleConfig } from '../telemetry/rules.js';
import { repairProblems, repairShape, type RepairConfig } from '../repair/config.js';
import { parseSize } from './size.js';

export type { AllowEntry } from '../serve/allowlist.js';
export type { SeamConfig } from '../seam/config.js';
export type { TelemetryConfig } from '../telemetry/config.js';
export type { RuleConfig } from '../telemetry/rules.js';
export type { RepairConfig } from '../repair/config.js';
export { parseSize } from './size.js';

export interface HostPort {
  /** Bind address without brackets (`0.0.0.0`, `::`, `127.0.0.1`, `localhost`). */
  readonly host: string;
  /** 0 = let the OS pick. */
  readonly port: number;
}

export const UPSTREAM_TRANSPORTS = ['udp', 'tcp', 'auto'] as const;
export type UpstreamTransport = (typeof UPSTREAM_TRANSPORTS)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface PathConfig {
  /** rtsp:// URL of the origin, as written. */
  readonly origin: string;
  /** Other rtsp:// URLs serving the same content. */
  readonly mirrors: readonly string[];
  /** Filled from the global `upstream` section where the path does not override it. */
  readonly upstream: { readonly transport: UpstreamTransport };
  /** The global `seam` section with this path's overrides applied. */
  readonly seam: SeamConfig;
  /** `serve.fastStart` unless the path overrides it. */
  readonly fastStart: boolean;
  /** Around-the-clock archive of this (live) path; absent = none. */
  readonly archive?: ArchiveConfig | undefined;
}

export type { Credentials } from '../upstream/url.js';

export interface Config {
  readonly listen: {
    readonly rtsp: HostPort;
    /** Even port: RTP on `port`, RTCP on `port + 1`; 0 = any free even pair. */
    readonly rtp: HostPort;
    readonly http: HostPort | null;
    /** Other names and addresses players use for seamd (`host` = any port, `host:port`). */
    readonly names: readonly SelfName[];
  };
  /** Who may read listen.http (required off loopback). */
  readonly http: HttpAccessConfig;
  /** Path name (`[A-Za-z0-9._-]+`) → mapping. */
  readonly paths: Readonly<Record<string, PathConfig>>;
  readonly transparent: { readonly allow: readonly AllowEntry[] };
  /** As written; a relative dir is relative to the daemon's working directory. */
  readonly recordings: {
    readonly dir: string;
    readonly enabled: boolean;
    readonly live: boolean;
    /** Bytes; 0 = no quota. */
    readonly quota: number;
    readonly revalidate: boolean;
    readonly revalidateTimeoutMs: number;
  };
  readonly serve: {
    readonly minCompleteness: number;
    readonly fastStart: boolean;
    readonly fastStartGops: number;
    /** Bytes. */
    readonly fastStartMaxBytes: number;
    readonly fastStartMaxPackets: number;
  };
  readonly upstream: {
    readonly transport: UpstreamTransport;
    readonly udpTimeoutMs: number;
    readonly requestTimeoutMs: number;
    readonly userAgent: string;
    /** Lower-cased `host` or `host:port` → credentials, used when a URL carries none. */
    readonly credentials: Readonly<Record<string, Credentials>>;
  };
  readonly limits: FrontLimits;
  readonly seam: SeamConfig;
  /** Viewer reports, aggregation windows, metric label bounds (src/telemetry/). */
  readonly telemetry: TelemetryConfig;
  /** Ordered decision rules, first match wins (empty = the built-in default-mirror rule). */
  readonly rules: readonly RuleConfig[];
  /** Re-fetching recordings' missing spans (src/repair/). */
  readonly repair: RepairConfig;
  readonly log: { readonly level: LogLevel; readonly pretty: boolean | 'auto' };
  /** Named spans of archived paths (source/clip-config.ts). */
  readonly clips: Readonly<Record<string, spans.ClipConfig>>;
  readonly schedule: Readonly<Record<string, spans.ScheduleConfig>>;
}

// ---- value parsers (exported for tests and other callers) ----

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([A-Za-z0-9_.-]*)):(\d{1,5})$/;

/**
 * `host:port`, `[v6]:port` or `:port` (= `0.0.0.0:port`). Returns undefined when the shape is
 * wrong; the port is not range-checked here.
 */
export function parseHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT.exec(text.trim());
  if (!m) return undefined;
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? '0.0.0.0' : m[2]);
  return { host, port: Number(m[3]) };
}

/** True for an absolute `rtsp://host[:port]/…` URL. */
export function isRtspUrl(text: string): boolean {
  if (!/^rtsp:\/\//i.test(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
}

export const PATH_NAME = /^[A-Za-z0-9._-]+$/;
const CREDENTIALS_KEY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/;

// ---- schema building blocks ----

const show = (v: unknown): string => JSON.stringify(v);

function hostPort(opts: { even?: boolean }) {
  return z.string().transform((text, ctx): HostPort => {
    const hp = parseHostPort(text);
    if (!hp) {
      ctx.addIssue({ code: 'custom', message: `expected host:port (got ${show(text)})` });
      return z.NEVER;
    }
    if (hp.port > 65535) {
      ctx.addIssue({ code: 'custom', message: `port must be 0-65535 (got ${show(text)})` });
      return z.NEVER;
    }
    if (opts.even && hp.port % 2 !== 0) {
      const message = `port must be even: RTP uses it, RTCP the next one (got ${show(text)})`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return hp;
  });
}

const rtspUrl = z.string().refine(isRtspUrl, {
  error: (iss) => `must be an rtsp:// URL (got ${show(iss.input)})`,
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** A section or map: missing or `null` (a key with only comments under it) means "defaults". */
function section<T extends z.ZodType>(schema: T, empty: unknown = {}) {
  return z.preprocess((v) => (v === null || v === undefined ? empty : v), schema);
}

const pathUpstream = z.strictObject({ transport: z.enum(UPSTREAM_TRANSPORTS).optional() });

const pct = z.number().min(0).max(100);
const pathEntry = z.preprocess(
  // shorthand: `cam1: rtsp://host/stream`
  (v) => (typeof v === 'string' ? { origin: v } : v),
  z.strictObject({
    origin: rtspUrl,
    mirrors: section(z.array(rtspUrl), []),
    upstream: section(pathUpstream),
    seam: section(pathSeam),
    fastStart: z.boolean().optional(),
    archive: z.preprocess((v) => (v === null ? {} : v), pathArchive).optional(),
  }),
);

const RESERVED_NAMES = new Set(['.', '..', '__proto__']);

const pathName = z.string().refine((name) => PATH_NAME.test(name) && !RESERVED_NAMES.has(name), {
  error: (iss) =>
    `path name must use only letters, digits, ".", "_" and "-" (got ${show(iss.input)})`,
});

const allowEntry = z.string().transform((text, ctx): AllowEntry => {
  const result = parseAllowEntry(text);
  if (result.ok) return result.entry;
  ctx.addIssue({ code: 'custom', message: `${result.reason} (got ${show(text)})` });
  return z.NEVER;
});

const credentialsKey = z.string().refine((k) => CREDENTIALS_KEY.test(k) && !RESERVED_NAMES.has(k), {
  error: (iss) => `credentials key must be host or host:port (got ${show(iss.input)})`,
});

const selfName = z.string().transform((text, ctx): SelfName => {
  const name = parseSelfName(text);
  if (name !== undefined) return name;
  ctx.addIssue({
    code: 'custom',
    message: `must be a host name or address, with an optional :port (got ${show(text)})`,
  });
  return z.NEVER;
});

const credentials = z.strictObject({ username: z.string().min(1), password: z.string() });

const listenShape = {
  rtsp: hostPort({}).default({ host: '0.0.0.0', port: 8554 }),
  rtp: hostPort({ even: true }).default({ host: '0.0.0.0', port: 8000 }),
  http: hostPort({}).nullable().default(null),
  names: section(z.array(selfName), []),
};
const transparentShape = { allow: section(z.array(allowEntry), []) };
const size = z.unknown().transform((v, ctx): number => {
  const n = parseSize(v);
  if (n === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a size like 500MiB, 20GB or a number of bytes (got ${show(v)})`,
    });
    return z.NEVER;
  }
  return n;
});
const recordingsShape = {
  dir: z.string().min(1).default('./recordings'),
  enabled: z.boolean().default(true),
  live: z.boolean().default(true),
  quota: size.default(0),
  revalidate: z.boolean().default(true),
  revalidateTimeoutMs: int(100, 60_000).default(2000),
};
const serveShape = {
  minCompleteness: pct.default(100),
  fastStart: z.boolean().default(true),
  fastStartGops: int(1, 16).default(2),
  fastStartMaxBytes: size.default(8 * 1024 * 1024),
  fastStartMaxPackets: int(16, 1_000_000).default(8192),
};
const upstreamShape = {
  transport: z.enum(UPSTREAM_TRANSPORTS).default('auto'),
  udpTimeoutMs: int(100, 600_000).default(3000),
  requestTimeoutMs: int(100, 600_000).default(10_000),
  userAgent: z.string().min(1).default('seamd/0.1'),
  credentials: section(z.record(credentialsKey, credentials)),
};
const limitsShape = {
  maxConnections: int(1, 1_000_000).default(1000),
  maxConnectionsPerAddress: int(1, 1_000_000).default(32),
  sessionTimeoutSec: int(1, 86_400).default(60),
  maxRequestBytes: int(0, 16 * 1024 * 1024).default(65_536),
  requestTimeoutSec: int(1, 3600).default(10),
  idleTimeoutSec: int(1, 86_400).default(60),
};
const logShape = {
  level: z.enum(LOG_LEVELS).default('info'),
  pretty: z
    .custom<boolean | 'auto'>((v) => v === true || v === false || v === 'auto', {
      error: (iss) => `must be auto, true or false (got ${show(iss.input)})`,
    })
    .default('auto'),
};

const configShape = {
  listen: section(z.strictObject(listenShape)),
  paths: section(z.record(pathName, pathEntry)),
  transparent: section(z.strictObject(transparentShape)),
  recordings: section(z.strictObject(recordingsShape)),
  serve: section(z.strictObject(serveShape)),
  upstream: section(z.strictObject(upstreamShape)),
  limits: section(z.strictObject(limitsShape)),
  seam: section(z.strictObject(seamShape)),
  http: section(z.strictObject(httpAccessShape)),
  telemetry: section(z.strictObject(telemetryShape)),
  rules: section(z.array(ruleSchema), []),
  repair: section(z.strictObject(repairShape)),
  log: section(z.strictObject(logShape)),
  clips: spans.clipsSection,
  schedule: spans.scheduleSection,
};

const SECTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  listen: Object.keys(listenShape),
  transparent: Object.keys(transparentShape),
  recordings: Object.keys(recordingsShape),
  serve: Object.keys(serveShape),
  upstream: Object.keys(upstreamShape),
  limits: Object.keys(limitsShape),
  seam: Object.keys(seamShape),
  http: Object.keys(httpAccessShape),
  telemetry: Object.keys(telemetryShape),
  repair: Object.keys(repairShape),
  log: Object.keys(logShape),
};

/** Keys the mapping at `path` accepts, for "did you mean" hints on unknown keys. */
export function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const [first, second, third] = path;
  if (path.length === 0) return Object.keys(configShape);
  if (path.length === 1) return SECTION_KEYS[String(first)] ?? [];
  if (first === 'paths' && path.length === 2) {
    return ['origin', 'mirrors', 'upstream', 'seam', 'fastStart', 'archive'];
  }
  if (first === 'paths' && path.length === 3 && third === 'archive') return ARCHIVE_KEYS;
  if (first === 'paths' && path.length === 3 && third === 'upstream') return ['transport'];
  if (first === 'paths' && path.length === 3 && third === 'seam') return Object.keys(seamFields);
  if (first === 'rules' && path.length === 2) return RULE_KEYS;
  if (path.length === 2 && first === 'clips') return spans.CLIP_KEYS;
  if (path.length === 2 && first === 'schedule') return spans.SCHEDULE_KEYS;
  if (first === 'http' && second === 'users' && path.length === 3) return ['name', 'password'];
  if (first === 'rules' && path.length === 3 && third === 'match') return RULE_MATCH_KEYS;
  if (first === 'upstream' && second === 'credentials' && path.length === 3) {
    return ['username', 'password'];
  }
  return [];
}

function mergeSeam(base: SeamConfig, over: Partial<Record<keyof SeamConfig, number | undefined>>) {
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(over)) if (v !== undefined) out[k] = v;
  return out as unknown as SeamConfig;
}

export const configSchema = z
  .strictObject(configShape)
  .superRefine((c, ctx) => {
    for (const message of seamProblems(c.seam)) {
      ctx.addIssue({ code: 'custom', path: ['seam'], message });
    }
    for (const [name, p] of Object.entries(c.paths)) {
      for (const message of seamProblems(mergeSeam(c.seam, p.seam))) {
        ctx.addIssue({ code: 'custom', path: ['paths', name, 'seam'], message });
      }
    }
    for (const { index, message } of rulesProblems(c.rules)) {
      ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message });
    }
    if (c.telemetry.cleanPct >= c.telemetry.lossyPct) {
      const message = `cleanPct (${c.telemetry.cleanPct}) must be < lossyPct (${c.telemetry.lossyPct})`;
      ctx.addIssue({ code: 'custom', path: ['telemetry'], message });
    }
    const access = accessProblem(c.listen.http, c.http);
    if (access) ctx.addIssue({ code: 'custom', path: ['http', 'token'], message: access });
    for (const p of spans.spanProblems(c, c.paths)) ctx.addIssue({ code: 'custom', ...p });
    for (const message of repairProblems(c.repair)) {
      ctx.addIssue({ code: 'custom', path: ['repair'], message });
    }
  })
  .transform((c): Config => ({
    ...c,
    paths: Object.fromEntries(
      Object.entries(c.paths).map(([name, p]) => [
        name,
        {
          origin: p.origin,
          mirrors: p.mirrors,
          upstream: { transport: p.upstream.transport ?? c.upstream.transport },
          seam: mergeSeam(c.seam, p.seam),
          fastStart: p.fastStart ?? c.serve.fastStart,
          ...(p.archive
            ? { archive: { retentionMs: p.archive.retention, segmentMs: p.archive.segment } }
            : {}),
        },
      ]),
    ),
    upstream: {
      ...c.upstream,
      credentials: Object.fromEntries(
        Object.entries(c.upstream.credentials).map(([k, v]) => [k.toLowerCase(), v]),
      ),
    },
  }));
