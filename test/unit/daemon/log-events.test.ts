/**
 * Every `event` name the code logs is a documented LOG_EVENTS entry, and the README's log
 * table lists every documented event (operators' scripts rely on these names).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_EVENTS } from '../../../src/events.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('log events', () => {
  const used = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/event: '([a-z_.]+)'/g)) used.add(m[1] ?? '');
    for (const m of text.matchAll(/logEvent\([^,]+,\s*'[a-z]+',\s*'([a-z_.]+)'/g))
      used.add(m[1] ?? '');
    for (const m of text.matchAll(/\? '([a-z]+\.[a-z_]+)' : '([a-z]+\.[a-z_]+)'/g)) {
      used.add(m[1] ?? '').add(m[2] ?? '');
    }
  }

  it('finds the events the code logs', () => {
    expect(used.size).toBeGreaterThan(20);
    expect(used.has('viewer.timeout')).toBe(true);
  });

  it('every line is logged through logEvent (typed event names and id fields), none by hand', () => {
    const byHand: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      if (/\.(trace|debug|info|warn|error|fatal)\(\s*\{\s*event:/.test(text)) byHand.push(file);
    }
    expect(byHand).toEqual([]);
  });

  it('every event the code logs is documented in LOG_EVENTS', () => {
    const undocumented = [...used].filter((e) => !(e in LOG_EVENTS));
    expect(undocumented).toEqual([]);
  });

  it('the README lists every non-debug event', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = Object.entries(LOG_EVENTS)
      .filter(([, text]) => !text.includes('(debug)'))
      .map(([name]) => name)
      .filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
