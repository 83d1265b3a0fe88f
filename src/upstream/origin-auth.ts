/**
 * Authentication to an origin (RFC 2617 Basic and Digest as RTSP uses them): the challenge the
 * origin last sent, the Authorization header for each request once challenged, and what a 401
 * means (retry once with the new challenge, or fail with UPSTREAM_AUTH).
 */
import { UpstreamError } from '../errors.js';
import type { RtspResponse } from '../protocol/rtsp/message.js';
import {
  buildAuthorization,
  parseWwwAuthenticate,
  pickChallenge,
  type AuthChallenge,
} from '../protocol/rtsp/headers/index.js';
import type { Credentials } from './url.js';

function authError(method: string, uri: string, why: string): UpstreamError {
  return new UpstreamError('UPSTREAM_AUTH', `${method} ${uri}: ${why}`, { status: 401 });
}

export class OriginAuth {
  private challenge: AuthChallenge | undefined;
  private nonceCount = 0;

  constructor(private readonly credentials: Credentials | undefined) {}

  /**
   * The Authorization value for a request once the origin challenged us (undefined before).
   * Throws UPSTREAM_AUTH when it cannot be built.
   */
  header(method: string, uri: string): string | undefined {
    const ch = this.challenge;
    const cred = this.credentials;
    if (!ch || !cred) return undefined;
    try {
      this.nonceCount++;
      return buildAuthorization(ch, cred, method, uri, { nc: this.nonceCount });
    } catch (err) {
      throw authError(method, uri, `cannot build Authorization: ${(err as Error).message}`);
    }
  }

  /**
   * A 401 to a request: the error to fail it with, or undefined when it should be sent again
   * with the new challenge (only once: `retried` says it was already).
   */
  onUnauthorized(
    method: string,
    uri: string,
    res: RtspResponse,
    retried: boolean,
  ): UpstreamError | undefined {
    if (!this.credentials) {
      const why = 'origin requires authentication (401) and no credentials are configured';
      return authError(method, uri, why);
    }
    if (retried) return authError(method, uri, 'origin refused the credentials (401)');
    let challenge: AuthChallenge | undefined;
    try {
      // liberal: an unreadable challenge line must not hide a usable one on another line
      const values = res.headers.getAll('WWW-Authenticate');
      challenge = pickChallenge(parseWwwAuthenticate(values, []));
    } catch {
      challenge = undefined;
    }
    if (!challenge) {
      return authError(method, uri, '401 without a usable WWW-Authenticate challenge');
    }
    if (challenge.params.nonce !== this.challenge?.params.nonce) this.nonceCount = 0;
    this.challenge = challenge;
    return undefined;
  }
}
