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

function parseRange(name: string, value: string, max: number): [number, number] {
  const m = /^(\d+)(?:[ \t]*-[ \t]*(\d+))?$/.exec(value);
  const a = m?.[1] === undefined ? undefined : parseUint(m[1], max);
  if (a === undefined) throw bad(`${name}=${value}`);
  if (m?.[2] === undefined) {
    // A single port/channel n stands for the pair n, n+1 (RTP + RTCP).
    if (a + 1 > max) throw bad(`${name}=${value}`);
    return [a, a + 1];
  }
  const b = parseUint(m[2], max);
  if (b === undefined) throw bad(`${name}=${value}`);
  return [a, b];
}

function parseSpec(text: string): TransportSpec {
  const params = splitOutsideQuotes(text, ';');
  if (!params) throw bad('unterminated quoted string');
  const [head = '', ...rest] = params;
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
    const eq = p.indexOf('=');
    const name = trimOws(eq < 0 ? p : p.slice(0, eq));
    const key = name.toLowerCase();
    if (!isToken(name)) throw bad(`parameter ${JSON.stringify(p)}`);
    const flag = key === 'unicast' || key === 'multicast' || key === 'append';
    if (eq < 0) {
      if (key === 'unicast' || key === 'multicast') spec.delivery = key;
      else if (key === 'append') spec.append = true;
      else if (key === 'destination')
        continue; // bare: "send to the requester", the default
      else if (KNOWN_PARAMS.has(key)) throw bad(`${name} without a value`);
      else setOwn(spec.extra, name, true);
      continue;
    }
    if (flag) throw bad(`${name} takes no value`);
    const value = trimOws(p.slice(eq + 1));
    const rangeKey = RANGE_PARAMS.get(key);
    if (rangeKey) {
      spec[rangeKey] = parseRange(name, value, key === 'interleaved' ? 255 : 65535);
      continue;
    }
    switch (key) {
      case 'destination':
      case 'source': {
        const addr = unquote(value) ?? value;
        if (addr === '' || /[\s,;"]/.test(addr)) throw bad(`${name}=${value}`);
        spec[key] = addr;
        break;
      }
      case 'ttl': {
        const ttl = parseUint(value, 255);
        if (ttl === undefined) throw bad(`ttl=${value}`);
        spec.ttl = ttl;
        break;
      }
      case 'layers': {
        const layers = parseUint(value, 0xffff);
        if (!layers) throw bad(`layers=${value}`);
        spec.layers = layers;
        break;
      }
      case 'ssrc':
        if (!/^[0-9A-Fa-f]{1,8}$/.test(value)) throw bad(`ssrc=${value}`);
        spec.ssrc = parseInt(value, 16);
        break;
      case 'mode': {
        const mode = unquote(value) ?? value;
        if (mode === '' || !/^[A-Za-z0-9_.!~*'()%+-]+(,[A-Za-z0-9_.!~*'()%+-]+)*$/.test(mode)) {
          throw bad(`mode=${value}`);
        }
        spec.mode = mode.toUpperCase();
        break;
      }
      default:
        setOwn(spec.extra, name, value);
    }
  }
  return spec;
}

export function parseTransport(v: string): TransportSpec[] {
  if (hasCtl(v)) throw bad('control character');
  const items = splitOutsideQuotes(v, ',');
  if (!items) throw bad('unterminated quoted string');
  const specs = items.filter((s) => trimOws(s) !== '').map(parseSpec);
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
