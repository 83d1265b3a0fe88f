import { describe, expect, it } from 'vitest';
import { knownKeysAt, parseConfigText } from '../../../src/daemon/config.js';
import { configProblems } from '../../helpers/config.js';

describe('telemetry and rules config', () => {
  it('parses a rule list in order with every match key', () => {
    const c = parseConfigText(
      `
telemetry: { windowSec: 5, viewerPrefixV4: 16, viewerPrefixV6: 48, maxLabelValues: 10 }
rules:
  - name: campus
    match: { trouble: last-mile, network: 10.1.0.0/16 }
    action: log
  - name: cams
    match: { path: "cam*", origin: 10.0.0.5, minLossPct: 5 }
    action: open-legs
    legs: 3
  - { name: down, match: { trouble: origin-wide }, action: refuse-upstream }
`,
      'x.yaml',
    );
    expect(c.telemetry).toEqual({
      windowSec: 5,
      viewerPrefixV4: 16,
      viewerPrefixV6: 48,
      maxLabelValues: 10,
      lossyPct: 2,
      cleanPct: 0.5,
    });
    expect(c.rules.map((r) => [r.name, r.action])).toEqual([
      ['campus', 'log'],
      ['cams', 'open-legs'],
      ['down', 'refuse-upstream'],
    ]);
    expect(c.rules[1]).toEqual({
      name: 'cams',
      match: { path: 'cam*', origin: '10.0.0.5', minLossPct: 5 },
      action: 'open-legs',
      legs: 3,
    });
  });

  it('names every problem with key path and line', () => {
    expect(
      configProblems(`rules:
  - name: a
    match: { network: 10.0.0.0/33, trouble: everywhere, pth: x }
    action: mirror
    legs: 2
  - { name: a, action: nothing }
telemetry: { viewerPrefixV4: 33, cleanPct: 3, windw: 1 }
`),
    ).toEqual([
      'seamd.yaml: rules[0].match.network: must be a CIDR range like 10.1.0.0/16 (got "10.0.0.0/33") (line 3)',
      'seamd.yaml: rules[0].match.trouble: must be one of upstream, last-mile, origin-wide (got "everywhere") (line 3)',
      'seamd.yaml: rules[0].match: unknown key "pth" (did you mean "path"?) (line 3)',
      'seamd.yaml: rules[1].action: must be one of open-legs, mirror, recording-only, refuse-upstream, log (got "nothing") (line 6)',
      'seamd.yaml: telemetry.viewerPrefixV4: must be at most 32 (got 33) (line 7)',
      'seamd.yaml: telemetry: unknown key "windw" (line 7)',
    ]);
    // (a rule's own cross-key check runs once its keys are valid)
    expect(configProblems('rules:\n  - { name: a, action: mirror, legs: 2 }\n')).toEqual([
      'seamd.yaml: rules[0].legs: legs is only for action open-legs (line 2)',
    ]);
    expect(
      configProblems('rules:\n  - { name: a, action: log }\n  - { name: a, action: log }\n'),
    ).toEqual(['seamd.yaml: rules[1].name: duplicate rule name "a" (also rules[0]) (line 3)']);
    expect(configProblems('telemetry: { cleanPct: 3 }\n')).toEqual([
      'seamd.yaml: telemetry: cleanPct (3) must be < lossyPct (2) (line 1)',
    ]);
  });

  it('knows the keys for "did you mean" hints', () => {
    expect(knownKeysAt(['telemetry'])).toContain('viewerPrefixV6');
    expect(knownKeysAt(['rules', 0])).toEqual(['name', 'match', 'action', 'legs']);
    expect(knownKeysAt(['rules', 0, 'match'])).toContain('minLossPct');
  });
});
