/**
 * What `seamd recordings list|inspect` report about recordings: summaries and per-track gap
 * reports read from the store (no output formatting here; see recordings-format.ts).
 */
import { completenessOf, trackCompleteness } from '../store/completeness.js';
import { parseSdp } from '../protocol/sdp/sdp.js';
import { staticPayload } from '../protocol/sdp/static-payloads.js';
import {
  openRecording,
  readMeta,
  type Recording,
  type RecordingMeta,
  type RecordingTrack,
} from '../store/index.js';

/** Name of the file a process writing a recording keeps in its directory. */
export { LOCK_FILE } from '../store/lock.js';

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One row of `recordings list` (also its `--json` element). */
export interface RecordingSummary {
  id: string;
  origin: string | null;
  path: string | null;
  /** `video/H264+audio/MPEG4-GENERIC`: media/encoding per track, from meta.json and its SDP. */
  tracks: string | null;
  durationSec: number | null;
  packets: number | null;
  /** Received / expected over all tracks, in percent (floored to 4 decimals). */
  completeness: number | null;
  gaps: number | null;
  bytes: number | null;
  /** Upstream sessions that fed it (meta.json `sessions`). */
  sessions: number | null;
  /** meta.json's state (recording, complete, partial), or `error` when it cannot be opened. */
  state: string;
  /** Why the recording could not be opened (state `error` only). */
  error?: string;
}

export interface GapReport {
  fromExt: number;
  toExt: number;
  packets: number;
  /** npt (s) of the stored packets just before and just after the gap. */
  fromNpt: number | null;
  toNpt: number | null;
}

export interface TrackReport {
  index: number;
  control: string | null;
  media: string | null;
  encoding: string | null;
  clockRate: number;
  payloadTypes: number[];
  packets: number;
  duplicates: number;
  firstExt: number | null;
  lastExt: number | null;
  durationSec: number;
  completeness: number;
  /** Packets missing: in gaps, plus the estimated head and tail never recorded. */
  missing: number;
  missingHead: number;
  missingTail: number;
  bytes: number;
  gaps: GapReport[];
  tornTail: { offset: number; bytes: number; reason: string } | null;
}

export interface RecordingReport {
  id: string;
  dir: string;
  meta: RecordingMeta;
  locked: boolean;
  durationSec: number;
  packets: number;
  completeness: number;
  gaps: number;
  bytes: number;
  tempFiles: string[];
  tracks: TrackReport[];
}

export async function summarize(id: string, recDir: string): Promise<RecordingSummary> {
  let rec: Recording;
  try {
    rec = await openRecording(recDir);
  } catch (err) {
    // The meta may still be fine (a damaged track log): show what it says.
    const meta = await readMeta(recDir).catch(() => undefined);
    return {
      id,
      origin: meta?.originUrl ?? null,
      path: meta?.path ?? null,
      tracks: meta ? trackNames(meta).join('+') : null,
      durationSec: null,
      packets: null,
      completeness: null,
      gaps: null,
      bytes: null,
      sessions: meta ? (meta.sessions?.length ?? 0) : null,
      state: 'error',
      error: errorText(err),
    };
  }
  const totals = totalsOf(rec);
  return {
    id,
    origin: rec.meta.originUrl,
    path: rec.meta.path,
    tracks: trackNames(rec.meta).join('+'),
    durationSec: rec.durationSec,
    packets: totals.packets,
    completeness: totals.completeness,
    gaps: totals.gaps,
    bytes: rec.bytes,
    sessions: rec.meta.sessions?.length ?? 0,
    state: rec.meta.state,
  };
}

function totalsOf(rec: Recording): { packets: number; completeness: number; gaps: number } {
  const c = completenessOf(rec);
  const gaps = rec.tracks.reduce((n, t) => n + t.gaps().length, 0);
  return { packets: c.received, completeness: c.percent, gaps };
}

/** Encoding names per track from the SDP (`H264`), else the static payload table, else `PT96`. */
function encodings(meta: RecordingMeta): (string | undefined)[] {
  let fromSdp: (string | undefined)[] = [];
  try {
    fromSdp = parseSdp(meta.sdp, meta.originUrl).tracks.map((t) => t.encoding);
  } catch {
    // An SDP seamd cannot parse: fall back to the payload types.
  }
  return meta.tracks.map((t) => {
    const pt = t.payloadTypes[0];
    const fallback = pt === undefined ? undefined : (staticPayload(pt)?.encoding ?? `PT${pt}`);
    return fromSdp[t.index] ?? fallback;
  });
}

function trackNames(meta: RecordingMeta): string[] {
  const enc = encodings(meta);
  return meta.tracks.map((t, i) => {
    const media = t.media ?? 'track';
    const e = enc[i];
    return e === undefined ? media : `${media}/${e}`;
  });
}

export function inspectRecording(id: string, rec: Recording, locked: boolean): RecordingReport {
  const enc = encodings(rec.meta);
  const totals = totalsOf(rec);
  return {
    id,
    dir: rec.dir,
    meta: rec.meta,
    locked,
    durationSec: rec.durationSec,
    packets: totals.packets,
    completeness: totals.completeness,
    gaps: totals.gaps,
    bytes: rec.bytes,
    tempFiles: [...rec.tempFiles],
    tracks: rec.tracks.map((t, i) => trackReport(t, rec.meta.tracks[i], enc[i], rec.meta)),
  };
}

function trackReport(
  t: RecordingTrack,
  meta: RecordingMeta['tracks'][number] | undefined,
  encoding: string | undefined,
  rec: RecordingMeta,
): TrackReport {
  const c = trackCompleteness(t, rec.live ? undefined : rec.durationSec);
  return {
    index: t.index,
    control: meta?.control ?? null,
    media: meta?.media ?? null,
    encoding: encoding ?? null,
    clockRate: t.clockRate,
    payloadTypes: meta?.payloadTypes ?? [],
    packets: t.count,
    duplicates: t.duplicates,
    firstExt: t.firstExt ?? null,
    lastExt: t.lastExt ?? null,
    durationSec: t.durationSec,
    completeness: c.percent,
    missing: c.gapPackets + c.headPackets + c.tailPackets,
    missingHead: c.headPackets,
    missingTail: c.tailPackets,
    bytes: t.bytes,
    gaps: t.gaps().map(([from, to]) => ({
      fromExt: from,
      toExt: to,
      packets: to - from + 1,
      fromNpt: t.nptOf(from - 1) ?? null,
      toNpt: t.nptOf(to + 1) ?? null,
    })),
    tornTail: t.torn ? { offset: t.torn.offset, bytes: t.torn.bytes, reason: t.torn.reason } : null,
  };
}

// ---- formatting ----

/** `m:ss.s` (minutes are not wrapped into hours). */
