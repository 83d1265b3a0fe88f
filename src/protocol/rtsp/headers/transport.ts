/**
 * Transport (RFC 2326 §12.39): a comma separated list of transport specs in preference order,
 * `RTP/AVP[/UDP|/TCP];param;param=value...`.
 */
import { ProtocolError } from '../../../errors.js';
import {
  hasCtl,
  isToken,
  parseUint,
  setOwn,
  splitOutsideQuotes,
  trimOws,
  unquote,
} from '../syntax.js';

export interface TransportSpec {
  protocol: string;
  profile: string;
  lowerTransport: 'UDP' | 'TCP';
  delivery?: 'unicast' | 'multicast';
  destination?: string;
  source?: string;
  clientPort?: [number, number];
  serverPort?: [number, number];
  interleaved?: [number, number];
  port?: [number, number];
  ttl?: number;
  layers?: number;
  /** uint32, from up to 8 hex digits */
  ssrc?: number;
  /** unquoted, upper-case, e.g. 'PLAY' */
  mode?: string;
  append?: boolean;
  /** unknown parameters, kept as sent (value raw, quotes included) and re-serialized */
  extra: Record<string, string | true>;
}

type RangeKey = 'clientPort' | 'serverPort' | 'interleaved' | 'port';

const RANGE_PARAMS: ReadonlyMap<string, RangeKey> = new Map([
  ['client_port', 'clientPort'],
  ['server_port', 'serverPort'],
  ['interleaved', 'interleaved'],
  ['port', 'port'],
]);

const KNOWN_PARAMS = new Set([
  'unicast',
  'multicast',
  'append',
  'destination',
  'source',
  'ttl',
  'layers',
  'ssrc',
  'mode',
  ...RANGE_PARAMS.keys(),
]);

function bad(why: string): ProtocolError {
  return new ProtocolError('HDR_BAD_TRANSPORT', `bad Transport: ${why}`);
}

function parseRange(value: string, max: number): [number, number] | undefined {
  const m = /^(\d+)(?:[ \t]*-[ \t]*(\d+))?$/.exec(value);
  const a = m?.[1] === undefined ? undefined : parseUint(m[1], max);
  if (a === undefined) return undefined;
  if (m?.[2] === undefined) {
    // A single port/channel n stands for the pair n, n+1 (RTP + RTCP).
    return a + 1 > max ? undefined : [a, a + 1];
  }
  const b = parseUint(m[2], max);
  return b === undefined ? undefined : [a, b];
}

const TRANSPORT_ID_RE = /^[^=;/\s]+\/[^=;/\s]+(\/[^=;/\s]+)?$/;

/**
 * The parameter list of one spec with the transport id first. Strictly the id must come first
 * (RFC 2326 §12.39); leniently (origin answers) it may be anywhere, as some servers write it.
 */
function withIdFirst(params: string[], ignored: string[] | undefined): string[] {
  const first = trimOws(params[0] ?? '');
  if (!ignored || TRANSPORT_ID_RE.test(first)) return params;
  const at = params.findIndex((p) => TRANSPORT_ID_RE.test(trimOws(p)));
  if (at < 0) return params;
  ignored.push(`transport id not first: ${JSON.stringify(params.join(';'))}`);
  return [params[at] ?? '', ...params.slice(0, at), ...params.slice(at + 1)];
}

/** Reads one parameter into spec; returns why it is unusable, undefined when taken. */
function applyParam(spec: TransportSpec, p: string): string | undefined {
  const eq = p.indexOf('=');
  const name = trimOws(eq < 0 ? p : p.slice(0, eq));
  const key = name.toLowerCase();
  if (!isToken(name)) return 'bad parameter name';
  const flag = key === 'unicast' || key === 'multicast' || key === 'append';
  if (eq < 0) {
    if (key === 'unicast' || key === 'multicast') spec.delivery = key;
    else if (key === 'append') spec.append = true;
    else if (key === 'destination')
      return undefined; // bare: "send to the requester", the default
    else if (KNOWN_PARAMS.has(key)) return 'no value';
    else setOwn(spec.extra, name, true);
    return undefined;
  }
  if (flag) return 'takes no value';
  const value = trimOws(p.slice(eq + 1));
  const rangeKey = RANGE_PARAMS.get(key);
  if (rangeKey) {
    const range = parseRange(value, key === 'interleaved' ? 255 : 65535);
    if (!range) return 'bad range';
    spec[rangeKey] = range;
    return undefined;
  }
  switch (key) {
    case 'destination':
    case 'source': {
      const addr = unquote(value) ?? value;
      if (addr === '') return 'empty';
      if (/[\s,;"]/.test(addr)) return 'bad address';
      spec[key] = addr;
      return undefined;
    }
    case 'ttl': {
      const ttl = parseUint(value, 255);
      if (ttl === undefined) return 'not 0-255';
      spec.ttl = ttl;
      return undefined;
    }
    case 'layers': {
      const layers = parseUint(value, 0xffff);
      if (!layers) return 'not 1-65535';
      spec.layers = layers;
      return undefined;
    }
    case 'ssrc':
      // RFC 2326 §12.39: 8 hex digits. Some cameras write the SSRC in decimal (10 digits);
      // read as hex that is another number, so it is never guessed at: an origin's answer goes
      // without it (the SSRC is then learnt from the RTP packets), a viewer's offer is refused.
      if (!/^[0-9A-Fa-f]{1,8}$/.test(value)) return 'not 1-8 hex digits';
      spec.ssrc = parseInt(value, 16);
      return undefined;
    case 'mode': {
      const mode = unquote(value) ?? value;
      if (mode === '' || !/^[A-Za-z0-9_.!~*'()%+-]+(,[A-Za-z0-9_.!~*'()%+-]+)*$/.test(mode)) {
        return 'bad method list';
      }
      spec.mode = mode.toUpperCase();
      return undefined;
    }
    default:
      setOwn(spec.extra, name, value);
      return undefined;
  }
}

function parseSpec(text: string, ignored: string[] | undefined): TransportSpec {
  const split = splitOutsideQuotes(text, ';');
  if (!split) throw bad('unterminated quoted string');
  const [head = '', ...rest] = withIdFirst(split, ignored);
  const ids = trimOws(head).split('/');
  const [protocol, profile, lower = 'UDP'] = ids;
  if (ids.length > 3 || !protocol || !profile || !isToken(protocol) || !isToken(profile)) {
    throw bad(`transport id ${JSON.stringify(head)}`);
  }
  const lowerTransport = lower.toUpperCase();
  if (lowerTransport !== 'UDP' && lowerTransport !== 'TCP') {
    throw bad(`lower transport ${JSON.stringify(lower)}`);
  }
  const spec: TransportSpec = {
    protocol: protocol.toUpperCase(),
    profile: profile.toUpperCase(),
    lowerTransport,
    extra: {},
  };
  for (const raw of rest) {
    const p = trimOws(raw);
    if (p === '') continue;
    const why = applyParam(spec, p);
    if (why === undefined) continue;
    if (!ignored) throw bad(`${JSON.stringify(p)}: ${why}`);
    ignored.push(`${p} (${why})`);
  }
  return spec;
}

/**
 * Parses a Transport header. Strict by default (what viewers send: any malformed parameter is
 * HDR_BAD_TRANSPORT). With `ignored`, liberal (what an origin answers): malformed or empty
 * parameters are left out, a transport id out of place is found, and each is described in
 * `ignored` for the caller to log. The transport id itself must still be readable.
 */
export function parseTransport(v: string, ignored?: string[]): TransportSpec[] {
  if (hasCtl(v)) throw bad('control character');
  const items = splitOutsideQuotes(v, ',');
  if (!items) throw bad('unterminated quoted string');
  const specs = items.filter((s) => trimOws(s) !== '').map((s) => parseSpec(s, ignored));
  if (specs.length === 0) throw bad('empty');
  return specs;
}

function formatPair(name: string, pair: [number, number], max: number): string {
  const [a, b] = pair;
  for (const n of pair) {
    if (!Number.isInteger(n) || n < 0 || n > max) throw bad(`${name} ${a}-${b}`);
  }
  return `${name}=${a}-${b}`;
}

function checkToken(s: string, what: string): string {
  if (!isToken(s)) throw bad(`${what} ${JSON.stringify(s)}`);
  return s;
}

/** Canonical form, e.g. `RTP/AVP/TCP;unicast;interleaved=0-1` (UDP is left implicit). */
export function formatTransport(t: TransportSpec): string {
  let out = `${checkToken(t.protocol, 'protocol')}/${checkToken(t.profile, 'profile')}`;
  if (t.lowerTransport === 'TCP') out += '/TCP';
  else if (t.lowerTransport !== 'UDP') throw bad(`lower transport ${String(t.lowerTransport)}`);
  if (t.delivery) out += `;${t.delivery}`;
  for (const key of ['destination', 'source'] as const) {
    const addr = t[key];
    if (addr === undefined) continue;
    if (addr === '' || /[\s,;"]/.test(addr) || hasCtl(addr)) throw bad(`${key} ${addr}`);
    out += `;${key}=${addr}`;
  }
  if (t.interleaved) out += `;${formatPair('interleaved', t.interleaved, 255)}`;
  if (t.ttl !== undefined) {
    if (!Number.isInteger(t.ttl) || t.ttl < 0 || t.ttl > 255) throw bad(`ttl ${t.ttl}`);
    out += `;ttl=${t.ttl}`;
  }
  if (t.layers !== undefined) {
    if (!Number.isInteger(t.layers) || t.layers < 1 || t.layers > 0xffff) {
      throw bad(`layers ${t.layers}`);
    }
    out += `;layers=${t.layers}`;
  }
  if (t.port) out += `;${formatPair('port', t.port, 65535)}`;
  if (t.clientPort) out += `;${formatPair('client_port', t.clientPort, 65535)}`;
  if (t.serverPort) out += `;${formatPair('server_port', t.serverPort, 65535)}`;
  if (t.ssrc !== undefined) {
    if (!Number.isInteger(t.ssrc) || t.ssrc < 0 || t.ssrc > 0xffffffff) throw bad(`ssrc ${t.ssrc}`);
    out += `;ssrc=${t.ssrc.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  if (t.mode !== undefined) {
    if (!/^[A-Z0-9_.!~*'()%+-]+(,[A-Z0-9_.!~*'()%+-]+)*$/.test(t.mode)) throw bad(`mode ${t.mode}`);
    out += `;mode="${t.mode}"`;
  }
  if (t.append) out += ';append';
  for (const [name, value] of Object.entries(t.extra)) {
    checkToken(name, 'parameter');
    if (KNOWN_PARAMS.has(name.toLowerCase())) throw bad(`extra parameter ${name} is a known one`);
    if (value === true) {
      out += `;${name}`;
      continue;
    }
    const parts = splitOutsideQuotes(value, ';');
    const listed = splitOutsideQuotes(value, ',');
    if (hasCtl(value) || !parts || parts.length !== 1 || !listed || listed.length !== 1) {
      throw bad(`parameter ${name}=${value}`);
    }
    if (trimOws(value) !== value) throw bad(`parameter ${name}=${value}`);
    out += `;${name}=${value}`;
  }
  return out;
}
