import { describe, expect, it } from 'vitest';
import { cidrContains, networkOf, parseCidr } from '../../../src/telemetry/netprefix.js';

describe('viewer networks', () => {
  it.each([
    ['203.0.113.77', 24, 56, '203.0.113.0/24'],
    ['203.0.113.77', 16, 56, '203.0.0.0/16'],
    ['203.0.113.77', 32, 56, '203.0.113.77/32'],
    ['203.0.113.77', 0, 56, '0.0.0.0/0'],
    ['::ffff:10.1.2.3', 24, 56, '10.1.2.0/24'],
    ['2001:db8:12:34ff:1::9', 24, 56, '2001:db8:12:3400::/56'],
    ['2001:DB8:12:34ff:1::9', 24, 64, '2001:db8:12:34ff::/64'],
    ['::1', 24, 56, '::/56'],
    ['[2001:db8::1]', 24, 32, '2001:db8::/32'],
    ['not-an-ip', 24, 56, 'unknown'],
  ])('%s with /%i, /%i → %s', (addr, v4, v6, net) => {
    expect(networkOf(addr, v4, v6)).toBe(net);
  });

  it('parses CIDR ranges and rejects malformed ones', () => {
    expect(parseCidr('10.0.0.0/8')?.prefix).toBe(8);
    expect(parseCidr('2001:db8::/32')?.family).toBe(6);
    expect(parseCidr('10.0.0.5')?.prefix).toBe(32);
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'x/8', '10.0.0.0/8/1', '::/129', '10.0.0.0/a'])
      expect(parseCidr(bad)).toBeUndefined();
  });

  it('matches addresses and network texts inside a range, per family', () => {
    const v4 = parseCidr('10.1.0.0/16');
    const v6 = parseCidr('2001:db8:12::/48');
    if (!v4 || !v6) throw new Error('parse');
    expect(cidrContains(v4, '10.1.200.3')).toBe(true);
    expect(cidrContains(v4, '10.1.2.0/24')).toBe(true);
    expect(cidrContains(v4, '::ffff:10.1.2.3')).toBe(true);
    expect(cidrContains(v4, '10.2.0.1')).toBe(false);
    expect(cidrContains(v4, '2001:db8:12::1')).toBe(false);
    expect(cidrContains(v6, '2001:db8:12:3400::/56')).toBe(true);
    expect(cidrContains(v6, '2001:db8:13::1')).toBe(false);
    expect(cidrContains(v6, '10.1.2.3')).toBe(false);
  });
});
