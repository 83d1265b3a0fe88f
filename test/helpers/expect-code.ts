import { expect } from 'vitest';
import { ProtocolError, type ErrorCode } from '../../src/errors.js';

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
