/**
 * The error contract: codes are stable names, each owned by exactly one error class, and every
 * code has the RTSP status a viewer gets for it (never 500: a failure seamd knows is never an
 * "internal error").
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIG_CODES,
  ConfigError,
  PROTOCOL_CODES,
  ProtocolError,
  REPAIR_CODES,
  RTSP_STATUS,
  RUNTIME_CODES,
  RuntimeError,
  STORE_CODES,
  UPSTREAM_CODES,
  UpstreamError,
  viewerStatusOf,
  type ErrorCode,
} from '../../src/errors.js';
import { RtspParseError } from '../../src/protocol/rtsp/parser.js';
import { RepairError } from '../../src/repair/errors.js';
import { StoreError } from '../../src/store/errors.js';

const RANGES = {
  ProtocolError: PROTOCOL_CODES,
  UpstreamError: UPSTREAM_CODES,
  ConfigError: CONFIG_CODES,
  StoreError: STORE_CODES,
  RepairError: REPAIR_CODES,
  RuntimeError: RUNTIME_CODES,
} as const;

const ALL: readonly ErrorCode[] = Object.values(RANGES).flat();

/** One instance per code, built by the class that owns it. */
function build(code: ErrorCode): Error & { code: ErrorCode } {
  if ((PROTOCOL_CODES as readonly string[]).includes(code))
    return new ProtocolError(code as (typeof PROTOCOL_CODES)[number], 'm');
  if ((UPSTREAM_CODES as readonly string[]).includes(code))
    return new UpstreamError(code as (typeof UPSTREAM_CODES)[number], 'm');
  if ((CONFIG_CODES as readonly string[]).includes(code))
    return new ConfigError(code as (typeof CONFIG_CODES)[number], 'm');
  if ((STORE_CODES as readonly string[]).includes(code))
    return new StoreError(code as (typeof STORE_CODES)[number], '/f', 'm');
  if ((REPAIR_CODES as readonly string[]).includes(code))
    return new RepairError(code as (typeof REPAIR_CODES)[number], 'm');
  return new RuntimeError(code as (typeof RUNTIME_CODES)[number], 'm');
}

describe('error codes', () => {
  it('are unique, SCREAMING_SNAKE, and each belongs to exactly one class', () => {
    expect(new Set(ALL).size).toBe(ALL.length);
    for (const code of ALL) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]+$/);
      const owners = Object.entries(RANGES).filter(([, codes]) =>
        (codes as readonly string[]).includes(code),
      );
      expect(owners, code).toHaveLength(1);
    }
  });

  it('every instance carries its class name, code and message', () => {
    for (const [cls, codes] of Object.entries(RANGES)) {
      for (const code of codes) {
        const err = build(code);
        expect(err.name).toBe(cls);
        expect(err.code).toBe(code);
        expect(err).toBeInstanceOf(Error);
      }
    }
    expect(new RtspParseError('RTSP_BAD_VERSION', 'x').name).toBe('RtspParseError');
    expect(new RtspParseError('RTSP_BAD_VERSION', 'x')).toBeInstanceOf(ProtocolError);
  });

  it('every code has a viewer status: 4xx or 5xx, never 500', () => {
    expect(Object.keys(RTSP_STATUS).sort()).toEqual([...ALL].sort());
    for (const code of ALL) {
      const status = RTSP_STATUS[code];
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(status, code).not.toBe(500);
      expect(viewerStatusOf(build(code))).toBe(status);
    }
  });

  it('a malformed request is a 4xx (505 for a version seamd does not speak)', () => {
    for (const code of PROTOCOL_CODES) {
      const status = RTSP_STATUS[code];
      if (code === 'RTSP_BAD_VERSION') expect(status).toBe(505);
      else if (code === 'SDP_INVALID')
        expect(status).toBe(502); // only origins send SDP
      else expect(status, code).toBeLessThan(500);
    }
  });

  it.each([
    [new UpstreamError('UPSTREAM_STATUS', 'nf', { status: 404 }), 404],
    [new UpstreamError('UPSTREAM_STATUS', 'gone', { status: 410 }), 404],
    [new UpstreamError('UPSTREAM_STATUS', 'busy', { status: 503 }), 503],
    [new UpstreamError('UPSTREAM_STATUS', 'odd', { status: 451 }), 502],
    [new UpstreamError('UPSTREAM_TIMEOUT', 't'), 504],
    [new Error('not ours'), 502],
    ['a string', 502],
  ])('viewerStatusOf(%s) = %i', (err, status) => {
    expect(viewerStatusOf(err)).toBe(status);
  });
});
