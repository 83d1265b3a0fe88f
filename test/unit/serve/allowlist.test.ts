import { describe, expect, it } from 'vitest';
import {
  Allowlist,
  isHostName,
  parseAllowEntry,
  parseIp,
  parseIPv4,
  parseIPv6,
} from '../../../src/serve/allowlist.js';

describe('Allowlist.allows', () => {
  const list = new Allowlist([
    'Cam.Example.net',
    '*.media.example.org',
    '10.0.0.0/8',
    '192.168.1.128/25',
    '203.0.113.7',
    'fd00::/8',
    '2001:db8::1',
    '2001:db8:1::/48',
  ]);

  it.each([
    // host names: exact, case-insensitive, trailing dot
    ['cam.example.net', true],
    ['CAM.EXAMPLE.NET', true],
    ['cam.example.net.', true],
    ['example.net', false],
    ['x.cam.example.net', false],
    ['cam.example.net.evil.com', false],
    // wildcards: any depth of subdomain, not the apex, not a look-alike
    ['a.media.example.org', true],
    ['a.b.media.example.org', true],
    ['A.Media.Example.Org', true],
    ['media.example.org', false],
    ['evilmedia.example.org', false],
    ['media.example.org.evil.com', false],
    // IPv4 CIDR edges
    ['10.0.0.0', true],
    ['10.255.255.255', true],
    ['9.255.255.255', false],
    ['11.0.0.0', false],
    ['192.168.1.128', true],
    ['192.168.1.255', true],
    ['192.168.1.127', false],
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    // IPv6 CIDR edges, brackets, zone ids
    ['fd00::1', true],
    ['[fd12:3456::1]', true],
    ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['fc00::1', false],
    ['fe00::1', false],
    ['2001:db8::1', true],
    ['[2001:DB8:0:0:0:0:0:1]', true],
    ['2001:db8::2', false],
    ['2001:db8:1:ffff::9', true],
    ['2001:db8:2::9', false],
    ['fd00::1%eth0', true],
    // IPv4-mapped IPv6 is checked against the IPv4 ranges
    ['::ffff:10.1.2.3', true],
    ['[::ffff:10.1.2.3]', true],
    ['::ffff:a01:203', true],
    ['::ffff:11.1.2.3', false],
    // non-matching and junk
    ['', false],
    ['localhost', false],
    ['127.0.0.1', false],
    ['::1', false],
    ['10.0.0.256', false],
    ['cam.example.net:554', false],
  ])('%s → %s', (host, expected) => {
    expect(list.allows(host)).toBe(expected);
  });

  it('checks the resolved address against the CIDRs', () => {
    expect(list.allows('cam7.local', '10.9.8.7')).toBe(true);
    expect(list.allows('cam7.local', '::ffff:10.9.8.7')).toBe(true);
    expect(list.allows('cam7.local', 'fd00::7')).toBe(true);
    expect(list.allows('cam7.local', '[fd00::7]')).toBe(true);
    expect(list.allows('cam7.local', '8.8.8.8')).toBe(false);
    expect(list.allows('cam7.local', 'not an ip')).toBe(false);
    expect(list.allows('cam7.local')).toBe(false);
    // an allowed name stays allowed whatever it resolved to
    expect(list.allows('cam.example.net', '8.8.8.8')).toBe(true);
  });

  it('mapped CIDR entries match plain IPv4 hosts', () => {
    const mapped = new Allowlist(['::ffff:10.0.0.0/104']);
    expect(mapped.allows('10.200.0.1')).toBe(true);
    expect(mapped.allows('11.0.0.1')).toBe(false);
  });

  it('an empty list allows nothing; /0 allows everything of that space', () => {
    expect(new Allowlist([]).allows('10.0.0.1')).toBe(false);
    const all4 = new Allowlist(['0.0.0.0/0']);
    expect(all4.allows('1.2.3.4')).toBe(true);
    expect(all4.allows('2001:db8::1')).toBe(false);
    expect(all4.allows('example.com')).toBe(false);
    expect(new Allowlist(['::/0']).allows('2001:db8::1')).toBe(true);
  });

  it('accepts entries parsed by the config and rejects bad strings', () => {
    const parsed = parseAllowEntry('10.0.0.0/8');
    if (!parsed.ok) throw new Error('should parse');
    const list2 = new Allowlist([parsed.entry, 'a.example']);
    expect(list2.size).toBe(2);
    expect(list2.allows('10.1.1.1')).toBe(true);
    expect(list2.allows('a.example')).toBe(true);
    expect(() => new Allowlist(['bad entry'])).toThrow(TypeError);
  });
});

describe('parseAllowEntry', () => {
  it.each([
    ['Example.COM', { kind: 'host', source: 'Example.COM', name: 'example.com' }],
    ['example.com.', { kind: 'host', source: 'example.com.', name: 'example.com' }],
    ['cam_1.local', { kind: 'host', source: 'cam_1.local', name: 'cam_1.local' }],
    ['localhost', { kind: 'host', source: 'localhost', name: 'localhost' }],
    ['*.Example.com', { kind: 'wildcard', source: '*.Example.com', suffix: '.example.com' }],
    ['10.1.2.3', { kind: 'cidr', source: '10.1.2.3', family: 4, address: '10.1.2.3', prefix: 32 }],
    [
      '10.1.2.3/8',
      { kind: 'cidr', source: '10.1.2.3/8', family: 4, address: '10.0.0.0', prefix: 8 },
    ],
    ['0.0.0.0/0', { kind: 'cidr', source: '0.0.0.0/0', family: 4, address: '0.0.0.0', prefix: 0 }],
    ['FD00::/8', { kind: 'cidr', source: 'FD00::/8', family: 6, address: 'fd00::', prefix: 8 }],
    [
      '2001:db8:0:0:1:0:0:1',
      {
        kind: 'cidr',
        source: '2001:db8:0:0:1:0:0:1',
        family: 6,
        address: '2001:db8::1:0:0:1',
        prefix: 128,
      },
    ],
    ['[::1]', undefined],
  ])('%s', (text, entry) => {
    const result = parseAllowEntry(text);
    if (entry === undefined) expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, entry });
  });

  it.each([
    ['', 'not a host name, IP address or CIDR range'],
    ['a b', 'not a host name, IP address or CIDR range'],
    ['http://example.com', 'not a host name, IP address or CIDR range'],
    ['example.com:554', 'not a host name, IP address or CIDR range'],
    ['10.0.0.256', 'not a host name, IP address or CIDR range'],
    ['10.0.0', 'not a host name, IP address or CIDR range'],
    ['010.0.0.1', 'not a host name, IP address or CIDR range'],
    ['a.*.example.com', 'not a host name, IP address or CIDR range'],
    ['-bad.example.com', 'not a host name, IP address or CIDR range'],
    ['10.0.0.0/', 'not a host name, IP address or CIDR range'],
    ['10.0.0.0/-1', 'not a host name, IP address or CIDR range'],
    ['example.com/8', 'not a host name, IP address or CIDR range'],
    ['1:2:3:4:5:6:7:8:9', 'not a host name, IP address or CIDR range'],
    ['1::2::3', 'not a host name, IP address or CIDR range'],
    ['10.0.0.0/33', 'CIDR prefix must be 0-32 for IPv4'],
    ['fd00::/129', 'CIDR prefix must be 0-128 for IPv6'],
    ['*', '"*" would allow every host; list host names or CIDR ranges'],
  ])('%j is rejected', (text, reason) => {
    expect(parseAllowEntry(text)).toEqual({ ok: false, reason });
  });
});

describe('address parsing', () => {
  it('parseIPv4', () => {
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('1.2.3')).toBeUndefined();
    expect(parseIPv4('1.2.3.04')).toBeUndefined();
  });

  it('parseIPv6', () => {
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('1::')).toBe(1n << 112n);
    expect(parseIPv6('::ffff:1.2.3.4')).toBe((0xffffn << 32n) | 0x01020304n);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toBe(0x0001000200030004000500060007_0008n);
    expect(parseIPv6('1:2:3:4:5:6:7::')).toBe(0x0001000200030004000500060007_0000n);
    expect(parseIPv6('1:2:3:4:5:6:7')).toBeUndefined();
    expect(parseIPv6('12345::')).toBeUndefined();
    expect(parseIPv6('::1.2.3')).toBeUndefined();
    expect(parseIPv6('1.2.3.4')).toBeUndefined();
  });

  it('parseIp maps IPv4 into IPv6 space', () => {
    expect(parseIp('10.0.0.1')).toEqual({ family: 4, value: 0xffff0a000001n });
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ family: 6, value: 0xffff0a000001n });
  });

  it('isHostName', () => {
    expect(isHostName('a'.repeat(63) + '.com')).toBe(true);
    expect(isHostName('a'.repeat(64) + '.com')).toBe(false);
    expect(isHostName('host.123')).toBe(false);
    expect(isHostName('1host.com')).toBe(true);
  });
});
