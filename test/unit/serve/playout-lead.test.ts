import { describe, expect, it } from 'vitest';
import {
  FAST_START_LEAD_MS,
  LEAD_MS,
  leadAt,
  untilDue,
} from '../../../src/serve/playout-cursor.js';

describe('playout lead', () => {
  it('without fast start packets lead the clock by LEAD_MS only', () => {
    expect(leadAt(LEAD_MS, 0)).toBe(LEAD_MS);
    expect(leadAt(LEAD_MS, 10_000)).toBe(LEAD_MS);
    expect(untilDue(100, LEAD_MS, LEAD_MS)).toBe(100 - LEAD_MS);
  });

  it('with fast start the lead grows at real time (media at 2x) up to its bound', () => {
    expect(leadAt(FAST_START_LEAD_MS, 0)).toBe(LEAD_MS);
    expect(leadAt(FAST_START_LEAD_MS, 400)).toBe(LEAD_MS + 400);
    expect(leadAt(FAST_START_LEAD_MS, 5000)).toBe(FAST_START_LEAD_MS);
    // A packet 300 ms ahead with a lead of 100 still growing: due when 2x catches up (100 ms).
    expect(untilDue(300, 100, FAST_START_LEAD_MS)).toBe(100);
    expect(untilDue(1300, FAST_START_LEAD_MS, FAST_START_LEAD_MS)).toBe(300);
  });
});
