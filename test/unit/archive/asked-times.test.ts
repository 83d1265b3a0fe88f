import { describe, expect, it } from 'vitest';
import { askedTimes } from '../../../src/serve/timeshift-plan.js';

const AT = Date.UTC(2026, 11, 1, 14, 15, 0);
const NOW = AT + 3_600_000;

describe('askedTimes', () => {
  it('a clock range is its own time, whatever opened the playback', () => {
    expect(askedTimes('clock=20261201T141510Z-', AT, NOW, true)).toEqual({
      startMs: AT + 10_000,
      endMs: undefined,
    });
  });

  it('npt=x- is x seconds after the URL time; no Range is the URL time', () => {
    expect(askedTimes('npt=30-', AT, NOW, true).startMs).toBe(AT + 30_000);
    expect(askedTimes(undefined, AT, NOW, true).startMs).toBe(AT);
  });

  it('npt=now- (what GStreamer sends for a live SDP) is the URL time on a ?at= playback', () => {
    expect(askedTimes('npt=now-', AT, NOW, true).startMs).toBe(AT);
  });

  it('npt=now- is the live edge on a playback a clock range opened', () => {
    expect(askedTimes('npt=now-', AT, NOW).startMs).toBe(NOW);
  });
});
