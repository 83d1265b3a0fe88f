/**
 * Request fuzzing of the whole front-end path, in process: FrontEnd.accept → ViewerConnection →
 * RtspParser → handleRequest → resolve (path map, allowlist, DNS) → the method handlers → a
 * source registry. The socket, the registry/sources, DNS and the clock are fakes, so no origin
 * and no network are needed and a case takes well under a millisecond.
 *
 * Each case is a short conversation built from valid requests (every method, odd URIs, IPv6
 * hosts, userinfo, percent-escapes, huge headers, interleaved `$` frames) and then mutated
 * (bytes flipped, inserted, deleted, duplicated; pieces of other valid requests spliced in).
 * Case `i` of seed `s` is a pure function of (s, i): `caseInput(s, i)` rebuilds it alone.
 *
 * Used by test/unit/serve/request-fuzz.test.ts (CI) and bench/fuzz-requests.ts (1 000 000).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import pino from 'pino';
import { Allowlist } from '../../../src/serve/allowlist.js';
import { defaultConfig } from '../../../src/daemon/config.js';
import { RtspParser } from '../../../src/protocol/rtsp/parser.js';
import { parseSdp, type SdpInfo } from '../../../src/protocol/sdp/sdp.js';
import { FrontEnd } from '../../../src/serve/front.js';
import type { PathTarget, ResolveContext } from '../../../src/serve/resolve.js';
import { SelfHosts } from '../../../src/serve/self.js';
import type { MediaSource, PlayStart, SourceSubscriber } from '../../../src/source/media-source.js';
import type { SourceRegistry, SourceRequest } from '../../../src/source/registry.js';
import { mulberry32 } from '../../../src/seam/loss-model.js';
import { FakeClock } from './fake-clock.js';
import { frontOptions } from './front-options.js';

// ---- seeded randomness ----

export type Rng = () => number;

/** mulberry32: small, fast, good enough to pick mutations. */
export const rngFrom: (seed: number) => Rng = mulberry32;

function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

const int = (r: Rng, n: number): number => Math.floor(r() * n);
function pick<T>(r: Rng, items: readonly T[]): T {
  return items[int(r, items.length)] as T;
}

// ---- fakes ----

const SDP_TWO = [
  'v=0',
  'o=- 1 1 IN IP4 10.0.0.5',
  's=fuzz',
  't=0 0',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=control:trackID=0',
  'm=audio 0 RTP/AVP 0',
  'a=control:trackID=1',
  '',
].join('\r\n');
const SDP_ONE = [
  'v=0',
  'o=- 2 2 IN IP4 10.0.0.6',
  's=fuzz one',
  't=0 0',
  'a=range:npt=0-30',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  '',
].join('\r\n');

/** What the registry handed out, to check every reference is given back. */
export class FakeSources {
  live = 0;
  acquired = 0;
  private readonly two: SdpInfo = parseSdp(SDP_TWO, 'rtsp://10.0.0.5/stream');
  private readonly one: SdpInfo = parseSdp(SDP_ONE, 'rtsp://10.0.0.6/file');

  registry(): SourceRegistry {
    const fake = {
      acquire: (req: SourceRequest): Promise<MediaSource> => {
        this.acquired++;
        return Promise.resolve(
          this.source(req, req.origin.includes('file') ? this.one : this.two, this.acquired),
        );
      },
    };
    return fake as unknown as SourceRegistry;
  }

  private source(req: SourceRequest, info: SdpInfo, n: number): MediaSource {
    let refs = 1;
    this.live++;
    const subs = new Set<SourceSubscriber>();
    const emitter = new EventEmitter();
    let closed = false;
    const src: MediaSource = {
      kind: 'upstream',
      id: `s${n}`,
      origin: req.origin,
      pathName: req.pathName,
      info,
      shared: n % 2 === 0,
      get closed() {
        return closed;
      },
      get viewerCount() {
        return subs.size;
      },
      retain: () => {
        refs++;
      },
      release: () => {
        if (refs <= 0) throw new Error(`source ${n} released more often than held`);
        refs--;
        if (refs === 0) {
          this.live--;
          closed = true;
          emitter.emit('closed');
        }
      },
      subscribe: (s) => void subs.add(s),
      unsubscribe: (s) => void subs.delete(s),
      ensureSetup: () => Promise.resolve(),
      play: (range): Promise<PlayStart> =>
        Promise.resolve({
          range: range ?? 'npt=0-',
          tracks: info.tracks.map((_, i) => ({ seq: 100 + i, rtptime: 9000 * i })),
        }),
      pause: () => Promise.resolve(),
      close: () => undefined,
      once: (name, listener) => emitter.once(name, listener),
    };
    return src;
  }
}

/**
 * Just enough of net.Socket for ViewerConnection and FrontEnd.accept. What is written is parsed
 * as it comes (RTSP responses, interleaved frames): statuses and Session ids are kept.
 */
export class FakeSocket extends EventEmitter {
  destroyed = false;
  writableLength = 0;
  readonly statuses: number[] = [];
  /** Session ids answered, the last one last. */
  lastSession: string | undefined;
  /** Why the written bytes were not RTSP responses, if they were not. */
  badOutput: string | undefined;
  private readonly out = new RtspParser({ maxBodyLength: 1 << 24 });
  constructor(
    readonly remoteAddress: string,
    readonly remotePort = 40000,
    readonly localAddress = '127.0.0.1',
  ) {
    super();
  }
  setNoDelay(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  write(data: Buffer | string): boolean {
    if (this.destroyed || this.badOutput !== undefined) return true;
    try {
      for (const msg of this.out.push(typeof data === 'string' ? Buffer.from(data) : data)) {
        if (msg.kind !== 'response') continue;
        this.statuses.push(msg.status);
        const s = msg.headers.get('Session');
        if (s !== undefined) this.lastSession = s.split(';')[0]?.trim();
      }
    } catch (err) {
      this.badOutput = err instanceof Error ? err.message : String(err);
    }
    return true;
  }
  end(data?: Buffer | string): this {
    if (data !== undefined) this.write(data);
    return this;
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (this.out.buffered > 0) this.badOutput ??= 'an answer was cut short';
    this.emit('close');
    return this;
  }
  asSocket(): Socket {
    return this as unknown as Socket;
  }
}

// ---- the front end under test ----

const SEAM = defaultConfig().seam;

function pathTarget(name: string, origin: string): PathTarget {
  return { name, origin, mirrors: [], transport: 'tcp', seam: SEAM };
}

/**
 * DNS as node's dns.promises.lookup behaves: an empty name answers `{ address: null }`; names
 * under .internal resolve into an allowed range; others fail (ENOTFOUND).
 */
export function fakeDns(host: string): Promise<{ address: string | null }> {
  if (host === '') return Promise.resolve({ address: null });
  if (host.endsWith('.internal')) return Promise.resolve({ address: '10.9.9.9' });
  return Promise.reject(
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }),
  );
}

export interface FuzzFront {
  readonly front: FrontEnd;
  readonly sources: FakeSources;
  readonly clock: FakeClock;
  /** Lines logged at error level (request.error, upstream.error): each one is a bug here. */
  readonly errors: { count: number; first: string[] };
}

export function createFuzzFront(): FuzzFront {
  const errors = { count: 0, first: [] as string[] };
  const log = pino(
    { level: 'error' },
    {
      write(line: string) {
        errors.count++;
        if (errors.first.length < 20) errors.first.push(line);
      },
    },
  );
  const sources = new FakeSources();
  const clock = new FakeClock();
  const resolveContext: ResolveContext = {
    paths: new Map([
      ['cam1', pathTarget('cam1', 'rtsp://10.0.0.5:554/stream')],
      ['file', pathTarget('file', 'rtsp://10.0.0.6/file')],
      ['é', pathTarget('é', 'rtsp://10.0.0.5/accent')],
    ]),
    allow: new Allowlist(['origin.example', '10.0.0.0/8', 'fd00::/8', '*.cams.example']),
    selfHosts: new SelfHosts([{ host: 'seamd.example' }])
      .add('127.0.0.1', 8554)
      .add('localhost', 8554)
      .add('::1', 8554),
    defaultTransport: 'auto',
    defaultSeam: SEAM,
  };
  const front = new FrontEnd(
    frontOptions({
      log,
      registry: sources.registry(),
      rtsp: { host: '127.0.0.1', port: 8554 },
      serverHeader: 'seamd/fuzz',
      resolveContext,
      clock,
      dnsLookup: fakeDns,
    }),
  );
  return { front, sources, clock, errors };
}

// ---- inputs ----

/** Replaced, when the bytes are sent, by the Session id of the last answer that carried one. */
export const SESSION_MARK = '@@SESSION@@';

const HOSTS = [
  '127.0.0.1:8554',
  'localhost:8554',
  '[::1]:8554',
  'seamd.example',
  'SEAMD.example:554',
  'origin.example',
  'ORIGIN.example:8554',
  'user:pa%40ss@origin.example',
  'user@127.0.0.1:8554',
  '[fd00::5]',
  '[fd00::5]:10554',
  '[::ffff:10.1.2.3]',
  '10.1.2.3',
  'cam.cams.example',
  'x.internal',
  'evil.example',
  '192.168.1.1:554',
  '',
  '[fe80::1%25eth0]',
  'xn--bcher-kva.example',
  '0x7f.1',
  '%31%32%37.0.0.1:8554',
];
const PATHS = [
  '/cam1',
  '/cam1/',
  '/cam1/trackID=0',
  '/cam1/trackID=1',
  '/cam1/trackID=9',
  '/file',
  '/file/trackID=0',
  '/%C3%A9',
  '/%C3%A9/trackID=1',
  '/%E2%82',
  '/live%2Fx',
  '/a/b/c?x=1&y=%zz',
  '/cam1/../cam1',
  '/cam1?q=1#frag',
  '/',
  '',
  `/${'a'.repeat(2000)}`,
  '/cam1;jsessionid=1',
];
const ODD_URIS = [
  '*',
  'rtsp:foo',
  'rtsp:/cam1',
  'rtsp:///cam1',
  'rtsp://',
  'http://origin.example/x',
  '/cam1',
  'rtsp://[::1',
  'rtsp://a b/c',
  'rtsps://origin.example/x',
  'rtspu://10.1.2.3/x',
  'RTSP://ORIGIN.EXAMPLE/X',
  'rtsp://origin.example:99999/x',
  'rtsp://origin.example:/x',
  'rtsp://@/x',
  'rtsp://:8554/cam1',
];
const TRANSPORTS = [
  'RTP/AVP/TCP;unicast;interleaved=0-1',
  'RTP/AVP/TCP;unicast',
  'RTP/AVP;unicast;client_port=5000-5001',
  'RTP/AVP/UDP;unicast;client_port=5000-5001;mode=play',
  'RTP/AVP;multicast',
  'RTP/AVP;unicast;client_port=5000-5001;destination=10.9.9.9',
  'RTP/AVP/TCP;interleaved=200-201,RTP/AVP;unicast;client_port=6000-6001',
  'RTP/AVP;unicast;client_port=70000-70001',
  'RTP/AVP/TCP;unicast;interleaved=254-255',
  'RAW/RAW/UDP;unicast;client_port=1-2',
  'RTP/AVP;unicast;client_port=5000',
  '',
];
const RANGES = [
  'npt=0-',
  'npt=10.5-20',
  'npt=now-',
  'clock=20260101T000000Z-',
  'smpte=0:00:01-',
  'x',
];
const METHODS = [
  'OPTIONS',
  'DESCRIBE',
  'SETUP',
  'PLAY',
  'PAUSE',
  'TEARDOWN',
  'GET_PARAMETER',
  'SET_PARAMETER',
  'ANNOUNCE',
  'RECORD',
  'REDIRECT',
  'FOO',
  'options',
];

function uri(r: Rng): string {
  if (r() < 0.15) return pick(r, ODD_URIS);
  return `${r() < 0.95 ? 'rtsp' : 'RTSP'}://${pick(r, HOSTS)}${pick(r, PATHS)}`;
}

function request(
  r: Rng,
  method: string,
  target: string,
  cseq: number,
  extra: Array<[string, string]>,
  body = '',
): string {
  const lines = [`${method} ${target} RTSP/1.0`, `CSeq: ${cseq}`];
  for (const [k, v] of extra) lines.push(`${k}: ${v}`);
  if (r() < 0.3) lines.push('User-Agent: fuzz/1.0 (LIVE555 Streaming Media v2020.01.01)');
  if (r() < 0.02) lines.push(`X-Huge: ${'h'.repeat(int(r, 9000))}`);
  if (r() < 0.03) for (let i = 0; i < 70; i++) lines.push(`X-Many-${i}: ${i}`);
  if (r() < 0.05) lines.push('X-Folded: first', '  continued');
  if (body !== '' || r() < 0.05) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function frame(r: Rng): Buffer {
  const len = r() < 0.9 ? int(r, 200) : int(r, 70000);
  const payload = Buffer.alloc(Math.min(len, 65535));
  for (let i = 0; i < Math.min(payload.length, 16); i++) payload[i] = int(r, 256);
  const head = Buffer.from([0x24, int(r, 256) & (r() < 0.7 ? 3 : 255), 0, 0]);
  head.writeUInt16BE(len & 0xffff, 2);
  return Buffer.concat([head, payload]);
}

/** One valid-looking request of a random method. */
function anyRequest(r: Rng, cseq: number, base: string): string {
  const method = pick(r, METHODS);
  const target = r() < 0.6 ? base : uri(r);
  const withSession: Array<[string, string]> = r() < 0.7 ? [['Session', SESSION_MARK]] : [];
  switch (method) {
    case 'SETUP':
      return request(r, method, `${target}/trackID=${int(r, 3)}`, cseq, [
        ['Transport', pick(r, TRANSPORTS)],
        ...withSession,
      ]);
    case 'PLAY':
      return request(r, method, target, cseq, [
        ...withSession,
        ...(r() < 0.5 ? [['Range', pick(r, RANGES)] as [string, string]] : []),
      ]);
    case 'SET_PARAMETER':
    case 'ANNOUNCE': {
      const body = r() < 0.5 ? 'param: 1\r\n' : SDP_TWO;
      return request(r, method, target, cseq, [...withSession], body);
    }
    case 'OPTIONS':
      return request(r, method, r() < 0.3 ? '*' : target, cseq, withSession);
    default:
      return request(r, method, target, cseq, withSession);
  }
}

/** A conversation: often the usual DESCRIBE/SETUP/PLAY/…/TEARDOWN flow, else anything. */
function conversation(r: Rng): Buffer[] {
  const base = r() < 0.7 ? `rtsp://127.0.0.1:8554/${pick(r, ['cam1', 'file'])}` : uri(r);
  const parts: Buffer[] = [];
  let cseq = 1 + int(r, 3);
  if (r() < 0.5) {
    const tcp = r() < 0.5;
    const transport = (ch: number): string =>
      tcp
        ? `RTP/AVP/TCP;unicast;interleaved=${ch}-${ch + 1}`
        : `RTP/AVP;unicast;client_port=${5000 + ch}-${5001 + ch}`;
    const flow = [
      request(r, 'OPTIONS', base, cseq++, []),
      request(r, 'DESCRIBE', base, cseq++, [['Accept', 'application/sdp']]),
      request(r, 'SETUP', `${base}/trackID=0`, cseq++, [['Transport', transport(0)]]),
      request(r, 'SETUP', `${base}/trackID=1`, cseq++, [
        ['Transport', transport(2)],
        ['Session', SESSION_MARK],
      ]),
      request(r, 'PLAY', base, cseq++, [
        ['Session', SESSION_MARK],
        ['Range', 'npt=0.000-'],
      ]),
      request(r, 'GET_PARAMETER', base, cseq++, [['Session', SESSION_MARK]]),
      request(r, 'PAUSE', base, cseq++, [['Session', SESSION_MARK]]),
      request(r, 'PLAY', base, cseq++, [['Session', SESSION_MARK]]),
      request(r, 'TEARDOWN', base, cseq, [['Session', SESSION_MARK]]),
    ];
    const from = r() < 0.6 ? 0 : int(r, flow.length);
    const to = from + 1 + int(r, flow.length - from);
    for (const text of flow.slice(from, to)) {
      parts.push(Buffer.from(text, 'latin1'));
      if (tcp && r() < 0.2) parts.push(frame(r));
    }
  } else {
    const n = 1 + int(r, 4);
    for (let i = 0; i < n; i++) {
      if (r() < 0.1) parts.push(frame(r));
      const text = anyRequest(r, cseq++, base);
      parts.push(Buffer.from(text, r() < 0.05 ? 'utf8' : 'latin1'));
    }
  }
  return parts;
}

const TOKENS = [
  '\r\n',
  '\r\n\r\n',
  '\n',
  '\r',
  ':',
  ' ',
  '\t',
  '%',
  '%00',
  '%zz',
  '[',
  ']',
  '@',
  '/',
  '?',
  '#',
  '$',
  '\0',
  '\x7f',
  '\xff',
  ';',
  ',',
  '=',
  '-',
  'RTSP/1.0',
  'RTSP/2.0',
  'HTTP/1.1',
  'Content-Length: 99999999\r\n',
  'Content-Length: -1\r\n',
  'CSeq: 4294967296\r\n',
  'Session: ',
  'interleaved=',
  'client_port=',
  'trackID=',
  '::',
  '4294967295',
  '99999999999999999999',
  'rtsp://',
  SESSION_MARK,
];

/** Applies 0..n mutations; `donor` supplies spliced pieces of other valid requests. */
function mutate(r: Rng, input: Buffer, donor: Buffer): Buffer {
  let bytes = input;
  const count = r() < 0.1 ? 0 : 1 + Math.floor(-Math.log(1 - r()) * 2);
  for (let m = 0; m < count; m++) {
    const at = int(r, bytes.length + 1);
    switch (int(r, 7)) {
      case 0: {
        // flip a bit (or a whole byte) in place
        if (bytes.length === 0) break;
        const copy = Buffer.from(bytes);
        const i = Math.min(at, copy.length - 1);
        copy[i] = r() < 0.5 ? (copy[i] ?? 0) ^ (1 << int(r, 8)) : int(r, 256);
        bytes = copy;
        break;
      }
      case 1: {
        const ins = Buffer.from(pick(r, TOKENS), 'latin1');
        bytes = Buffer.concat([bytes.subarray(0, at), ins, bytes.subarray(at)]);
        break;
      }
      case 2: {
        const ins = Buffer.alloc(1 + int(r, 8));
        for (let i = 0; i < ins.length; i++) ins[i] = int(r, 256);
        bytes = Buffer.concat([bytes.subarray(0, at), ins, bytes.subarray(at)]);
        break;
      }
      case 3: {
        const len = 1 + int(r, r() < 0.8 ? 8 : 200);
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + len)]);
        break;
      }
      case 4: {
        // duplicate a range
        const len = 1 + int(r, 64);
        bytes = Buffer.concat([bytes.subarray(0, at + len), bytes.subarray(at)]);
        break;
      }
      case 5:
      case 6: {
        // splice a piece of another valid request in (insert, or replace the tail)
        const from = int(r, donor.length);
        const piece = donor.subarray(from, from + 1 + int(r, 120));
        const cut = r() < 0.5 ? at : at + int(r, 40);
        bytes =
          r() < 0.3
            ? Buffer.concat([bytes.subarray(0, at), piece])
            : Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(cut)]);
        break;
      }
    }
  }
  return bytes;
}

export interface FuzzCase {
  readonly bytes: Buffer;
  /** Offsets where the bytes are cut into separate 'data' events. */
  readonly cuts: readonly number[];
  readonly remoteAddress: string;
}

export function caseInput(seed: number, index: number): FuzzCase {
  const r = rngFrom(caseSeed(seed, index));
  const parts = conversation(r);
  const donorParts = conversation(r);
  const bytes = mutate(r, Buffer.concat(parts), Buffer.concat(donorParts));
  const cuts: number[] = [];
  const pieces = r() < 0.6 ? 0 : 1 + int(r, 4);
  for (let i = 0; i < pieces; i++) cuts.push(int(r, bytes.length + 1));
  cuts.sort((a, b) => a - b);
  const remoteAddress = pick(r, ['127.0.0.1', '::ffff:127.0.0.1', '::1', '10.1.2.3', 'fd00::9']);
  return { bytes, cuts, remoteAddress };
}

// ---- running ----

export interface CaseResult {
  statuses: number[];
  /** Exceptions that escaped: thrown from the data handler, or a rejected request chain. */
  exceptions: unknown[];
  /** The answer bytes did not parse as RTSP responses (a header injection, say). */
  badOutput: string | undefined;
}

const MARK = Buffer.from(SESSION_MARK, 'latin1');

/** Runs one case against the front end; the connection is closed again at the end. */
export async function runCase(f: FuzzFront, c: FuzzCase): Promise<CaseResult> {
  const socket = new FakeSocket(c.remoteAddress);
  const exceptions: unknown[] = [];
  const conn = f.front.accept(socket.asSocket());
  if (!conn) throw new Error('fuzz connection refused by limits: connections leak');
  const settle = async (): Promise<void> => {
    try {
      await conn.settled();
    } catch (err) {
      exceptions.push(err);
    }
  };
  const send = async (chunk: Buffer): Promise<void> => {
    // Up to each Session mark, send; then fill the mark in with the id answered so far.
    let rest = chunk;
    for (;;) {
      const at = rest.indexOf(MARK);
      const head = at < 0 ? rest : rest.subarray(0, at);
      if (head.length > 0) {
        try {
          socket.emit('data', head);
        } catch (err) {
          exceptions.push(err);
        }
      }
      if (at < 0) break;
      await settle();
      const id = Buffer.from(socket.lastSession ?? 'none', 'latin1');
      rest = Buffer.concat([id, rest.subarray(at + MARK.length)]);
    }
    await settle();
  };
  let from = 0;
  for (const cut of [...c.cuts, c.bytes.length]) {
    if (cut > from) await send(c.bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  // Whatever is left half-sent or idle times out (request timeout, then idle).
  f.clock.advance(11_000);
  await settle();
  f.clock.advance(61_000);
  await settle();
  socket.destroy();
  await settle();
  return { statuses: socket.statuses, exceptions, badOutput: socket.badOutput };
}

export interface FuzzStats {
  cases: number;
  requests: number;
  statuses: Map<number, number>;
  exceptions: number;
  badOutputs: number;
  /** First failing cases (5xx other than 501/505, exception, bad output, error log). */
  failures: Array<{ index: number; why: string; input: string }>;
}

/** 5xx a server gives to bad input by design: unknown method, unsupported RTSP version. */
export const PROTOCOL_5XX = new Set([501, 505]);

export async function runFuzz(
  seed: number,
  from: number,
  count: number,
  f: FuzzFront = createFuzzFront(),
  stats: FuzzStats = {
    cases: 0,
    requests: 0,
    statuses: new Map(),
    exceptions: 0,
    badOutputs: 0,
    failures: [],
  },
): Promise<FuzzStats> {
  for (let i = from; i < from + count; i++) {
    const c = caseInput(seed, i);
    const errorsBefore = f.errors.count;
    const res = await runCase(f, c);
    stats.cases++;
    stats.requests += res.statuses.length;
    for (const s of res.statuses) stats.statuses.set(s, (stats.statuses.get(s) ?? 0) + 1);
    stats.exceptions += res.exceptions.length;
    if (res.badOutput !== undefined) stats.badOutputs++;
    const why: string[] = [];
    const bad5xx = res.statuses.filter((s) => s >= 500 && !PROTOCOL_5XX.has(s));
    if (bad5xx.length > 0) why.push(`answered ${bad5xx.join(',')}`);
    if (res.exceptions.length > 0) why.push(`exception: ${String(res.exceptions[0])}`);
    if (res.badOutput !== undefined) why.push(`unparseable answer: ${res.badOutput}`);
    if (f.errors.count > errorsBefore) why.push('error logged');
    if (why.length > 0 && stats.failures.length < 20) {
      stats.failures.push({ index: i, why: why.join('; '), input: c.bytes.toString('latin1') });
    }
  }
  return stats;
}

/** What must be back to nothing once every fuzz connection has closed. */
export function leftovers(f: FuzzFront): Record<string, number> {
  return {
    viewerSessions: f.front.viewerSessions.size,
    liveSources: f.sources.live,
    pendingTimers: f.clock.pending,
  };
}
