import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/telemetry/aggregate.js';
import { DecisionBook } from '../../../src/telemetry/decisions.js';
import {
  globRegExp,
  originMatches,
  RuleSet,
  type RuleConfig,
} from '../../../src/telemetry/rules.js';

const finding = (p: Partial<Finding>): Finding => ({
  trouble: 'upstream',
  subject: 'upstream:s1:10.0.0.5:554',
  lossPct: 10,
  sources: ['s1'],
  paths: ['cam1'],
  originHosts: ['10.0.0.5:554'],
  networks: ['192.168.7.0/24'],
  viewers: 3,
  detail: {},
  ...p,
});

describe('rules: first match wins', () => {
  const rules: RuleConfig[] = [
    {
      name: 'campus-lastmile',
      match: { trouble: 'last-mile', network: '192.168.0.0/16' },
      action: 'log',
    },
    { name: 'cams-heavy', match: { path: 'cam*', minLossPct: 20 }, action: 'recording-only' },
    { name: 'cams', match: { path: 'cam?', origin: '10.0.0.5' }, action: 'open-legs', legs: 3 },
    {
      name: 'wide',
      match: { trouble: 'origin-wide', origin: '*.example.net' },
      action: 'refuse-upstream',
    },
  ];
  const set = new RuleSet(rules);

  it.each([
    [{}, 'cams'],
    [{ lossPct: 25 }, 'cams-heavy'],
    [{ trouble: 'last-mile' as const }, 'campus-lastmile'],
    [{ trouble: 'last-mile' as const, networks: ['10.9.0.0/24'], paths: ['x'] }, undefined],
    [{ paths: ['cam12'] }, undefined],
    [{ originHosts: ['10.0.0.6:554'] }, undefined],
    [{ trouble: 'origin-wide' as const, originHosts: ['tv.example.net:554'], paths: [] }, 'wide'],
    [{ trouble: 'origin-wide' as const, originHosts: ['example.net:554'], paths: [] }, undefined],
  ])('%o → %s', (over, name) => {
    expect(set.match(finding(over))?.name).toBe(name);
  });

  it('without rules the built-in default-mirror rule takes upstream trouble only', () => {
    const d = new RuleSet([]);
    expect(d.match(finding({}))).toMatchObject({ name: 'default-mirror', action: 'mirror' });
    expect(d.match(finding({ trouble: 'last-mile' }))).toBeUndefined();
  });

  it('globs and origin patterns', () => {
    expect(globRegExp('cam.*').test('cam.1')).toBe(true);
    expect(globRegExp('cam.*').test('camx1')).toBe(false);
    expect(originMatches('10.0.0.5:8554', '10.0.0.5:8554')).toBe(true);
    expect(originMatches('10.0.0.5', '10.0.0.5:8554')).toBe(true);
    expect(originMatches('10.0.0.5:554', '10.0.0.5:8554')).toBe(false);
    expect(originMatches('::1', '[::1]:554')).toBe(true);
    expect(originMatches('*.example.net', 'a.b.example.net:554')).toBe(true);
  });
});

describe('decisions in force', () => {
  const refuse: RuleConfig = {
    name: 'down',
    match: { trouble: 'origin-wide' },
    action: 'refuse-upstream',
  };
  const rec: RuleConfig = { name: 'rec', match: { path: 'cam*' }, action: 'recording-only' };

  it('logs a decision once, clears it after the hold, answers the front end', () => {
    const lines: Array<[string, string, Record<string, unknown>]> = [];
    const book = new DecisionBook(5000, (level, event, fields) =>
      lines.push([level, event, fields]),
    );
    const wide = finding({
      trouble: 'origin-wide',
      subject: 'origin-wide:10.0.0.5:554',
      lossPct: 100,
      down: true,
    });
    expect(book.upstreamAllowed('rtsp://10.0.0.5/x')).toBe(true);
    book.apply(0, [{ finding: wide, rule: refuse }]);
    book.apply(1000, [{ finding: wide, rule: refuse }]);
    expect(lines.map((l) => l[1])).toEqual(['telemetry.decision']);
    expect(lines[0]?.[2]).toMatchObject({
      rule: 'down',
      action: 'refuse-upstream',
      trouble: 'origin-wide',
      lossPct: 100,
      down: true,
      origins: ['10.0.0.5:554'],
    });
    expect(book.upstreamAllowed('rtsp://10.0.0.5/x')).toBe(false);
    expect(book.upstreamAllowed('10.0.0.5')).toBe(false);
    expect(book.upstreamAllowed('rtsp://10.0.0.6/x')).toBe(true);
    book.apply(5999, []);
    expect(book.upstreamAllowed('10.0.0.5:554')).toBe(false);
    book.apply(6000, []);
    expect(book.upstreamAllowed('10.0.0.5:554')).toBe(true);
    expect(lines.map((l) => l[1])).toEqual(['telemetry.decision', 'telemetry.clear']);
    expect(lines[1]?.[2]).toMatchObject({ rule: 'down', seconds: 6 });
  });

  it('recording-only covers the finding paths, and origin-wide the whole origin', () => {
    const book = new DecisionBook(5000, () => undefined);
    book.apply(0, [{ finding: finding({}), rule: rec }]);
    expect(book.recordingOnly('cam1', 'rtsp://10.0.0.5/a')).toBe(true);
    expect(book.recordingOnly('cam2', 'rtsp://10.0.0.5/b')).toBe(false);
    book.apply(1, [
      {
        finding: finding({ trouble: 'origin-wide', subject: 'origin-wide:x', paths: [] }),
        rule: rec,
      },
    ]);
    expect(book.recordingOnly(undefined, 'rtsp://10.0.0.5/b')).toBe(true);
  });
});
