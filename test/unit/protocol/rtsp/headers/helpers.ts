import { ProtocolError } from '../../../../../src/errors.js';

/** The ProtocolError code thrown by fn, undefined if none; rethrows anything else. */
export function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return undefined;
}
