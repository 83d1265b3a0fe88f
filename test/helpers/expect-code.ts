import { expect } from 'vitest';
import { ProtocolError, UpstreamError, type ErrorCode } from '../../src/errors.js';

/** `fn` throws a ProtocolError with this code. */
export function expectCode(fn: () => unknown, code: ErrorCode): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code).toBe(code);
}

/** What `p` rejects with; fails unless it rejects with an UpstreamError. */
export async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected a rejection');
}
