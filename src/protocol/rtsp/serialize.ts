/**
 * RTSP message serialization (RFC 2326 §4, §6, §7, §10.12). Everything emitted here is accepted
 * by RtspParser; anything that could smuggle a line break (header injection) is refused.
 */
import { ProtocolError } from '../../errors.js';
import { STATUS_REASONS, type RtspHeaders } from './message.js';
import { hasCtl, isToken } from './syntax.js';

const DEFAULT_VERSION = 'RTSP/1.0';
const EMPTY = Buffer.alloc(0);

function checkVersion(version: string): void {
  if (!/^RTSP\/\d+\.\d+$/.test(version)) {
    throw new ProtocolError('RTSP_BAD_VERSION', `bad RTSP version ${JSON.stringify(version)}`);
  }
}

function writeHead(startLine: string, headers: RtspHeaders, body: Buffer): Buffer {
  let head = `${startLine}\r\n`;
  for (const [name, value] of headers) {
    if (!isToken(name)) {
      throw new ProtocolError('RTSP_BAD_HEADER', `bad header name ${JSON.stringify(name)}`);
    }
    if (hasCtl(value)) {
      throw new ProtocolError('RTSP_BAD_HEADER', `control character in header ${name}`);
    }
    // Content-Length is always derived from the body; a caller-provided one may be stale.
    if (name.toLowerCase() === 'content-length') continue;
    head += `${name}: ${value}\r\n`;
  }
  if (body.length > 0) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  const bytes = Buffer.from(head, 'utf8');
  return body.length > 0 ? Buffer.concat([bytes, body], bytes.length + body.length) : bytes;
}

export function serializeRequest(req: {
  method: string;
  uri: string;
  headers: RtspHeaders;
  body?: Buffer;
  version?: string;
}): Buffer {
  const version = req.version ?? DEFAULT_VERSION;
  // A leading `$` would read as an interleaved frame (RFC 2326 §10.12).
  if (!isToken(req.method) || req.method.startsWith('$')) {
    throw new ProtocolError('RTSP_BAD_START_LINE', `bad method ${JSON.stringify(req.method)}`);
  }
  if (req.uri.length === 0 || /\s/.test(req.uri) || hasCtl(req.uri)) {
    throw new ProtocolError('RTSP_BAD_START_LINE', `bad request URI ${JSON.stringify(req.uri)}`);
  }
  checkVersion(version);
  return writeHead(`${req.method} ${req.uri} ${version}`, req.headers, req.body ?? EMPTY);
}

/** Default reason phrase: the registered one, else the class's generic one. */
export function reasonFor(status: number): string {
  return STATUS_REASONS[status] ?? STATUS_REASONS[Math.floor(status / 100) * 100] ?? 'Unknown';
}

export function serializeResponse(res: {
  status: number;
  reason?: string;
  headers: RtspHeaders;
  body?: Buffer;
  version?: string;
}): Buffer {
  const version = res.version ?? DEFAULT_VERSION;
  if (!Number.isInteger(res.status) || res.status < 100 || res.status > 999) {
    throw new ProtocolError('RTSP_BAD_START_LINE', `bad status code ${res.status}`);
  }
  const reason = res.reason ?? reasonFor(res.status);
  if (hasCtl(reason)) throw new ProtocolError('RTSP_BAD_START_LINE', 'control character in reason');
  checkVersion(version);
  return writeHead(`${version} ${res.status} ${reason}`, res.headers, res.body ?? EMPTY);
}

/** `$` channel length(16 bit BE) payload — RFC 2326 §10.12. */
export function serializeFrame(channel: number, payload: Buffer): Buffer {
  if (!Number.isInteger(channel) || channel < 0 || channel > 255) {
    throw new RangeError(`interleaved channel ${channel} outside 0-255`);
  }
  if (payload.length > 0xffff) {
    throw new ProtocolError(
      'RTSP_FRAME_TOO_LARGE',
      `interleaved payload of ${payload.length} bytes exceeds 65535`,
    );
  }
  const out = Buffer.allocUnsafe(4 + payload.length);
  out[0] = 0x24;
  out[1] = channel;
  out.writeUInt16BE(payload.length, 2);
  payload.copy(out, 4);
  return out;
}
