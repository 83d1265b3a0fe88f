/**
 * Who may read the operators' HTTP listener (the console and its APIs show viewer addresses).
 * On a loopback address nothing is asked unless `http.token` or `http.users` is set; on any
 * other address one of them is required (the config check refuses the file without). A request
 * carries the token as `Authorization: Bearer <token>` or as the password of HTTP Basic (any
 * user name: what a browser prompts for), or a user's name and password (Basic), checked
 * against a scrypt hash. Verified Basic credentials are remembered (a digest of the header, a
 * few minutes) so a console polling every second does not pay a scrypt each time.
 */
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

export interface HttpUser {
  readonly name: string;
  /** `scrypt$<salt hex>$<key hex>` (see hashPassword). */
  readonly password: string;
}

export interface HttpAccessConfig {
  /** Bearer token (≥ 16 characters); null = none. */
  readonly token: string | null;
  readonly users: readonly HttpUser[];
}

export const HTTP_ACCESS_DEFAULTS: HttpAccessConfig = { token: null, users: [] };

const HASH = /^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/;

export const httpAccessShape = {
  token: z
    .string()
    .refine((t) => t.length >= 16, {
      error: 'must be at least 16 characters (e.g. from `openssl rand -hex 16`)',
    })
    .nullable()
    .default(null),
  users: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[^:\s]+$/, { error: 'a user name has no ":" and no spaces' }),
        password: z.string().regex(HASH, {
          error: 'must be a hash from `seamd hash-password` (scrypt$…), never the password itself',
        }),
      }),
    )
    .default([]),
};

/** 127.0.0.0/8, ::1, IPv4-mapped loopback, `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The problem with this listen address and access config, if any (for the config check). */
export function accessProblem(
  listen: { host: string; port: number } | null,
  access: HttpAccessConfig,
): string | undefined {
  if (!listen || isLoopbackHost(listen.host)) return undefined;
  if (access.token !== null || access.users.length > 0) return undefined;
  return (
    `required when listen.http (${listen.host}:${listen.port}) is not a loopback address: ` +
    'the console and APIs show viewer addresses (set http.token, or http.users)'
  );
}

const N = 16384;
const KEYLEN = 32;

/** `scrypt$<salt>$<key>` for `http.users[].password`. */
export function hashPassword(password: string, salt = randomBytes(16)): string {
  const key = scryptSync(password, salt, KEYLEN, { N, r: 8, p: 1 });
  return `scrypt$${salt.toString('hex')}$${key.toString('hex')}`;
}

export function verifyPassword(password: string, hash: string): boolean {
  const [, salt, key] = hash.split('$');
  if (!salt || !key || !HASH.test(hash)) return false;
  const got = scryptSync(password, Buffer.from(salt, 'hex'), KEYLEN, { N, r: 8, p: 1 });
  return timingSafeEqual(got, Buffer.from(key, 'hex'));
}

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

const REMEMBER_MS = 5 * 60_000;
const REMEMBER_MAX = 64;

export class HttpAccess {
  /** Digest of a verified Authorization header → until when it is trusted. */
  private readonly verified = new Map<string, number>();

  constructor(
    private readonly config: HttpAccessConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any credential is asked for. */
  get protected(): boolean {
    return this.config.token !== null || this.config.users.length > 0;
  }

  /** Whether a request with this Authorization header may read. */
  allows(authorization: string | undefined): boolean {
    if (!this.protected) return true;
    if (!authorization) return false;
    const token = this.config.token;
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) return token !== null && sameSecret(bearer[1] ?? '', token);
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!basic) return false;
    const digest = createHash('sha256').update(authorization).digest('hex');
    const until = this.verified.get(digest);
    if (until !== undefined && until > this.now()) return true;
    const text = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return false;
    const name = text.slice(0, colon);
    const password = text.slice(colon + 1);
    const ok =
      (token !== null && sameSecret(password, token)) ||
      this.config.users.some(
        (u) => sameSecret(u.name, name) && verifyPassword(password, u.password),
      );
    if (ok) this.remember(digest);
    return ok;
  }

  private remember(digest: string): void {
    if (this.verified.size >= REMEMBER_MAX) {
      const first = this.verified.keys().next();
      if (!first.done) this.verified.delete(first.value);
    }
    this.verified.set(digest, this.now() + REMEMBER_MS);
  }
}
