/**
 * The seaming e2e setup: the real origin with the 20 s clip, seamd in front of it with 10%
 * independent loss on every upstream (UDP) leg, seeded per path, and a direct TCP session of
 * the clip as the loss-free reference.
 */
import type { Origin } from './origin.js';
import { tenPercentPerPath } from './loss.js';
import type { PlayResult } from './raw-client.js';
import type { Seamd } from './seamd.js';
import { withDirectSession, withOriginAndSeamd } from './stack.js';

export interface LossyPath {
  /** Loss seed of the path's legs (leg n: seed * 100 + n). */
  seed: number;
  /** The path's `seam:` section (YAML flow mapping). */
  seam: string;
}

export function withLossyLegs(paths: Record<string, LossyPath>): {
  origin: Origin;
  seamd: Seamd;
  direct: PlayResult;
} {
  const entries = Object.entries(paths);
  const { origin, seamd } = withOriginAndSeamd({
    longClip: true,
    timeoutMs: 60000,
    config: ({ origin }) => `
upstream: { transport: udp }
seam: { windowSec: 2, openCooldownSec: 2, holdSec: 600 }
paths:
${entries.map(([name, p]) => `  ${name}: { origin: ${origin.url('long')}, seam: ${p.seam} }`).join('\n')}
`,
    deps: {
      lossFor: tenPercentPerPath(Object.fromEntries(entries.map(([name, p]) => [name, p.seed]))),
    },
  });
  return { origin, seamd, direct: withDirectSession(origin, 'long') };
}
