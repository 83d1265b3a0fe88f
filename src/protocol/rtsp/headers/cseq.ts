/** CSeq (RFC 2326 §12.17): a non-negative decimal sequence number. */
import { ProtocolError } from '../../../errors.js';
import { parseUint, trimOws } from '../syntax.js';

export const MAX_CSEQ = 0xffffffff;

export function parseCSeq(v: string): number {
  const n = parseUint(trimOws(v), MAX_CSEQ);
  if (n === undefined) throw new ProtocolError('HDR_BAD_CSEQ', `bad CSeq ${JSON.stringify(v)}`);
  return n;
}

export function formatCSeq(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_CSEQ) {
    throw new ProtocolError('HDR_BAD_CSEQ', `bad CSeq ${n}`);
  }
  return String(n);
}
