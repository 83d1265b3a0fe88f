import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/daemon/log.js';
import { LOG_EVENTS, logEvent } from '../../../src/events.js';
import { memoryLogger } from '../../helpers/log.js';

function capture(isTTY: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => text };
}

describe('LOG_EVENTS', () => {
  it('has the stable event names, each with a one-line description', () => {
    const required = [
      'daemon.start',
      'daemon.stop',
      'daemon.reload',
      'config.error',
      'rtsp.listen',
      'conn.open',
      'conn.close',
      'conn.refused',
      'request.bad',
      'viewer.join',
      'viewer.leave',
      'viewer.timeout',
      'source.open',
      'source.close',
      'leg.open',
      'leg.close',
      'upstream.error',
      'transparent.refused',
    ];
    for (const name of required) expect(Object.keys(LOG_EVENTS)).toContain(name);
    for (const [name, description] of Object.entries(LOG_EVENTS)) {
      expect(name).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(description).not.toContain('\n');
      expect(description.length).toBeGreaterThan(10);
    }
  });
});

describe('createLogger', () => {
  it('writes JSON lines with a level label, ISO time and the event fields', () => {
    const mem = memoryLogger('debug');
    logEvent(mem.log, 'warn', 'leg.open', { lossPct: 4.5, threshold: 2, legs: 2 }, 'opening a leg');
    logEvent(mem.log, 'debug', 'conn.open', { remote: '10.0.0.9:5000' });
    const [first, second] = mem.lines;
    expect(first).toMatchObject({
      level: 'warn',
      event: 'leg.open',
      lossPct: 4.5,
      threshold: 2,
      legs: 2,
      msg: 'opening a leg',
    });
    expect(first?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second).toMatchObject({ level: 'debug', event: 'conn.open' });
    expect(second).not.toHaveProperty('msg');
  });

  it('respects the level', () => {
    const mem = memoryLogger('warn');
    logEvent(mem.log, 'info', 'conn.open');
    expect(mem.lines).toEqual([]);
  });

  it.each([
    [true, false, true],
    [false, true, false],
    ['auto', true, true],
    ['auto', false, false],
  ] as const)('pretty=%s on a TTY=%s → pretty output: %s', (pretty, isTTY, expectPretty) => {
    const out = capture(isTTY);
    const log = createLogger({ level: 'info', pretty, destination: out.stream });
    logEvent(log, 'info', 'daemon.start', { paths: 3 }, 'seamd started');
    if (expectPretty) {
      // eslint-disable-next-line no-control-regex
      const plain = out.text().replace(/\x1b\[[0-9;]*m/g, '');
      expect(plain).toContain('[daemon.start] seamd started');
      expect(plain).toContain('paths: 3');
    } else {
      expect(JSON.parse(out.text())).toMatchObject({ event: 'daemon.start', paths: 3 });
    }
  });
});
