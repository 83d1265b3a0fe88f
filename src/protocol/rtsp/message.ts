/** RTSP message model shared by the parser, the serializer, the front end and upstream legs. */

/** Ordered, case-insensitive header list. Keeps the first-seen spelling of each name. */
export class RtspHeaders {
  private readonly list: Array<[string, string]> = [];

  constructor(init?: Iterable<readonly [string, string]> | Record<string, string>) {
    if (!init) return;
    const entries = Symbol.iterator in init ? init : Object.entries(init);
    for (const [k, v] of entries) this.append(k, v);
  }

  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (const [k, v] of this.list) if (k.toLowerCase() === n) return v;
    return undefined;
  }

  getAll(name: string): string[] {
    const n = name.toLowerCase();
    return this.list.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every header of this name with one value. */
  set(name: string, value: string): this {
    this.delete(name);
    this.list.push([name, value]);
    return this;
  }

  append(name: string, value: string): this {
    this.list.push([name, value]);
    return this;
  }

  delete(name: string): this {
    const n = name.toLowerCase();
    for (let i = this.list.length - 1; i >= 0; i--) {
      const entry = this.list[i];
      if (entry && entry[0].toLowerCase() === n) this.list.splice(i, 1);
    }
    return this;
  }

  get size(): number {
    return this.list.length;
  }

  entries(): IterableIterator<[string, string]> {
    return this.list[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

export interface RtspRequest {
  kind: 'request';
  method: string;
  uri: string;
  /** e.g. "RTSP/1.0" */
  version: string;
  headers: RtspHeaders;
  body: Buffer;
}

export interface RtspResponse {
  kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: RtspHeaders;
  body: Buffer;
}

/** A `$`-interleaved binary frame (RFC 2326 10.12): RTP/RTCP over the RTSP TCP connection. */
export interface InterleavedFrame {
  kind: 'frame';
  channel: number;
  payload: Buffer;
}

export type RtspMessage = RtspRequest | RtspResponse | InterleavedFrame;

/** Named limits; every parser input is bounded by one of these. */
export interface RtspLimits {
  /** longest start line or header line, in bytes, without CRLF */
  maxLineLength: number;
  maxHeaderCount: number;
  maxBodyLength: number;
  /** largest interleaved frame payload (the length field allows 65535) */
  maxFrameLength: number;
}

export const DEFAULT_RTSP_LIMITS: Readonly<RtspLimits> = Object.freeze({
  maxLineLength: 8192,
  maxHeaderCount: 64,
  maxBodyLength: 1024 * 1024,
  maxFrameLength: 65535,
});

export const STATUS_REASONS: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue',
  200: 'OK',
  201: 'Created',
  250: 'Low on Storage Space',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  415: 'Unsupported Media Type',
  451: 'Parameter Not Understood',
  453: 'Not Enough Bandwidth',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  456: 'Header Field Not Valid for Resource',
  457: 'Invalid Range',
  459: 'Aggregate Operation Not Allowed',
  460: 'Only Aggregate Operation Allowed',
  461: 'Unsupported Transport',
  462: 'Destination Unreachable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'RTSP Version Not Supported',
  551: 'Option Not Supported',
});
