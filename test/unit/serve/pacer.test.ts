import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COALESCE_MS, Pacer } from '../../../src/serve/pacer.js';

describe('Pacer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs wake-ups due close together from one timer, and later ones on time', () => {
    const pacer = new Pacer(() => Date.now());
    const ran: Array<[string, number]> = [];
    const t0 = Date.now();
    const mark = (name: string) => (): void => {
      ran.push([name, Date.now() - t0]);
    };
    const a = mark('a');
    const b = mark('b');
    const c = mark('c');
    pacer.wakeIn(a, 10);
    pacer.wakeIn(b, 10 + COALESCE_MS - 1);
    pacer.wakeIn(c, 30);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 10],
    ]);
    vi.advanceTimersByTime(19);
    expect(ran).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 10],
      ['c', 30],
    ]);
    expect(pacer.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a new ask replaces the earlier one; cancel forgets it and stops the timer', () => {
    const pacer = new Pacer(() => Date.now());
    let runs = 0;
    const fn = (): void => {
      runs++;
    };
    pacer.wakeIn(fn, 50);
    pacer.wakeIn(fn, 20);
    vi.advanceTimersByTime(20);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(1);
    pacer.wakeIn(fn, 10);
    pacer.cancel(fn);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(1);
  });

  it('a wake-up that asks again is woken again; one that throws does not stop the others', () => {
    const pacer = new Pacer(() => Date.now());
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      if (ticks < 3) pacer.wakeIn(tick, 40);
    };
    let other = 0;
    pacer.wakeIn(() => {
      throw new Error('boom');
    }, 5);
    pacer.wakeIn(() => {
      other++;
    }, 5);
    pacer.wakeIn(tick, 40);
    expect(() => vi.advanceTimersByTime(5)).toThrow('boom');
    expect(other).toBe(1);
    vi.advanceTimersByTime(200);
    expect(ticks).toBe(3);
  });
});
