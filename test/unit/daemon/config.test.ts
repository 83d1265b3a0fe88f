import { DEMO_ORIGIN } from '../../../src/daemon/demo.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  DEFAULT_CONFIG_YAML,
  defaultConfig,
  formatKeyPath,
  loadConfigFile,
  parseConfigText,
  parseHostPort,
  type Config,
} from '../../../src/daemon/config.js';
import { fileTempDir } from '../../helpers/tmp.js';
import { configProblems } from '../../helpers/config.js';

const SEAM_DEFAULTS = {
  minLegs: 1,
  maxLegs: 3,
  openLossPct: 2,
  closeLossPct: 0.5,
  holdSec: 30,
  openCooldownSec: 5,
  windowSec: 5,
  reorderWindowMs: 0,
  alignRun: 8,
  gapTimeoutMs: 1000,
};

const DEFAULTS: Config = {
  listen: {
    rtsp: { host: '0.0.0.0', port: 8554 },
    rtp: { host: '0.0.0.0', port: 8000 },
    http: null,
    names: [],
  },
  http: { token: null, users: [] },
  paths: {},
  transparent: { allow: [] },
  recordings: {
    dir: './recordings',
    enabled: true,
    live: true,
    quota: 0,
    revalidate: true,
    revalidateTimeoutMs: 2000,
  },
  serve: {
    minCompleteness: 100,
    fastStart: true,
    fastStartGops: 2,
    fastStartMaxBytes: 8 * 1024 * 1024,
    fastStartMaxPackets: 8192,
  },
  upstream: {
    transport: 'auto',
    udpTimeoutMs: 3000,
    requestTimeoutMs: 10000,
    userAgent: 'seamd/0.1',
    credentials: {},
  },
  limits: {
    maxConnections: 1000,
    maxConnectionsPerAddress: 32,
    sessionTimeoutSec: 60,
    maxRequestBytes: 65536,
    requestTimeoutSec: 10,
    idleTimeoutSec: 60,
  },
  seam: SEAM_DEFAULTS,
  telemetry: {
    windowSec: 10,
    viewerPrefixV4: 24,
    viewerPrefixV6: 56,
    maxLabelValues: 50,
    lossyPct: 2,
    cleanPct: 0.5,
  },
  rules: [],
  repair: {
    schedule: 'immediate',
    offPeak: [],
    maxConcurrentLegs: 2,
    maxBandwidthKbps: 0,
    coalesceSec: 1,
    maxSpanSec: 30,
    speed: 4,
    transport: 'tcp',
    retryAttempts: 3,
    retryBackoffSec: 5,
    prefetch: [],
  },
  log: { level: 'info', pretty: 'auto' },
  clips: {},
  schedule: {},
};

describe('default config', () => {
  it('config/default.yaml is the embedded DEFAULT_CONFIG_YAML, byte for byte', () => {
    const file = readFileSync(new URL('../../../config/default.yaml', import.meta.url), 'utf8');
    expect(file).toBe(DEFAULT_CONFIG_YAML);
  });

  it('validates and equals the documented defaults, plus the console and the demo path', () => {
    expect(defaultConfig()).toEqual({
      ...DEFAULTS,
      listen: { ...DEFAULTS.listen, http: { host: '127.0.0.1', port: 9090 } },
      paths: {
        demo: {
          origin: DEMO_ORIGIN,
          mirrors: [],
          upstream: { transport: 'auto' },
          seam: DEFAULTS.seam,
          fastStart: true,
        },
      },
    });
  });

  it('an empty file and a file of comments give the defaults', () => {
    expect(parseConfigText('', 'x.yaml')).toEqual(DEFAULTS);
    expect(parseConfigText('# nothing\n', 'x.yaml')).toEqual(DEFAULTS);
    expect(parseConfigText('listen:\npaths:\nlog:\n', 'x.yaml')).toEqual(DEFAULTS);
  });
});

describe('good files parse to exact values', () => {
  it('a full file', () => {
    const text = `
listen:
  rtsp: "[::]:554"
  rtp: ":0"
  http: 127.0.0.1:9090
paths:
  cam1:
    origin: rtsp://10.0.0.5:554/stream
    mirrors: [rtsp://10.0.0.6/stream]
    upstream: { transport: tcp }
  cam-2.hd: rtsp://user:pw@cam2.local/live
transparent:
  allow: [Cams.Example.NET, "*.example.org", 10.0.0.0/8, "fd00::/8", 192.168.1.7/24]
recordings:
  dir: /var/lib/seamd
upstream:
  transport: udp
  udpTimeoutMs: 500
  requestTimeoutMs: 2000
  userAgent: test/1
  credentials:
    Cam.Local:554: { username: admin, password: "1234" }
limits:
  maxConnections: 10
  maxConnectionsPerAddress: 2
  sessionTimeoutSec: 30
  maxRequestBytes: 0
log:
  level: debug
  pretty: false
`;
    const expected: Config = {
      listen: {
        rtsp: { host: '::', port: 554 },
        rtp: { host: '0.0.0.0', port: 0 },
        http: { host: '127.0.0.1', port: 9090 },
        names: [],
      },
      http: { token: null, users: [] },
      paths: {
        cam1: {
          origin: 'rtsp://10.0.0.5:554/stream',
          mirrors: ['rtsp://10.0.0.6/stream'],
          upstream: { transport: 'tcp' },
          seam: SEAM_DEFAULTS,
          fastStart: true,
        },
        'cam-2.hd': {
          origin: 'rtsp://user:pw@cam2.local/live',
          mirrors: [],
          upstream: { transport: 'udp' },
          seam: SEAM_DEFAULTS,
          fastStart: true,
        },
      },
      transparent: {
        allow: [
          { kind: 'host', source: 'Cams.Example.NET', name: 'cams.example.net' },
          { kind: 'wildcard', source: '*.example.org', suffix: '.example.org' },
          { kind: 'cidr', source: '10.0.0.0/8', family: 4, address: '10.0.0.0', prefix: 8 },
          { kind: 'cidr', source: 'fd00::/8', family: 6, address: 'fd00::', prefix: 8 },
          {
            kind: 'cidr',
            source: '192.168.1.7/24',
            family: 4,
            address: '192.168.1.0',
            prefix: 24,
          },
        ],
      },
      recordings: { ...DEFAULTS.recordings, dir: '/var/lib/seamd' },
      serve: DEFAULTS.serve,
      upstream: {
        transport: 'udp',
        udpTimeoutMs: 500,
        requestTimeoutMs: 2000,
        userAgent: 'test/1',
        credentials: { 'cam.local:554': { username: 'admin', password: '1234' } },
      },
      limits: {
        maxConnections: 10,
        maxConnectionsPerAddress: 2,
        sessionTimeoutSec: 30,
        maxRequestBytes: 0,
        requestTimeoutSec: 10,
        idleTimeoutSec: 60,
      },
      seam: SEAM_DEFAULTS,
      telemetry: DEFAULTS.telemetry,
      rules: [],
      repair: DEFAULTS.repair,
      log: { level: 'debug', pretty: false },
      clips: {},
      schedule: {},
    };
    expect(parseConfigText(text, 'x.yaml')).toEqual(expected);
  });

  it.each([
    [
      'listen: { rtsp: "127.0.0.1:0" }',
      { ...DEFAULTS.listen, rtsp: { host: '127.0.0.1', port: 0 } },
    ],
    ['listen: { rtsp: ":8554" }', { ...DEFAULTS.listen, rtsp: { host: '0.0.0.0', port: 8554 } }],
    [
      'listen: { rtsp: "localhost:1" }',
      { ...DEFAULTS.listen, rtsp: { host: 'localhost', port: 1 } },
    ],
    ['listen: { rtp: "[::1]:65534" }', { ...DEFAULTS.listen, rtp: { host: '::1', port: 65534 } }],
    [
      'listen: { http: ":9090" }\nhttp: { token: 0123456789abcdef }',
      { ...DEFAULTS.listen, http: { host: '0.0.0.0', port: 9090 } },
    ],
  ])('listen %s', (text, listen) => {
    expect(parseConfigText(text, 'x.yaml').listen).toEqual(listen);
  });

  it('per-path transport inherits the global one', () => {
    const cfg = parseConfigText('upstream: { transport: tcp }\npaths: { a: rtsp://h/a }', 'x');
    expect(cfg.paths.a?.upstream.transport).toBe('tcp');
  });

  it('recordings.quota takes sizes with units or a byte count', () => {
    const q = (v: string) => parseConfigText(`recordings: { quota: ${v} }`, 'x').recordings.quota;
    expect(q('0')).toBe(0);
    expect(q('1234')).toBe(1234);
    expect(q('500MiB')).toBe(500 * 2 ** 20);
    expect(q('"1.5 GB"')).toBe(1.5e9);
    expect(q('2TiB')).toBe(2 * 2 ** 40);
  });

  it('log.pretty accepts true, false and auto', () => {
    expect(parseConfigText('log: { pretty: true }', 'x').log.pretty).toBe(true);
    expect(parseConfigText('log: { pretty: auto }', 'x').log.pretty).toBe('auto');
  });

  it('YAML anchors and merge keys work', () => {
    const text = 'base: &b\n  origin: rtsp://h/a\n';
    expect(configProblems(text)[0]).toContain('unknown key "base" at top level');
    const merged = parseConfigText(
      'paths:\n  a: &a { origin: "rtsp://h/a", mirrors: [] }\n  b: { <<: *a, origin: "rtsp://h/b" }\n',
      'x',
    );
    expect(merged.paths.b).toEqual({
      origin: 'rtsp://h/b',
      mirrors: [],
      upstream: { transport: 'auto' },
      seam: SEAM_DEFAULTS,
      fastStart: true,
    });
  });

  it('fast start is on by default, off per path or for all, with the cache bounds as sizes', () => {
    const c = parseConfigText(
      'serve: { fastStartMaxBytes: 2MiB, fastStartGops: 1 }\npaths:\n  a: rtsp://h/a\n  b: { origin: rtsp://h/b, fastStart: false }\n',
      'x',
    );
    expect(c.serve).toMatchObject({
      fastStart: true,
      fastStartGops: 1,
      fastStartMaxBytes: 2 ** 21,
    });
    expect(c.paths.a?.fastStart).toBe(true);
    expect(c.paths.b?.fastStart).toBe(false);
    const off = parseConfigText('serve: { fastStart: false }\npaths:\n  a: rtsp://h/a\n', 'x');
    expect(off.paths.a?.fastStart).toBe(false);
  });
});

describe('bad files name the key and the reason', () => {
  it.each([
    [
      'recordings: { quota: 5 parsecs }',
      'seamd.yaml: recordings.quota: expected a size like 500MiB, 20GB or a number of bytes (got "5 parsecs") (line 1)',
    ],
    [
      'serve: { minCompleteness: 101 }',
      'seamd.yaml: serve.minCompleteness: must be at most 100 (got 101) (line 1)',
    ],
    ['lisen: {}', 'seamd.yaml: unknown key "lisen" at top level (did you mean "listen"?) (line 1)'],
    ['bogus: 1', 'seamd.yaml: unknown key "bogus" at top level (line 1)'],
    [
      'listen:\n  htp: ":80"',
      'seamd.yaml: listen: unknown key "htp" (did you mean "http"?) (line 2)',
    ],
    [
      'paths: { a: { origin: "rtsp://h/a", mirror: [] } }',
      'seamd.yaml: paths.a: unknown key "mirror" (did you mean "mirrors"?) (line 1)',
    ],
    [
      'listen:\n  rtsp: 8554x',
      'seamd.yaml: listen.rtsp: expected host:port (got "8554x") (line 2)',
    ],
    [
      'listen: { rtsp: 8554 }',
      'seamd.yaml: listen.rtsp: expected a string (got 8554; put it in quotes to make it a string) (line 1)',
    ],
    [
      'listen: { rtsp: "::1:8554" }',
      'seamd.yaml: listen.rtsp: expected host:port (got "::1:8554") (line 1)',
    ],
    [
      'listen: { rtsp: "h:70000" }',
      'seamd.yaml: listen.rtsp: port must be 0-65535 (got "h:70000") (line 1)',
    ],
    [
      'listen: { rtp: ":8001" }',
      'seamd.yaml: listen.rtp: port must be even: RTP uses it, RTCP the next one (got ":8001") (line 1)',
    ],
    [
      'listen: { http: 1 }',
      'seamd.yaml: listen.http: expected a string (got 1; put it in quotes to make it a string) (line 1)',
    ],
    ['listen: []', 'seamd.yaml: listen: expected a mapping (got a list) (line 1)'],
    [
      'paths:\n  cam1: { origin: "http://x" }',
      'seamd.yaml: paths.cam1.origin: must be an rtsp:// URL (got "http://x") (line 2)',
    ],
    [
      'paths:\n  cam1: "http://x"',
      'seamd.yaml: paths.cam1.origin: must be an rtsp:// URL (got "http://x") (line 2)',
    ],
    ['paths:\n  cam1: { mirrors: [] }', 'seamd.yaml: paths.cam1.origin: required (line 2)'],
    ['paths:\n  cam1:', 'seamd.yaml: paths.cam1: expected a mapping (got null) (line 2)'],
    [
      'paths:\n  cam1: { origin: "rtsp://h/a", mirrors: ["rtsp://ok/", "rtmp://x"] }',
      'seamd.yaml: paths.cam1.mirrors[1]: must be an rtsp:// URL (got "rtmp://x") (line 2)',
    ],
    [
      'paths:\n  cam1: { origin: "rtsp://h/a", upstream: { transport: quic } }',
      'seamd.yaml: paths.cam1.upstream.transport: must be one of udp, tcp, auto (got "quic") (line 2)',
    ],
    [
      'paths:\n  "cam 1": rtsp://h/a',
      'seamd.yaml: paths["cam 1"]: path name must use only letters, digits, ".", "_" and "-" (got "cam 1") (line 2)',
    ],
    [
      'paths:\n  "..": rtsp://h/a',
      'seamd.yaml: paths[".."]: path name must use only letters, digits, ".", "_" and "-" (got "..") (line 2)',
    ],
    [
      'transparent:\n  allow: [a.net, b.net, "not valid"]',
      'seamd.yaml: transparent.allow[2]: not a host name, IP address or CIDR range (got "not valid") (line 2)',
    ],
    [
      'transparent:\n  allow:\n    - 10.0.0.0/8\n    - 10.0.0.0/33',
      'seamd.yaml: transparent.allow[1]: CIDR prefix must be 0-32 for IPv4 (got "10.0.0.0/33") (line 4)',
    ],
    [
      'transparent: { allow: ["fd00::/129"] }',
      'seamd.yaml: transparent.allow[0]: CIDR prefix must be 0-128 for IPv6 (got "fd00::/129") (line 1)',
    ],
    [
      'transparent: { allow: ["*"] }',
      'seamd.yaml: transparent.allow[0]: "*" would allow every host; list host names or CIDR ranges (got "*") (line 1)',
    ],
    [
      'transparent: { allow: "a.net" }',
      'seamd.yaml: transparent.allow: expected a list (got "a.net") (line 1)',
    ],
    ['recordings: { dir: "" }', 'seamd.yaml: recordings.dir: must not be empty (line 1)'],
    [
      'upstream: { transport: UDP }',
      'seamd.yaml: upstream.transport: must be one of udp, tcp, auto (got "UDP") (line 1)',
    ],
    [
      'upstream: { udpTimeoutMs: 1.5 }',
      'seamd.yaml: upstream.udpTimeoutMs: expected an integer (got 1.5) (line 1)',
    ],
    [
      'upstream: { udpTimeoutMs: "3000" }',
      'seamd.yaml: upstream.udpTimeoutMs: expected a number (got "3000") (line 1)',
    ],
    [
      'upstream: { requestTimeoutMs: 5 }',
      'seamd.yaml: upstream.requestTimeoutMs: must be at least 100 (got 5) (line 1)',
    ],
    [
      'upstream:\n  credentials:\n    cam.local: { username: u }',
      'seamd.yaml: upstream.credentials["cam.local"].password: required (line 3)',
    ],
    [
      'upstream:\n  credentials:\n    "h/x": { username: u, password: p }',
      'seamd.yaml: upstream.credentials["h/x"]: credentials key must be host or host:port (got "h/x") (line 3)',
    ],
    [
      'limits: { maxConnections: 0 }',
      'seamd.yaml: limits.maxConnections: must be at least 1 (got 0) (line 1)',
    ],
    [
      'limits: { sessionTimeoutSec: 100000 }',
      'seamd.yaml: limits.sessionTimeoutSec: must be at most 86400 (got 100000) (line 1)',
    ],
    [
      'log: { level: loud }',
      'seamd.yaml: log.level: must be one of trace, debug, info, warn, error, fatal (got "loud") (line 1)',
    ],
    [
      'log: { pretty: yes }',
      'seamd.yaml: log.pretty: must be auto, true or false (got "yes") (line 1)',
    ],
    ['- 1', 'seamd.yaml: expected a mapping of keys at top level (got a list)'],
    ['just text', 'seamd.yaml: expected a mapping of keys at top level (got "just text")'],
  ])('%s', (text, message) => {
    expect(configProblems(text)).toEqual([message]);
  });

  it('lists every problem, one per line, in file order', () => {
    const text = [
      'lisen: 1', // 1
      'listen:', // 2
      '  rtsp: 8554x', // 3
      '  rtp: ":8001"', // 4
      'paths:', // 5
      '  cam1: { origin: "http://x" }', // 6
      'log: { level: loud }', // 7
    ].join('\n');
    expect(configProblems(text)).toEqual([
      'seamd.yaml: unknown key "lisen" at top level (did you mean "listen"?) (line 1)',
      'seamd.yaml: listen.rtsp: expected host:port (got "8554x") (line 3)',
      'seamd.yaml: listen.rtp: port must be even: RTP uses it, RTCP the next one (got ":8001") (line 4)',
      'seamd.yaml: paths.cam1.origin: must be an rtsp:// URL (got "http://x") (line 6)',
      'seamd.yaml: log.level: must be one of trace, debug, info, warn, error, fatal (got "loud") (line 7)',
    ]);
  });

  it('YAML syntax errors carry line and column', () => {
    expect(configProblems('listen:\n  rtsp: ":1"\n rtp: x\n')).toEqual([
      expect.stringMatching(/^seamd\.yaml: YAML syntax error: .+ \(line 3, column \d+\)$/),
    ]);
    expect(configProblems('listen:\n  rtsp: [::]:8554\n')).toEqual([
      'seamd.yaml: YAML syntax error: Unexpected scalar at node end (line 2, column 13); quote IPv6 addresses: "[::]:8554"',
    ]);
    expect(configProblems('a: 1\na: 2\n')).toEqual([
      'seamd.yaml: YAML syntax error: Map keys must be unique (line 2, column 1)',
    ]);
  });

  it('__proto__ cannot sneak in as a path name', () => {
    expect(configProblems('paths:\n  __proto__: rtsp://h/a')).toEqual([
      'seamd.yaml: paths: key "__proto__" is not allowed (line 2)',
    ]);
  });
});

describe('loadConfigFile', () => {
  const dir = fileTempDir('seamd-config-');

  it('reads a file and names it in errors', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'paths: { a: rtsp://h/a }\n');
    expect(Object.keys(loadConfigFile(good).paths)).toEqual(['a']);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'limits: { maxConnections: -1 }\n');
    expect(() => loadConfigFile(bad)).toThrow(
      `${bad}: limits.maxConnections: must be at least 1 (got -1) (line 1)`,
    );
  });

  it('a missing file is CONFIG_READ', () => {
    const missing = join(dir, 'missing.yaml');
    let error: unknown;
    try {
      loadConfigFile(missing);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_READ');
    expect((error as ConfigError).message).toBe(`${missing}: cannot read: no such file`);
  });
});

describe('helpers', () => {
  it.each([
    ['0.0.0.0:8554', { host: '0.0.0.0', port: 8554 }],
    ['[::]:8554', { host: '::', port: 8554 }],
    ['[fe80::1%eth0]:1', { host: 'fe80::1%eth0', port: 1 }],
    [':8554', { host: '0.0.0.0', port: 8554 }],
    ['8554', undefined],
    ['::1:8554', undefined],
    ['host:', undefined],
    ['a b:1', undefined],
  ])('parseHostPort(%s)', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it('formatKeyPath', () => {
    expect(formatKeyPath(['transparent', 'allow', 2])).toBe('transparent.allow[2]');
    expect(formatKeyPath(['paths', 'a.b', 'origin'])).toBe('paths["a.b"].origin');
  });
});

describe('seam section', () => {
  it('path overrides merge over the global seam section', () => {
    const c = parseConfigText(
      `seam: { maxLegs: 4, openLossPct: 5 }
paths:
  premium: { origin: rtsp://o/x, seam: { minLegs: 2 } }
  plain: rtsp://o/y
`,
      's.yaml',
    );
    expect(c.seam).toMatchObject({ minLegs: 1, maxLegs: 4, openLossPct: 5 });
    expect(c.paths.premium?.seam).toMatchObject({ minLegs: 2, maxLegs: 4, openLossPct: 5 });
    expect(c.paths.plain?.seam).toEqual(c.seam);
  });

  it.each([
    ['seam: { minLegs: 4, maxLegs: 2 }', /s\.yaml: seam: minLegs \(4\) must be <= maxLegs \(2\)/],
    ['seam: { closeLossPct: 3, openLossPct: 2 }', /seam: closeLossPct \(3\) must be < openLossPct/],
    [
      'paths:\n  a: { origin: rtsp://o/x, seam: { minLegs: 5 } }',
      /paths\.a\.seam: minLegs \(5\) must be <= maxLegs \(3\)/,
    ],
    ['seam: { maxLegs: 0 }', /seam\.maxLegs/],
    ['paths:\n  a: { origin: rtsp://o/x, seam: { minlegs: 2 } }', /paths\.a\.seam.*minlegs/],
  ])('%s is rejected', (yaml, message) => {
    expect(() => parseConfigText(yaml, 's.yaml')).toThrow(message);
  });
});
