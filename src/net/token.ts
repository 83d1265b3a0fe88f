/**
 * Random tokens seamd hands to players (session ids). Letters and digits only: RFC 2326 allows
 * `$`, `-`, `_`, `.` and `+` in a session id, but live555-based players (VLC, openRTSP) read a
 * `$` anywhere in an RTSP reply over TCP as the start of an interleaved frame and lose the rest
 * of the id, and other clients trim or split on punctuation. Letters and digits survive all of
 * them.
 */
import { randomBytes } from 'node:crypto';

export const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Characters needed for at least `bits` random bits from a 62-letter alphabet. */
export function tokenLength(bits: number): number {
  return Math.ceil(bits / Math.log2(TOKEN_ALPHABET.length));
}

/**
 * A token of `bits` (default 128) uniformly random bits or more, in letters and digits. Bytes
 * 248..255 are rejected so every character is equally likely (248 = 4 × 62).
 */
export function randomToken(bits = 128, random: (n: number) => Buffer = randomBytes): string {
  const length = tokenLength(bits);
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      if (byte >= 248) continue;
      out += TOKEN_ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
