import { describe, expect, it } from 'vitest';
import {
  BATCH_MS,
  FAST_START_LEAD_MS,
  grownLead,
  LEAD_MS,
  leadFor,
  RAMP_STEP_MAX_MS,
  sleepMs,
  UDP_FAST_START_SPEED,
} from '../../../src/serve/playout-cursor.js';

describe('playout lead', () => {
  it('a TCP viewer with fast start gets a second of media ahead of the clock at once', () => {
    const plan = leadFor(true, true);
    expect(plan).toEqual({ maxMs: FAST_START_LEAD_MS, speed: Infinity });
    expect(FAST_START_LEAD_MS).toBe(1000);
    expect(grownLead(plan, LEAD_MS, 0)).toBe(1000);
  });

  it('a UDP viewer with fast start gets the same lead, reached at a few times real time', () => {
    const plan = leadFor(true, false);
    expect(plan).toEqual({ maxMs: FAST_START_LEAD_MS, speed: UDP_FAST_START_SPEED });
    // Waking every 5 ms: the horizon runs at 4x real time until the lead is a second.
    let lead = LEAD_MS;
    let wall = 0;
    while (lead < plan.maxMs) {
      lead = grownLead(plan, lead, 5);
      wall += 5;
    }
    expect(lead).toBe(1000);
    expect(wall).toBeGreaterThanOrEqual(((1000 - LEAD_MS) / (UDP_FAST_START_SPEED - 1)) | 0);
    expect(wall).toBeLessThan(400);
  });

  it('a late wake-up does not make a bigger burst: the lead grows by a bounded step', () => {
    const plan = leadFor(true, false);
    expect(grownLead(plan, LEAD_MS, 500)).toBe(
      LEAD_MS + RAMP_STEP_MAX_MS * (UDP_FAST_START_SPEED - 1),
    );
    expect(grownLead(plan, LEAD_MS, -5)).toBe(LEAD_MS);
  });

  it('without fast start packets lead the clock by LEAD_MS only', () => {
    for (const reliable of [true, false]) {
      const plan = leadFor(false, reliable);
      expect(plan.maxMs).toBe(LEAD_MS);
      expect(grownLead(plan, LEAD_MS, 1000)).toBe(LEAD_MS);
    }
  });

  it('at the full lead the pump sleeps at least a batch, and every packet still goes out LEAD_MS early', () => {
    const plan = leadFor(true, false);
    // Audio every 20 ms between frames: one wake-up per batch instead of one per packet.
    expect(sleepMs(plan, plan.maxMs, 5)).toBe(BATCH_MS);
    expect(sleepMs(plan, plan.maxMs, 45)).toBe(45);
    expect(BATCH_MS).toBeLessThan(40); // below a frame's interval at 25 frames/s
    // Whatever the gap, a packet entering the horizon during the sleep is still LEAD_MS early.
    for (const gap of [0, 1, 10, 30, 49]) {
      expect(sleepMs(plan, plan.maxMs, gap) - gap).toBeLessThanOrEqual(plan.maxMs - LEAD_MS);
    }
    // A smaller lead leaves less slack: the batch shrinks with it.
    expect(sleepMs({ maxMs: LEAD_MS + 10, speed: 4 }, LEAD_MS + 10, 2)).toBe(10);
  });

  it('without fast start, or while the lead grows, the pump wakes when the next packet is due', () => {
    for (const reliable of [true, false]) {
      const plan = leadFor(false, reliable);
      expect(sleepMs(plan, LEAD_MS, 5)).toBe(5);
      expect(sleepMs(plan, LEAD_MS, 0)).toBe(1);
    }
    const ramp = leadFor(true, false);
    expect(sleepMs(ramp, 300, 20)).toBe(20 / UDP_FAST_START_SPEED);
    expect(sleepMs(ramp, ramp.maxMs, Infinity)).toBe(50);
  });
});
