import { describe, expect, it } from 'vitest';
import { FAST_START_LEAD_MS, LEAD_MS, leadFor } from '../../../src/serve/playout-cursor.js';

describe('playout lead', () => {
  it('a TCP viewer with fast start gets a second of media ahead of the clock', () => {
    expect(leadFor(true, true)).toBe(FAST_START_LEAD_MS);
    expect(FAST_START_LEAD_MS).toBe(1000);
  });

  it('without fast start, or over UDP, packets lead the clock by LEAD_MS only', () => {
    expect(leadFor(false, true)).toBe(LEAD_MS);
    expect(leadFor(true, false)).toBe(LEAD_MS);
    expect(leadFor(false, false)).toBe(LEAD_MS);
  });
});
