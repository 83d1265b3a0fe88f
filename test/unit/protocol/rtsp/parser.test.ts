import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/errors.js';
import type { RtspMessage } from '../../../../src/protocol/rtsp/message.js';
import {
  RtspParseError,
  RtspParser,
  maxBufferedBytes,
} from '../../../../src/protocol/rtsp/parser.js';
import { BAD } from './bad-cases.js';
import { GOOD, plain } from './cases.js';

function feed(parser: RtspParser, chunks: Buffer[]): RtspMessage[] {
  return chunks.flatMap((c) => parser.push(c));
}

function bytewise(input: Buffer): Buffer[] {
  return [...input].map((x) => Buffer.from([x]));
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('RtspParser: good streams', () => {
  for (const c of GOOD) {
    it(`${c.name} (one chunk)`, () => {
      const parser = new RtspParser(c.limits);
      expect(parser.push(c.input).map(plain)).toEqual(c.expect);
      expect(parser.buffered).toBe(0);
    });
    it(`${c.name} (byte by byte)`, () => {
      const parser = new RtspParser(c.limits);
      expect(feed(parser, bytewise(c.input)).map(plain)).toEqual(c.expect);
      expect(parser.buffered).toBe(0);
    });
    it(`${c.name} (two halves)`, () => {
      const parser = new RtspParser(c.limits);
      const mid = c.input.length >> 1;
      const out = feed(parser, [c.input.subarray(0, mid), c.input.subarray(mid)]);
      expect(out.map(plain)).toEqual(c.expect);
    });
  }
});

describe('RtspParser: bad streams', () => {
  for (const c of BAD) {
    it(`${c.name} → ${c.code}`, () => {
      const err = catchError(() => new RtspParser(c.limits).push(c.input));
      expect(err).toBeInstanceOf(RtspParseError);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as RtspParseError).code).toBe(c.code);
      expect((err as RtspParseError).cseq).toBe(c.cseq);
    });
    it(`${c.name} → ${c.code} (byte by byte)`, () => {
      const parser = new RtspParser(c.limits);
      const err = catchError(() => feed(parser, bytewise(c.input)));
      expect((err as RtspParseError).code).toBe(c.code);
      expect((err as RtspParseError).cseq).toBe(c.cseq);
    });
  }
});

describe('RtspParser: behaviour', () => {
  it('detects an over-long line as soon as it passes the limit, across chunks', () => {
    const parser = new RtspParser({ maxLineLength: 10 });
    expect(parser.push(Buffer.from('OPTIONS'))).toEqual([]);
    expect(parser.push(Buffer.from(' * '))).toEqual([]);
    expect(parser.push(Buffer.from('\r'))).toEqual([]); // 11 bytes: could still be 10 + CR
    expect(parser.buffered).toBe(11);
    const err = catchError(() => parser.push(Buffer.from('R')));
    expect((err as RtspParseError).code).toBe('RTSP_LINE_TOO_LONG');
  });

  it('allows a line of exactly the limit whose CR and LF arrive separately', () => {
    const parser = new RtspParser({ maxLineLength: 18 });
    expect(parser.push(Buffer.from('OPTIONS * RTSP/1.0\r'))).toEqual([]);
    expect(parser.push(Buffer.from('\n\r'))).toEqual([]);
    expect(parser.push(Buffer.from('\n')).map((m) => m.kind)).toEqual(['request']);
  });

  it('stays failed until reset(), then parses again', () => {
    const parser = new RtspParser();
    const first = catchError(() => parser.push(Buffer.from('BAD LINE\r\n')));
    expect((first as RtspParseError).code).toBe('RTSP_BAD_START_LINE');
    const again = catchError(() => parser.push(Buffer.from('OPTIONS * RTSP/1.0\r\n\r\n')));
    expect(again).toBeInstanceOf(RtspParseError);
    expect((again as RtspParseError).code).toBe('RTSP_BAD_START_LINE');
    parser.reset();
    expect(parser.buffered).toBe(0);
    expect(parser.push(Buffer.from('OPTIONS * RTSP/1.0\r\n\r\n'))).toHaveLength(1);
  });

  it('hands over the messages decoded before the error in the same push', () => {
    const parser = new RtspParser();
    const input = Buffer.from(
      'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n$\x00\x00\x01\xffDESCRIBE * RTSP/1.0\r\nCSeq: 2\r\nBad\r\n\r\n',
      'latin1',
    );
    const err = catchError(() => parser.push(input)) as RtspParseError;
    expect(err.code).toBe('RTSP_BAD_HEADER');
    expect(err.cseq).toBe('2');
    expect(err.messages.map((m) => m.kind)).toEqual(['request', 'frame']);
    const again = catchError(() => parser.push(Buffer.from('x'))) as RtspParseError;
    expect([again.code, again.cseq, again.messages]).toEqual(['RTSP_BAD_HEADER', '2', []]);
  });

  it('reset() drops a partial message', () => {
    const parser = new RtspParser();
    parser.push(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(parser.buffered).toBeGreaterThan(3);
    parser.reset();
    expect(parser.buffered).toBe(0);
    expect(parser.push(Buffer.from([0x24, 1, 0, 1, 0xaa])).map((m) => m.kind)).toEqual(['frame']);
  });

  it('counts held head and body bytes in buffered', () => {
    const parser = new RtspParser();
    const head = 'RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n';
    parser.push(Buffer.from(`${head}abcd`));
    expect(parser.buffered).toBe(head.length + 4);
    parser.push(Buffer.from([0x24]));
    expect(parser.buffered).toBe(head.length + 5);
  });

  it('copies a leftover partial line so the caller may reuse its chunk', () => {
    const parser = new RtspParser();
    const chunk = Buffer.from('OPTIONS * RTSP/1.0\r\nCSeq: 12');
    parser.push(chunk);
    chunk.fill(0x78);
    const [msg] = parser.push(Buffer.from('\r\n\r\n'));
    expect(msg?.kind === 'request' && msg.headers.get('cseq')).toBe('12');
  });

  it('assembles a frame split over many small pushes', () => {
    const parser = new RtspParser();
    const payload = Buffer.alloc(3000, 7);
    const bytes = Buffer.concat([Buffer.from([0x24, 3, 0x0b, 0xb8]), payload]);
    const out: RtspMessage[] = [];
    for (let i = 0; i < bytes.length; i += 100) {
      out.push(...parser.push(bytes.subarray(i, i + 100)));
      expect(parser.buffered).toBeLessThanOrEqual(3004);
    }
    expect(out).toHaveLength(1);
    expect(out[0]).toEqual({ kind: 'frame', channel: 3, payload });
  });

  it('returns frame payloads as views of the pushed chunk (no copy on the hot path)', () => {
    const parser = new RtspParser();
    const chunk = Buffer.from([0x24, 0, 0, 2, 1, 2, 0x24, 1, 0, 1, 3]);
    const out = parser.push(chunk);
    expect(out).toHaveLength(2);
    const first = out[0];
    expect(first?.kind === 'frame' && first.payload.buffer).toBe(chunk.buffer);
  });

  it('bridges a frame split across chunks and keeps later frames as views', () => {
    const parser = new RtspParser();
    const a = Buffer.from([0x24, 0, 0, 4, 1, 2]);
    const b = Buffer.from([3, 4, 0x24, 1, 0, 2, 9, 9, 0x24]);
    expect(parser.push(a)).toEqual([]);
    const out = parser.push(b);
    expect(out.map(plain)).toEqual([
      { kind: 'frame', channel: 0, payload: '01020304' },
      { kind: 'frame', channel: 1, payload: '0909' },
    ]);
    const second = out[1];
    expect(second?.kind === 'frame' && second.payload.buffer).toBe(b.buffer);
    expect(parser.buffered).toBe(1);
    expect(parser.push(Buffer.from([2, 0, 0])).map(plain)).toEqual([
      { kind: 'frame', channel: 2, payload: '' },
    ]);
  });

  it('keeps a frame header split after blank lines (regression)', () => {
    const parser = new RtspParser({ maxFrameLength: 100 });
    expect(parser.push(Buffer.from([0x0a, 0x24]))).toEqual([]);
    expect(parser.buffered).toBe(1);
    const err = catchError(() => parser.push(Buffer.from([0x00, 0x05, 0xdd])));
    expect((err as RtspParseError).code).toBe('RTSP_FRAME_TOO_LARGE');
  });

  it('ignores an empty chunk', () => {
    expect(new RtspParser().push(Buffer.alloc(0))).toEqual([]);
  });

  it('exposes header lookups case-insensitively', () => {
    const [msg] = new RtspParser().push(Buffer.from('OPTIONS * RTSP/1.0\r\ncSeQ: 4\r\n\r\n'));
    expect(msg?.kind === 'request' && msg.headers.get('CSeq')).toBe('4');
  });

  it('derives a finite buffered bound from the limits', () => {
    const limits = { maxLineLength: 10, maxHeaderCount: 2, maxBodyLength: 100, maxFrameLength: 50 };
    expect(maxBufferedBytes(limits)).toBe(3 * 12 + 2 + 100);
    expect(maxBufferedBytes()).toBeGreaterThan(1024 * 1024);
  });
});
