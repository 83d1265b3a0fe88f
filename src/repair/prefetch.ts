/**
 * Prefetch: record content before anyone asks (config `repair.prefetch`). One repair-style leg
 * (the config's repair.transport, TCP by default) plays the content from the start at real time
 * (not at Speed: a Speed session's timestamps are divided by the rate, and a recording's
 * numbering must be the origin's own) and every packet is written under its extended sequence
 * number, exactly as the daemon's recorder writes a viewer's stream. Gaps left (UDP loss) are
 * then repaired like any others. Live content is not prefetched (there is nothing to fetch
 * ahead of time).
 */
import type { Logger } from 'pino';
import { rtpSeq } from '../protocol/rtp/rtp.js';
import { SeqExtender } from '../protocol/rtp/seq.js';
import { recordingMetaFromSdp, type NewRecordingMeta } from '../store/meta.js';
import type { RecordingWriter } from '../store/writer.js';
import type { Leg } from '../upstream/leg.js';
import { logEvent } from '../events.js';

export interface PrefetchTarget {
  /** The entry as configured (path name or URL). */
  entry: string;
  url: string;
  /** Path name when the entry is one, else ''. */
  path: string;
}

export interface PrefetchStore {
  /** Whether a recording of this content (origin URL + SDP identity) exists; its id if so. */
  existing(url: string, identity: string): string | undefined;
  create(meta: NewRecordingMeta): Promise<{ id: string; writer: RecordingWriter }>;
  /** The writer was closed. */
  finished(id: string): Promise<void>;
}

export type PrefetchResult =
  | { kind: 'exists'; id: string }
  | { kind: 'recorded'; id: string; packets: number }
  | { kind: 'live' };

/**
 * Records `target` unless a recording of it exists. Ends when the origin stops sending for
 * `idleMs` (the end of the content), the leg closes, or `signal` aborts.
 */
export async function prefetch(
  target: PrefetchTarget,
  leg: Leg,
  store: PrefetchStore,
  log: Logger,
  opts: { idleMs?: number; signal?: AbortSignal } = {},
): Promise<PrefetchResult> {
  const idleMs = opts.idleMs ?? 2000;
  try {
    const d = await leg.describe();
    if (d.info.live) return { kind: 'live' };
    const have = store.existing(target.url, d.info.identity);
    if (have !== undefined) return { kind: 'exists', id: have };
    await leg.setup();
    const pending: Array<[number, Buffer, number]> = [];
    const sink: { writer?: RecordingWriter } = {};
    const ext = d.info.tracks.map(() => new SeqExtender());
    let packets = 0;
    let last = 0;
    let closed = false;
    const write = (t: number, p: Buffer, at: number): void => {
      const x = ext[t];
      if (x && sink.writer?.append(t, x.extend(rtpSeq(p)), p, at)) packets++;
    };
    leg.on('rtp', (t, p) => {
      last = Date.now();
      if (sink.writer) write(t, p, last);
      else pending.push([t, Buffer.from(p), last]);
    });
    leg.on('closed', () => (closed = true));
    const play = await leg.play({ range: 'npt=0-' });
    const meta = recordingMetaFromSdp({
      originUrl: target.url,
      path: target.path,
      sdp: d.sdpText,
      info: d.info,
      startRtpTime: (track) => play.rtpInfo.find((r) => r.trackIndex === track)?.rtptime,
    });
    const created = await store.create(meta);
    sink.writer = created.writer;
    for (const [t, p, at] of pending.splice(0)) write(t, p, at);
    logEvent(
      log,
      'info',
      'repair.prefetch',
      { entry: target.entry, recording: created.id, state: 'started' },
      'prefetch recording started',
    );
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = Date.now();
        const idle = last > 0 ? now - last > idleMs : now - started > idleMs * 4;
        if (idle || closed || opts.signal?.aborted) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    await created.writer.close('partial');
    await store.finished(created.id);
    return { kind: 'recorded', id: created.id, packets };
  } finally {
    await leg.teardown().catch(() => undefined);
  }
}
