/**
 * One repair leg for one span: DESCRIBE (the content must still be the recording's: same SDP
 * identity), SETUP of only the tracks with something missing in the span (TCP interleaved by
 * default: nothing is lost on the way), PLAY with `Range: npt=a-b` (and `Speed` when > 1) with
 * the players' 503 fallback, then feed every packet to the tracks' matchers until every wanted
 * packet is found, the origin stops sending (end of the Range) or a time limit passes.
 */
import { UpstreamError, isSeamdError } from '../errors.js';
import type { Leg } from '../upstream/leg.js';
import { playWithFallback } from '../source/leg-play.js';
import { RepairError } from './errors.js';
import type { TrackMatcher } from '../store/matcher.js';

export interface SpanFetchOptions {
  /** A fresh leg (state idle) to the recording's origin. */
  leg: Leg;
  /** The recording's meta.json sdpIdentity. */
  sdpIdentity: string;
  /** Range header value, e.g. `npt=4.2-6.9`. */
  range: string;
  /** Media seconds the Range covers (for the time limit). */
  rangeSec: number;
  /** Track index → its matcher. */
  matchers: ReadonlyMap<number, TrackMatcher>;
  /** Tracks to SETUP; default the matchers' (other tracks' packets only count as bytes). */
  setupTracks?: readonly number[];
  /** Speed header (> 1 = faster than real time); 1 sends none. */
  speed: number;
  /** End once no packet arrived for this long after the first. Default 1500. */
  idleMs?: number;
  /** End when nothing at all arrived within this. Default 8000. */
  firstPacketMs?: number;
  /** How often the matchers are re-evaluated (a leg ends as soon as it has all). Default 40. */
  resolveEveryMs?: number;
  /** Called with each RTP packet's size (bandwidth accounting). */
  onBytes?: (bytes: number) => void;
  /** Aborting closes the leg (the span ends 'closed'). */
  signal?: AbortSignal | undefined;
}

export type SpanEnd = 'complete' | 'idle' | 'timeout' | 'closed' | 'no-media';

export interface SpanFetchResult {
  /** The Range the origin answered (it may start earlier: keyframe snap). */
  answeredRange: string | undefined;
  endedBy: SpanEnd;
  /** RTP packets and bytes received on the repair leg. */
  packets: number;
  bytes: number;
  wallMs: number;
}

function statusOf(err: unknown): number | undefined {
  return err instanceof UpstreamError ? err.status : undefined;
}

/** Runs the leg; throws RepairError REPAIR_GONE (404, 410, other content) or the leg's error. */
export async function fetchSpan(o: SpanFetchOptions): Promise<SpanFetchResult> {
  const { leg } = o;
  const started = Date.now();
  let packets = 0;
  let bytes = 0;
  let lastAt = 0;
  let closed = false;
  leg.on('rtp', (track, packet) => {
    packets++;
    bytes += packet.length;
    lastAt = Date.now();
    o.onBytes?.(packet.length);
    o.matchers.get(track)?.push(packet);
  });
  leg.on('closed', () => {
    closed = true;
  });
  const abort = (): void => leg.close(new RepairError('REPAIR_FAILED', 'repair stopped'));
  if (o.signal?.aborted) abort();
  o.signal?.addEventListener('abort', abort, { once: true });
  try {
    let described;
    try {
      described = await leg.describe();
    } catch (err) {
      const status = statusOf(err);
      if (status === 404 || status === 410) {
        throw new RepairError('REPAIR_GONE', `origin answered ${status} to DESCRIBE ${leg.url}`, {
          cause: err,
        });
      }
      throw err;
    }
    if (described.info.identity !== o.sdpIdentity) {
      throw new RepairError(
        'REPAIR_GONE',
        `origin ${leg.url} now serves other content (SDP identity ` +
          `${described.info.identity.slice(0, 12)}, recording has ${o.sdpIdentity.slice(0, 12)})`,
      );
    }
    await leg.setup([...(o.setupTracks ?? o.matchers.keys())].sort((a, b) => a - b));
    const play = await playWithFallback(leg, {
      range: o.range,
      ...(o.speed !== 1 ? { speed: o.speed } : {}),
    });
    const playedAt = Date.now();
    const idleMs = o.idleMs ?? 1500;
    const firstMs = o.firstPacketMs ?? 8000;
    const maxMs = (o.rangeSec / o.speed) * 1000 + 10_000;
    const every = o.resolveEveryMs ?? 40;
    const endedBy = await new Promise<SpanEnd>((resolve) => {
      const timer = setInterval(() => {
        const now = Date.now();
        let complete = true;
        for (const m of o.matchers.values()) {
          m.resolve();
          if (!m.complete) complete = false;
        }
        let end: SpanEnd | undefined;
        if (complete) end = 'complete';
        else if (closed) end = 'closed';
        else if (lastAt === 0 && now - playedAt > firstMs) end = 'no-media';
        else if (lastAt > 0 && now - lastAt > idleMs) end = 'idle';
        else if (now - playedAt > maxMs) end = 'timeout';
        if (end !== undefined) {
          clearInterval(timer);
          resolve(end);
        }
      }, every);
    });
    for (const m of o.matchers.values()) m.resolve();
    return { answeredRange: play.range, endedBy, packets, bytes, wallMs: Date.now() - started };
  } finally {
    o.signal?.removeEventListener('abort', abort);
    await leg.teardown().catch(() => undefined);
  }
}

/** Whether an error means the content is gone for good (not worth retrying). */
export function isGone(err: unknown): boolean {
  return isSeamdError(err) && err.code === 'REPAIR_GONE';
}
