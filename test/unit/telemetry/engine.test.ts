/**
 * The engine end to end over fakes (injected clock, fake legs): trouble → rule → decision log
 * → intents → the leg policy's decisions (a real LegPolicy with the default seam settings) →
 * failover → clear; and the decision state the front end asks.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LegPolicy, type LegIntent, type PolicyDecision } from '../../../src/seam/policy.js';
import type { LegSnapshot } from '../../../src/source/legs.js';
import { originOfUrl } from '../../../src/upstream/url.js';
import { TELEMETRY_DEFAULTS } from '../../../src/telemetry/config.js';
import { Telemetry, type TelemetrySource } from '../../../src/telemetry/engine.js';
import type { RuleConfig } from '../../../src/telemetry/rules.js';
import { memoryLogger } from '../../helpers/log.js';

class FakeLegs extends EventEmitter {
  legs: LegSnapshot[] = [];
  openingCount = 0;
  opened: Array<{ url: string; rule: string }> = [];
  closed: string[] = [];
  intents: readonly LegIntent[] = [];
  private readonly policy = new LegPolicy({
    minLegs: 1,
    maxLegs: 3,
    openLossPct: 2,
    closeLossPct: 0.5,
    holdMs: 30_000,
    openCooldownMs: 5000,
  });
  constructor(private readonly now: () => number) {
    super();
  }
  legSnapshots(): LegSnapshot[] {
    return this.legs;
  }
  mergedLossPct(): number {
    return 0;
  }
  canonicalSsrc(): number | undefined {
    return 1;
  }
  /** Like LegSet.express: the policy decides on the intents, the fake carries it out. */
  express(intents: readonly LegIntent[]): PolicyDecision[] {
    this.intents = intents;
    const decisions = this.policy.decide({
      nowMs: this.now(),
      legs: this.legs.map((l, i) => ({
        id: l.id,
        lossPct: l.lossPct,
        openedAtMs: 0,
        aligned: l.aligned,
        packets: l.packets,
        primary: i === 0,
        origin: originOfUrl(l.url),
      })),
      opening: this.openingCount,
      mergedLossPct: 0,
      intents,
    });
    for (const d of decisions) {
      if (d.action === 'open') {
        this.opened.push({ url: d.url ?? '', rule: d.rule ?? d.reason });
        this.openingCount++;
      } else {
        this.closed.push(d.leg);
        this.legs = this.legs.filter((l) => l.id !== d.leg);
      }
    }
    return decisions;
  }
}

const snap = (p: Partial<LegSnapshot> & { id: string; url: string }): LegSnapshot => ({
  transport: 'udp',
  lossPct: 0,
  jitterMs: 1,
  packets: 400,
  bytes: 400_000,
  aligned: true,
  playing: true,
  clock: false,
  ...p,
});

function fakeSource(
  id: string,
  origin: string,
  mirrors: string[],
  now: () => number,
): TelemetrySource & { legs: FakeLegs } {
  return {
    id,
    pathName: id,
    origin,
    mirrors,
    shared: true,
    closed: false,
    packetsOut: 0,
    bytesOut: 0,
    info: { tracks: [{ clockRate: 90000 }] },
    legs: new FakeLegs(now),
  };
}

function engine(rules: RuleConfig[] = []) {
  let now = 0;
  const log = memoryLogger();
  const t = new Telemetry({
    config: { ...TELEMETRY_DEFAULTS, windowSec: 5 },
    rules,
    log: log.log,
    now: () => now,
    tickMs: 0,
  });
  const sources: Array<ReturnType<typeof fakeSource>> = [];
  t.start({ sources: () => sources, sessions: () => [] });
  const step = (ms = 1000): void => {
    now += ms;
    t.tick();
  };
  const source = (id: string, origin: string, mirrors: string[]) =>
    fakeSource(id, origin, mirrors, () => now);
  return { t, log, sources, step, source, stop: () => t.stop() };
}

describe('telemetry engine', () => {
  it('default rule: opens the mirror, fails over once the mirror leg is clean, then clears', () => {
    const e = engine();
    const src = e.source('cam', 'rtsp://origin:554/x', ['rtsp://mirror:554/x']);
    src.legs.legs = [
      snap({ id: 'cam-leg1', url: 'rtsp://origin:554/x', lossPct: 40, clock: true }),
    ];
    e.sources.push(src);
    e.step();
    expect(src.legs.opened).toEqual([{ url: 'rtsp://mirror:554/x', rule: 'default-mirror' }]);
    expect(e.log.events('telemetry.decision')).toEqual([
      expect.objectContaining({
        rule: 'default-mirror',
        trouble: 'upstream',
        action: 'mirror',
        lossPct: 40,
        legLossPct: 40,
        threshold: 2,
        origins: ['origin:554'],
      }),
    ]);
    // the mirror leg attaches, but is not aligned yet: nothing closes
    src.legs.openingCount = 0;
    src.legs.legs.push(snap({ id: 'cam-leg2', url: 'rtsp://mirror:554/x', aligned: false }));
    e.step();
    expect(src.legs.closed).toEqual([]);
    src.legs.legs[1] = snap({ id: 'cam-leg2', url: 'rtsp://mirror:554/x' });
    e.step();
    expect(src.legs.closed).toEqual(['cam-leg1']);
    expect(e.log.events('source.failover')[0]).toMatchObject({
      source: 'cam',
      rule: 'default-mirror',
      from: 'origin:554',
      to: 'rtsp://mirror:554/x',
      toLossPct: 0,
      closed: ['cam-leg1'],
    });
    expect(src.legs.opened).toHaveLength(1); // one decision, one open
    for (let i = 0; i < 6; i++) e.step();
    expect(e.log.events('telemetry.clear')[0]).toMatchObject({ rule: 'default-mirror' });
    expect(e.t.decisions).toEqual([]);
    e.stop();
  });

  it('the default rule stays quiet for a source without a mirror', () => {
    const e = engine();
    const src = e.source('solo', 'rtsp://origin:554/x', []);
    src.legs.legs = [snap({ id: 'solo-leg1', url: 'rtsp://origin:554/x', lossPct: 40 })];
    e.sources.push(src);
    e.step();
    e.step();
    expect(e.log.events('telemetry.decision')).toEqual([]);
    expect(e.t.findings.map((f) => f.trouble)).toEqual(['upstream']);
    e.stop();
  });

  it('refuse-upstream: an origin that keeps failing is refused until it delivers again', () => {
    const e = engine([
      { name: 'down', match: { trouble: 'origin-wide' }, action: 'refuse-upstream' },
    ]);
    e.t.noteUpstream('rtsp://origin:554/a', false);
    e.t.noteUpstream('rtsp://origin:554/b', false);
    e.step();
    expect(e.t.upstreamAllowed('rtsp://origin:554/c')).toBe(false);
    expect(e.t.upstreamAllowed('origin')).toBe(false);
    expect(e.t.upstreamAllowed('rtsp://other/c')).toBe(true);
    expect(e.log.events('telemetry.decision')[0]).toMatchObject({
      rule: 'down',
      down: true,
      lossPct: 100,
    });
    e.t.noteUpstream('rtsp://origin:554/a', true);
    for (let i = 0; i < 6; i++) e.step();
    expect(e.t.upstreamAllowed('rtsp://origin:554/c')).toBe(true);
    e.stop();
  });

  it('open-legs: legs up to the rule count, one at a time with a cooldown', () => {
    const e = engine([{ name: 'more', match: { path: 'cam*' }, action: 'open-legs', legs: 3 }]);
    const src = e.source('cam9', 'rtsp://origin:554/x', []);
    src.legs.legs = [snap({ id: 'cam9-leg1', url: 'rtsp://origin:554/x', lossPct: 5 })];
    e.sources.push(src);
    e.step();
    src.legs.openingCount = 0;
    src.legs.legs.push(snap({ id: 'cam9-leg2', url: 'rtsp://origin:554/x', lossPct: 5 }));
    e.step(); // within the cooldown
    expect(src.legs.opened).toHaveLength(1);
    e.step(5000);
    expect(src.legs.opened.map((o) => o.rule)).toEqual(['more', 'more']);
    e.stop();
  });
});
