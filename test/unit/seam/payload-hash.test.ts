import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeRtp } from '../../../src/protocol/rtp/rtp.js';
import { HashIndex, payloadHash, rtpPayloadHash } from '../../../src/seam/payload-hash.js';

const hashOf = (b: Buffer): number => payloadHash(b, 0, b.length);

describe('payloadHash', () => {
  it('depends on the bytes only, not on where they sit in memory', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 7 }),
        (bytes, at) => {
          const a = Buffer.from(bytes);
          const big = Buffer.alloc(bytes.length + 16, 0xee);
          a.copy(big, at);
          expect(payloadHash(big, at, at + a.length)).toBe(hashOf(a));
          expect(Number.isInteger(hashOf(a)) && hashOf(a) === (hashOf(a) | 0)).toBe(true);
        },
      ),
    );
  });

  it('a long payload hashes the same wherever it sits: read as 32-bit words where aligned, else bytes', () => {
    // The fast-check case above stays under the sampled length; here head and tail each start
    // at every offset mod 4 (an aligned start is read through an Int32Array view).
    let x = 99;
    for (const len of [193, 194, 195, 196, 256, 1199, 1200, 1201, 1202, 1400]) {
      const bytes = Buffer.alloc(len);
      for (let i = 0; i < len; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        bytes[i] = x >>> 24;
      }
      const hashes = new Set<number>();
      for (let at = 0; at < 8; at++) {
        const big = Buffer.alloc(len + 16, 0xee);
        bytes.copy(big, at);
        hashes.add(payloadHash(big, at, at + len));
        const slice = Buffer.alloc(len + 32).subarray(at + 1, at + 1 + len + 8);
        bytes.copy(slice, 3);
        hashes.add(payloadHash(slice, 3, 3 + len));
      }
      expect(hashes.size).toBe(1);
    }
  });

  it('changes with every single-bit flip and with the length', () => {
    const base = Buffer.from(Array.from({ length: 67 }, (_, i) => (i * 37) & 0xff));
    const seen = new Set<number>([hashOf(base)]);
    for (let i = 0; i < base.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = Buffer.from(base);
        b[i] = (b[i] ?? 0) ^ (1 << bit);
        seen.add(hashOf(b));
      }
    }
    expect(seen.size).toBe(1 + base.length * 8);
    const zeros = new Set(Array.from({ length: 64 }, (_, n) => hashOf(Buffer.alloc(n))));
    expect(zeros.size).toBe(64);
  });

  it('no collisions among 20000 random payloads', () => {
    let x = 12345;
    const seen = new Set<number>();
    for (let n = 0; n < 20000; n++) {
      const b = Buffer.alloc(20 + (n % 200));
      for (let i = 0; i < b.length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        b[i] = x >>> 24;
      }
      seen.add(hashOf(b));
    }
    expect(seen.size).toBe(20000);
  });
});

describe('rtpPayloadHash', () => {
  it('ignores every header field, CSRCs, the extension and padding', () => {
    const payload = Buffer.from('the same payload, other headers');
    const a = serializeRtp({
      padding: false,
      extension: undefined,
      marker: false,
      payloadType: 96,
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
      csrcs: [],
      payload,
    });
    const b = serializeRtp({
      padding: true,
      paddingLength: 7,
      extension: { profile: 0xbede, data: Buffer.alloc(8, 1) },
      marker: true,
      payloadType: 97,
      sequence: 65535,
      timestamp: 0xffffffff,
      ssrc: 0xdeadbeef,
      csrcs: [1, 2],
      payload,
    });
    expect(rtpPayloadHash(a)).toBe(hashOf(payload));
    expect(rtpPayloadHash(b)).toBe(hashOf(payload));
    expect(rtpPayloadHash(Buffer.alloc(4))).toBeUndefined();
  });
});

describe('HashIndex', () => {
  it('counts occurrences and remembers the latest position', () => {
    const ix = new HashIndex();
    ix.add(7, 10);
    ix.add(7, 30);
    ix.add(7, 20);
    ix.add(8, 5);
    expect(ix.count(7)).toBe(3);
    expect(ix.latest(7)).toBe(30);
    ix.remove(7, 10);
    expect([ix.count(7), ix.latest(7)]).toEqual([2, 30]);
    ix.remove(7, 30); // the latest left: still 1, position unknown
    expect([ix.count(7), ix.latest(7)]).toEqual([1, undefined]);
    ix.remove(7, 20);
    expect([ix.count(7), ix.latest(7), ix.size]).toEqual([0, undefined, 1]);
    ix.remove(99, 1); // unknown: no-op
    ix.clear();
    expect(ix.size).toBe(0);
  });
});
