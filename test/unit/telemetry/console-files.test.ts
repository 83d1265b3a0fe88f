/** The console's static files: no inline script or style, and every reference resolves. */
import { describe, expect, it } from 'vitest';
import { consoleFiles } from '../../../src/telemetry/console-files.js';
import { Timeline } from '../../../src/telemetry/timeline.js';
import { addressFilter } from '../../../src/telemetry/runtime.js';
import { logEvent } from '../../../src/events.js';
import { memoryLogger } from '../../helpers/log.js';

const files = consoleFiles();
const text = (path: string) => files.get(path)?.body.toString('utf8') ?? '';

describe('console files', () => {
  it('serves the page, its modules and uPlot from node_modules', () => {
    for (const p of ['/', '/console/main.js', '/console/charts.js', '/vendor/uPlot.esm.js'])
      expect(files.has(p), p).toBe(true);
  });

  it('has no inline script, event handler or style attribute (the CSP forbids them)', () => {
    const html = text('/');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\ssrc="/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  it('every file the page and modules reference is served; none comes from another host', () => {
    const all = [...files.keys()]
      .filter((p) => p.startsWith('/console/'))
      .map(text)
      .join('\n');
    const refs = [...`${text('/')}\n${all}`.matchAll(/(?:href|src)="([^"]+)"|from '([^']+)'/g)].map(
      (m) => m[1] ?? m[2] ?? '',
    );
    expect(refs.length).toBeGreaterThan(4);
    for (const r of refs) {
      expect(r, r).not.toMatch(/^(https?:)?\/\//);
      const path = r.startsWith('./') ? `/console/${r.slice(2)}` : r;
      expect(files.has(path), r).toBe(true);
    }
  });
});

describe('timeline', () => {
  it("follows a logger's (and its children's) timeline events, whatever the level", () => {
    const m = memoryLogger('error');
    const t = new Timeline(2);
    const stop = t.follow(m.log);
    logEvent(m.log.child({ x: 1 }), 'info', 'leg.open', { leg: 's-leg2', url: 'rtsp://m/x', n: 3 });
    logEvent(m.log, 'info', 'http.listen', { port: 1 });
    logEvent(m.log, 'warn', 'source.failover', {
      source: 's',
      closed: ['a', 'b'],
      err: new Error('e'),
    });
    expect(t.after(0).map((e) => e.event)).toEqual(['leg.open', 'source.failover']);
    expect(t.after(0)[1]?.fields).toEqual({ source: 's', closed: ['a', 'b'], err: 'e' });
    logEvent(m.log, 'info', 'leg.close', { leg: 'x' });
    expect(t.after(0).map((e) => e.seq)).toEqual([2, 3]); // the ring keeps the last 2
    expect(t.after(2).map((e) => e.event)).toEqual(['leg.close']);
    stop();
    logEvent(m.log, 'info', 'leg.close', { leg: 'y' });
    expect(t.after(3)).toEqual([]);
    const other = memoryLogger();
    t.follow(other.log);
    logEvent(m.log, 'info', 'leg.close', { leg: 'z' }); // another logger: not followed
    expect(t.after(3)).toEqual([]);
  });
});

describe('the status filter for the viewer lookup', () => {
  it('matches an address, a text prefix or a CIDR; empty matches nothing', () => {
    expect(addressFilter('10.1.2.3')('10.1.2.3')).toBe(true);
    expect(addressFilter('10.1.2.')('10.1.2.77')).toBe(true);
    expect(addressFilter('10.1.2.')('10.1.20.7')).toBe(false);
    expect(addressFilter('10.1.0.0/16')('10.1.200.7')).toBe(true);
    expect(addressFilter('10.1.0.0/16')('10.2.0.1')).toBe(false);
    expect(addressFilter('127.0.0.1')('::ffff:127.0.0.1')).toBe(true);
    expect(addressFilter('')('10.1.2.3')).toBe(false);
  });
});
