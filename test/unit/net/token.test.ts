import { describe, expect, it } from 'vitest';
import { randomToken, TOKEN_ALPHABET, tokenLength } from '../../../src/net/token.js';
import { newSessionId } from '../../../src/serve/viewer.js';

describe('session ids and tokens', () => {
  it('are letters and digits only, 22 characters (≥ 128 bits), over many ids', () => {
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const id = newSessionId();
      expect(id).toMatch(/^[A-Za-z0-9]{22}$/);
      seen.add(id);
      for (const ch of id) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(seen.size).toBe(20000);
    // Every letter of the alphabet shows up, none far from its share (440 000 / 62 ≈ 7097).
    expect(counts.size).toBe(62);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(6400);
      expect(n).toBeLessThan(7800);
    }
  });

  it('carry at least the requested bits', () => {
    expect(tokenLength(128)).toBe(22);
    expect(Math.log2(TOKEN_ALPHABET.length) * tokenLength(128)).toBeGreaterThanOrEqual(128);
    expect(randomToken(64)).toMatch(/^[A-Za-z0-9]{11}$/);
  });

  it('skip biased bytes instead of folding them onto the alphabet', () => {
    // 248..255 would map to A..H a second time; they must be dropped, not used.
    let call = 0;
    const fake = (n: number): Buffer =>
      call++ === 0
        ? Buffer.alloc(n, 250)
        : Buffer.from(Array.from({ length: n }, (_, i) => i % 62));
    const token = randomToken(128, fake);
    expect(token).toBe(TOKEN_ALPHABET.slice(0, 22));
  });
});
