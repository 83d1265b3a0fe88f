/**
 * Incremental RTSP/1.x stream parser (RFC 2326 §4, §6, §7, §10.12).
 *
 * One TCP stream carries requests, responses and `$`-interleaved binary frames in any order.
 * Bytes go in through push(); complete messages come out in order. Every byte held between pushes
 * is bounded by the RtspLimits (see maxBufferedBytes()).
 *
 * Decoding: start and header lines are UTF-8 (RFC 2326 §1.4 / §15); bodies and frame payloads are
 * raw bytes. Bodies and payloads are zero-copy views (subarray) of the pushed chunk when they lie
 * within one chunk; only the pieces of a unit split across chunks are concatenated. A partial payload
 * is kept by reference until completed, so callers must not mutate a chunk after pushing it (socket
 * 'data' buffers are never reused, so this holds for the normal use).
 */
import {
  DEFAULT_RTSP_LIMITS,
  RtspHeaders,
  type RtspLimits,
  type RtspMessage,
  type RtspRequest,
  type RtspResponse,
} from './message.js';
import { parseStartLine, RtspParseError, type StartLine } from './start-line.js';
import { isToken, trimOws } from './syntax.js';

export { RtspParseError } from './start-line.js';

type Mode = 'idle' | 'head' | 'body' | 'frame';

const LF = 0x0a;
const CR = 0x0d;
const DOLLAR = 0x24;

/** Upper bound of RtspParser.buffered for the given limits (used by tests and memory budgeting). */
export function maxBufferedBytes(limits: Partial<RtspLimits> = {}): number {
  const l = { ...DEFAULT_RTSP_LIMITS, ...limits };
  const head = (l.maxHeaderCount + 1) * (l.maxLineLength + 2) + 2;
  return head + Math.max(l.maxLineLength + 1, l.maxBodyLength, l.maxFrameLength + 4);
}

export class RtspParser {
  private readonly limits: Readonly<RtspLimits>;
  /** Unconsumed bytes, in order; only the first may be a copy made by us. */
  private parts: Buffer[] = [];
  private partsLen = 0;
  private mode: Mode = 'idle';
  private start: StartLine | undefined;
  private headerList: Array<[string, string]> = [];
  /** Raw bytes of the last logical header line so far (folded lines included, terminator excluded). */
  private lastHeaderRaw = 0;
  /** Bytes of head lines consumed for the message in progress. */
  private held = 0;
  /** Body or frame payload length awaited. */
  private need = 0;
  private channel = 0;
  private failure: RtspParseError | undefined;

  constructor(limits?: Partial<RtspLimits>) {
    this.limits = Object.freeze({ ...DEFAULT_RTSP_LIMITS, ...limits });
  }

  get buffered(): number {
    const inMessage = this.mode === 'head' || this.mode === 'body' ? this.held : 0;
    return this.partsLen + inMessage + (this.mode === 'frame' ? 4 : 0);
  }

  reset(): void {
    this.parts = [];
    this.partsLen = 0;
    this.mode = 'idle';
    this.start = undefined;
    this.headerList = [];
    this.lastHeaderRaw = 0;
    this.held = 0;
    this.need = 0;
    this.channel = 0;
    this.failure = undefined;
  }

  push(chunk: Buffer): RtspMessage[] {
    const failed = this.failure;
    if (failed) throw new RtspParseError(failed.code, failed.message, failed.cseq);
    const out: RtspMessage[] = [];
    try {
      return this.pushInner(chunk, out);
    } catch (err) {
      if (err instanceof RtspParseError) {
        const inMessage = this.mode === 'head' || this.mode === 'body';
        const cseq = err.cseq ?? (inMessage ? this.cseq() : undefined);
        this.failure = new RtspParseError(err.code, err.message, cseq, out);
        throw this.failure;
      }
      throw err;
    }
  }

  private pushInner(chunk: Buffer, out: RtspMessage[]): RtspMessage[] {
    if (chunk.length === 0) return out;
    let rest = chunk;
    if (this.partsLen > 0) {
      // Finish the pending unit with just the bytes it lacks, then go on zero-copy in the chunk.
      const k = this.bytesToFinish(chunk);
      if (k < 0) {
        this.parts.push(chunk);
        this.partsLen += chunk.length;
        return out;
      }
      const bridge = Buffer.concat([...this.parts, chunk.subarray(0, k)]);
      this.parts = [];
      this.partsLen = 0;
      this.drain(bridge, out);
      rest = chunk.subarray(k);
      if (this.partsLen > 0) {
        // Not expected (the bridge holds exactly one unit), but stay correct if it happens.
        rest = Buffer.concat([...this.parts, rest]);
        this.parts = [];
        this.partsLen = 0;
      }
    }
    this.drain(rest, out);
    return out;
  }

  /** Runs the state machine over buf and keeps what it could not consume. */
  private drain(buf: Buffer, out: RtspMessage[]): void {
    let off = 0;
    while (off < buf.length) {
      const next = this.step(buf, off, out);
      if (next < 0) break;
      off = next;
    }
    if (off >= buf.length) return;
    // A partial payload is kept as a view (it gets copied once, when complete); a partial line or
    // frame header is small and copied so that it does not pin the caller's chunk.
    const left = buf.subarray(off);
    const keep = this.mode === 'body' || this.mode === 'frame' ? left : Buffer.from(left);
    this.parts.push(keep);
    this.partsLen += keep.length;
  }

  /**
   * How many bytes of chunk complete the pending unit (a payload, a line or a frame header), or -1
   * if the chunk is not enough. Throws for a partial line already over the limit.
   */
  private bytesToFinish(chunk: Buffer): number {
    let missing: number;
    switch (this.mode) {
      case 'body':
      case 'frame':
        missing = this.need - this.partsLen;
        break;
      case 'head': {
        const nl = chunk.indexOf(LF);
        if (nl >= 0) return nl + 1;
        this.checkPartialLine(this.partsLen + chunk.length, chunk[chunk.length - 1]);
        return -1;
      }
      case 'idle':
        missing = 4 - this.partsLen;
        break;
    }
    return chunk.length >= missing ? missing : -1;
  }

  private checkPartialLine(len: number, last: number | undefined): void {
    const max = this.limits.maxLineLength;
    if (len > max + 1 || (len === max + 1 && last !== CR)) {
      throw new RtspParseError('RTSP_LINE_TOO_LONG', `line longer than ${max} bytes`);
    }
  }

  /** Consumes one unit at `off`; returns the new offset or -1 when more bytes are needed. */
  private step(buf: Buffer, off: number, out: RtspMessage[]): number {
    switch (this.mode) {
      case 'idle':
        return this.stepIdle(buf, off, out);
      case 'head':
        return this.stepHead(buf, off, out);
      case 'body': {
        if (buf.length - off < this.need) return -1;
        const end = off + this.need;
        out.push(this.finishMessage(buf.subarray(off, end)));
        return end;
      }
      case 'frame': {
        if (buf.length - off < this.need) return -1;
        const end = off + this.need;
        out.push({ kind: 'frame', channel: this.channel, payload: buf.subarray(off, end) });
        this.mode = 'idle';
        return end;
      }
    }
  }

  private stepIdle(buf: Buffer, off: number, out: RtspMessage[]): number {
    // Tolerate empty lines (and stray CRs) between messages.
    const from = off;
    while (off < buf.length && (buf[off] === CR || buf[off] === LF)) off++;
    if (off >= buf.length || off > from) return off; // commit the skip before anything else
    if (buf[off] !== DOLLAR) {
      this.mode = 'head';
      this.start = undefined;
      this.headerList = [];
      this.held = 0;
      return off;
    }
    if (buf.length - off < 4) return -1;
    const length = buf.readUInt16BE(off + 2);
    if (length > this.limits.maxFrameLength) {
      throw new RtspParseError(
        'RTSP_FRAME_TOO_LARGE',
        `interleaved frame of ${length} bytes exceeds ${this.limits.maxFrameLength}`,
      );
    }
    const channel = buf[off + 1] ?? 0;
    if (length === 0) {
      out.push({ kind: 'frame', channel, payload: buf.subarray(off + 4, off + 4) });
    } else {
      this.channel = channel;
      this.need = length;
      this.mode = 'frame';
    }
    return off + 4;
  }

  private stepHead(buf: Buffer, off: number, out: RtspMessage[]): number {
    const max = this.limits.maxLineLength;
    const nl = buf.indexOf(LF, off);
    if (nl < 0) {
      this.checkPartialLine(buf.length - off, buf[buf.length - 1]);
      return -1;
    }
    const end = nl > off && buf[nl - 1] === CR ? nl - 1 : nl;
    if (end - off > max) {
      throw new RtspParseError('RTSP_LINE_TOO_LONG', `line longer than ${max} bytes`);
    }
    const raw = nl + 1 - off;
    this.held += raw;
    const isStart = this.start === undefined;
    for (let i = off; i < end; i++) {
      const b = buf[i] ?? 0;
      if ((b < 0x20 && b !== 0x09) || b === 0x7f) {
        throw new RtspParseError(
          isStart ? 'RTSP_BAD_START_LINE' : 'RTSP_BAD_HEADER',
          'control character in message head',
        );
      }
    }
    const line = buf.toString('utf8', off, end);
    if (isStart) {
      this.start = parseStartLine(line);
    } else if (line.length === 0) {
      this.endOfHead(out);
    } else if (line[0] === ' ' || line[0] === '\t') {
      // obs-fold: continuation of the previous header value.
      const last = this.headerList[this.headerList.length - 1];
      if (!last) throw new RtspParseError('RTSP_BAD_HEADER', 'continuation line without a header');
      this.lastHeaderRaw += raw;
      if (this.lastHeaderRaw - (nl + 1 - end) > max) {
        throw new RtspParseError('RTSP_LINE_TOO_LONG', `folded header longer than ${max} bytes`);
      }
      const more = trimOws(line);
      if (more) last[1] = last[1] ? `${last[1]} ${more}` : more;
    } else {
      this.addHeader(line);
      this.lastHeaderRaw = raw;
    }
    return nl + 1;
  }

  private addHeader(line: string): void {
    const colon = line.indexOf(':');
    if (colon < 0) throw new RtspParseError('RTSP_BAD_HEADER', 'header line without colon');
    const name = trimOws(line.slice(0, colon));
    if (!isToken(name)) {
      throw new RtspParseError('RTSP_BAD_HEADER', `bad header name ${JSON.stringify(name)}`);
    }
    if (this.headerList.length >= this.limits.maxHeaderCount) {
      throw new RtspParseError(
        'RTSP_TOO_MANY_HEADERS',
        `more than ${this.limits.maxHeaderCount} headers`,
      );
    }
    this.headerList.push([name, trimOws(line.slice(colon + 1))]);
  }

  private endOfHead(out: RtspMessage[]): void {
    let length: number | undefined;
    for (const [k, v] of this.headerList) {
      if (k.length !== 14 || k.toLowerCase() !== 'content-length') continue;
      if (!/^\d+$/.test(v)) {
        throw new RtspParseError(
          'RTSP_BAD_CONTENT_LENGTH',
          `bad Content-Length ${JSON.stringify(v)}`,
        );
      }
      const n = v.length > 16 ? Infinity : Number(v);
      if (length !== undefined && n !== length) {
        throw new RtspParseError('RTSP_BAD_CONTENT_LENGTH', 'conflicting Content-Length headers');
      }
      length = n;
    }
    length ??= 0;
    if (length > this.limits.maxBodyLength) {
      throw new RtspParseError(
        'RTSP_BODY_TOO_LARGE',
        `body of ${describeLength(length)} bytes exceeds ${this.limits.maxBodyLength}`,
      );
    }
    if (length === 0) {
      out.push(this.finishMessage(Buffer.alloc(0)));
    } else {
      this.mode = 'body';
      this.need = length;
    }
  }

  private finishMessage(body: Buffer): RtspRequest | RtspResponse {
    const start = this.start;
    const headers = new RtspHeaders(this.headerList);
    this.mode = 'idle';
    this.start = undefined;
    this.headerList = [];
    this.held = 0;
    if (!start) throw new RtspParseError('RTSP_BAD_START_LINE', 'message without start line');
    return start.kind === 'request'
      ? {
          kind: 'request',
          method: start.method,
          uri: start.uri,
          version: start.version,
          headers,
          body,
        }
      : {
          kind: 'response',
          version: start.version,
          status: start.status,
          reason: start.reason,
          headers,
          body,
        };
  }

  private cseq(): string | undefined {
    for (const [k, val] of this.headerList) if (k.toLowerCase() === 'cseq') return val;
    return undefined;
  }
}

function describeLength(n: number): string {
  return Number.isFinite(n) ? String(n) : 'too many';
}
