/**
 * The first line of an RTSP message (RFC 2326 §6.1, §7.1): a Request-Line or a Status-Line, and
 * the parse error every part of the stream parser throws.
 */
import { ProtocolError, type ProtocolCode } from '../../errors.js';
import type { RtspMessage } from './message.js';
import { isToken, trimOws } from './syntax.js';

export class RtspParseError extends ProtocolError {
  /** CSeq of the message being parsed when the error hit, if that header had been read. */
  readonly cseq: string | undefined;
  /**
   * Complete messages decoded from the same push() before the error (e.g. a pipelined request
   * ahead of the bad one); handle them before acting on the error. Empty when thrown again by a
   * later push() on the failed parser.
   */
  readonly messages: RtspMessage[];
  constructor(code: ProtocolCode, message: string, cseq?: string, messages: RtspMessage[] = []) {
    super(code, message);
    this.cseq = cseq;
    this.messages = messages;
  }
}

export type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string }
  | { kind: 'response'; version: string; status: number; reason: string };

const PROTO_VERSION_RE = /^[A-Za-z][A-Za-z0-9+.-]*\/\d+\.\d+$/;
const RTSP1_RE = /^RTSP\/1\.\d+$/i;

function checkVersion(v: string): void {
  if (RTSP1_RE.test(v)) return;
  if (PROTO_VERSION_RE.test(v)) {
    throw new RtspParseError('RTSP_BAD_VERSION', `unsupported protocol version ${v}`);
  }
  throw new RtspParseError(
    'RTSP_BAD_START_LINE',
    `bad protocol version field ${JSON.stringify(v)}`,
  );
}

export function parseStartLine(line: string): StartLine {
  const text = line.replace(/[ \t]+$/, '');
  const sp = text.search(/[ \t]/);
  const first = sp < 0 ? text : text.slice(0, sp);
  if (first.includes('/')) {
    // Status-Line = RTSP-Version SP Status-Code SP Reason-Phrase (method tokens cannot hold '/').
    checkVersion(first);
    const m = /^[ \t]+(\d{3})(?:[ \t]+(.*))?$/s.exec(text.slice(first.length));
    if (!m?.[1]) throw new RtspParseError('RTSP_BAD_START_LINE', 'bad status line');
    return { kind: 'response', version: first, status: Number(m[1]), reason: trimOws(m[2] ?? '') };
  }
  // Request-Line = Method SP Request-URI SP RTSP-Version
  const parts = text.split(/[ \t]+/);
  const [method, uri, version] = parts;
  if (parts.length !== 3 || !method || !uri || !version || !isToken(method)) {
    throw new RtspParseError('RTSP_BAD_START_LINE', 'bad request line');
  }
  checkVersion(version);
  return { kind: 'request', method, uri, version };
}
