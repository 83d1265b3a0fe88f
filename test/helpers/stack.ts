/**
 * The real origin (and seamd in front of it) for one e2e test file: started in a beforeAll,
 * stopped in an afterAll (seamd first). The handles returned stand for what beforeAll starts:
 * use them inside hooks and tests, not at load time.
 */
import { afterAll, beforeAll } from 'vitest';
import type { DaemonDeps } from '../../src/daemon/daemon.js';
import { longClip, startOrigin, type Origin } from './origin.js';
import { playAll, type PlayResult } from './raw-client.js';
import { startSeamd, type Seamd } from './seamd.js';

/** A stand-in for an object made later: every property read goes to what `get` returns. */
function late<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, prop): unknown {
      const real = get();
      if (real === undefined) throw new Error(`${what} is not started (use it inside a test)`);
      return Reflect.get(real, prop);
    },
  });
}

export interface OriginSetup {
  /** The origin also serves the 20 s clip (origin.ts longClip()) at /long. */
  longClip?: boolean;
  /** A second origin with the same content (a mirror). */
  mirror?: boolean;
  /** beforeAll's timeout (ms); vitest's hookTimeout when not given. */
  timeoutMs?: number;
}

export interface OriginHandles {
  origin: Origin;
  /** Only with `mirror: true`. */
  mirror: Origin;
}

function registerOrigins(setup: OriginSetup, stopFirst?: () => Promise<void>): OriginHandles {
  let origin: Origin | undefined;
  let mirror: Origin | undefined;
  beforeAll(async () => {
    const opts = setup.longClip ? { longClip: await longClip() } : {};
    [origin, mirror] = await Promise.all([
      startOrigin(opts),
      setup.mirror ? startOrigin(opts) : undefined,
    ]);
  }, setup.timeoutMs);
  afterAll(async () => {
    await stopFirst?.();
    await Promise.all([origin?.stop(), mirror?.stop()]);
  });
  return { origin: late('origin', () => origin), mirror: late('mirror', () => mirror) };
}

/** The real origin (test/origin/origin.py) for this file's tests. */
export function withOrigin(setup: OriginSetup = {}): OriginHandles {
  return registerOrigins(setup);
}

/** seamd's listeners when the YAML names none: loopback, ports picked by the OS. */
const LOOPBACK_LISTEN = 'listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }\n';

export interface OriginAndSeamdSetup extends OriginSetup {
  /**
   * seamd's YAML (startSeamd), written once the origins listen; without a `listen:` section
   * seamd listens on loopback (LOOPBACK_LISTEN).
   */
  config: (origins: OriginHandles) => string;
  deps?: DaemonDeps;
}

/** The real origin and seamd in front of it (configured by `config`) for this file's tests. */
export function withOriginAndSeamd(setup: OriginAndSeamdSetup): OriginHandles & { seamd: Seamd } {
  let seamd: Seamd | undefined;
  const origins = registerOrigins(setup, async () => {
    await seamd?.stop();
  });
  beforeAll(async () => {
    const yaml = setup.config(origins);
    seamd = await startSeamd(/^listen:/m.test(yaml) ? yaml : LOOPBACK_LISTEN + yaml, setup.deps);
  });
  return { ...origins, seamd: late('seamd', () => seamd) };
}

/**
 * What `origin` sends one session of `path` over TCP (no loss on the way): the reference a
 * seamed stream is compared with. Played in a beforeAll after the ones registered before.
 */
export function withDirectSession(origin: Origin, path: string): PlayResult {
  let direct: PlayResult | undefined;
  beforeAll(async () => {
    const url = origin.url(path);
    direct = await playAll({ host: new URL(url).hostname, port: origin.port }, url, 'tcp', {
      maxMs: 30000,
    });
  }, 60000);
  return late('direct session', () => direct);
}
