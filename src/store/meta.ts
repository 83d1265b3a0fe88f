/**
 * meta.json: what a recording is (origin, SDP, tracks) and how far it got (state). Always
 * written atomically: a temp file is written and fsynced, renamed over meta.json and the
 * directory is fsynced, so a crash leaves the old or the new file, never a mix.
 */
import { open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SdpInfo } from '../protocol/sdp/sdp.js';
import { FORMAT_VERSION, META_FILE, TEMP_SUFFIX } from './format.js';
import { StoreError, ioError } from './errors.js';

export const RECORDING_STATES = ['recording', 'complete', 'partial'] as const;
/**
 * 'recording': a writer has it open (or had, and crashed: no writer means it was interrupted).
 * 'complete': the writer closed it and believes it has everything; 'partial': closed with gaps
 * or cut short (repair may fill it later).
 */
export type RecordingState = (typeof RECORDING_STATES)[number];

export interface TrackMeta {
  /** Position of the `m=` line in the SDP; also the log file number (track-<index>.log). */
  index: number;
  /** The track's control attribute (`stream=0`), when the SDP had one. */
  control?: string | undefined;
  /** `video`, `audio`, ... from the `m=` line. */
  media?: string | undefined;
  /** RTP clock rate (Hz) of the track's timestamps. */
  clockRate: number;
  payloadTypes: number[];
  /**
   * Canonical RTP timestamp at npt 0 (e.g. RTP-Info `rtptime` of a PLAY from 0). When absent,
   * the first record's timestamp (lowest ext) is npt 0 of the track.
   */
  startRtpTime?: number | undefined;
}

export interface RecordingMeta {
  version: typeof FORMAT_VERSION;
  originUrl: string;
  /** Path name the content is served under. */
  path: string;
  sdp: string;
  /** Identity of the SDP (hash) used to tell whether a live source is this content. */
  sdpIdentity: string;
  tracks: TrackMeta[];
  /** Live content (no end in the SDP range): archived, never served as a cache hit. */
  live?: boolean | undefined;
  /** Duration the SDP announced (file-backed content): a recording shorter than this is cut short. */
  durationSec?: number | undefined;
  /** What repair (src/repair/) last found; absent until a repair ran. */
  repair?: RepairMeta | undefined;
  /** Upstream sessions that fed it (one per occasion), oldest first; absent in older recordings. */
  sessions?: SessionMeta[] | undefined;
  /** ISO 8601. */
  createdAt: string;
  updatedAt: string;
  state: RecordingState;
}

export const REPAIR_STATUSES = ['repaired', 'pending', 'failed', 'gone'] as const;
/**
 * Outcome of the last repair: 'repaired' (nothing missing), 'pending' (progress made, gaps
 * left), 'failed' (no progress after the configured attempts, or an error; retried only on a
 * new request), 'gone' (the origin answers 404 or its SDP identity changed: never retried).
 */
export type RepairStatus = (typeof REPAIR_STATUSES)[number];

export interface RepairMeta {
  status: RepairStatus;
  reason?: string | undefined;
  /** Repair passes run since the last one that made progress. */
  attempts: number;
  /** ISO 8601. */
  lastAttemptAt: string;
}

/** One upstream session's contribution to a recording (see src/source/recorder.ts). */
export interface SessionMeta {
  /** The source id of the session. */
  source: string;
  /** ISO 8601, when it began feeding the recording. */
  startedAt: string;
  /** Packets it filled that the recording lacked. */
  packets: number;
  /** npt span (seconds) of the packets it filled. */
  nptFrom?: number | undefined;
  nptTo?: number | undefined;
  /** Packets it carried that could not be placed (no verified anchor). */
  unmapped?: number | undefined;
}

/** What a creator supplies; version, times and state are filled in. */
export type NewRecordingMeta = Omit<RecordingMeta, 'version' | 'createdAt' | 'updatedAt' | 'state'>;

/**
 * The meta of a new recording of the content an SDP describes: its tracks, and (file-backed
 * content) the duration the SDP's range announces. `startRtpTime(track)` is the canonical
 * rtptime of npt 0 (the RTP-Info of a PLAY from the start), when known; live content has none
 * (its first packet is npt 0).
 */
export function recordingMetaFromSdp(from: {
  readonly originUrl: string;
  readonly path: string;
  readonly sdp: string;
  readonly info: SdpInfo;
  readonly startRtpTime: (trackIndex: number) => number | undefined;
}): NewRecordingMeta {
  const { info } = from;
  const range = info.range;
  const durationSec =
    !info.live && range?.end !== undefined
      ? range.end - (typeof range.start === 'number' ? range.start : 0)
      : undefined;
  return {
    originUrl: from.originUrl,
    path: from.path,
    sdp: from.sdp,
    sdpIdentity: info.identity,
    live: info.live,
    ...(durationSec !== undefined ? { durationSec } : {}),
    tracks: info.tracks.map((t) => ({
      index: t.index,
      control: t.control,
      media: t.mediaType,
      clockRate: t.clockRate,
      payloadTypes: [t.payloadType],
      startRtpTime: info.live ? undefined : from.startRtpTime(t.index),
    })),
  };
}

const uint32 = z.number().int().min(0).max(0xffffffff);
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time');

const trackSchema = z.object({
  index: z.number().int().min(0).max(255),
  control: z.string().optional(),
  media: z.string().optional(),
  clockRate: z.number().int().min(1).max(10_000_000),
  payloadTypes: z.array(z.number().int().min(0).max(127)),
  startRtpTime: uint32.optional(),
});

const metaSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  originUrl: z.string(),
  path: z.string(),
  sdp: z.string(),
  sdpIdentity: z.string(),
  tracks: z
    .array(trackSchema)
    .min(1)
    .refine(
      (ts) => ts.every((t, i) => t.index === i),
      'track indexes must be 0, 1, 2, ... in order',
    ),
  live: z.boolean().optional(),
  durationSec: z.number().min(0).optional(),
  repair: z
    .object({
      status: z.enum(REPAIR_STATUSES),
      reason: z.string().optional(),
      attempts: z.number().int().min(0),
      lastAttemptAt: isoTime,
    })
    .optional(),
  sessions: z
    .array(
      z.object({
        source: z.string(),
        startedAt: isoTime,
        packets: z.number().int().min(0),
        nptFrom: z.number().optional(),
        nptTo: z.number().optional(),
        unmapped: z.number().int().min(0).optional(),
      }),
    )
    .optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
  state: z.enum(RECORDING_STATES),
});

/** Checks a parsed meta.json value; throws STORE_VERSION / STORE_CORRUPT naming `file`. */
export function validateMeta(raw: unknown, file: string): RecordingMeta {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new StoreError('STORE_CORRUPT', file, 'not a JSON object');
  }
  const version = (raw as { version?: unknown }).version;
  if (version === undefined) throw new StoreError('STORE_CORRUPT', file, 'no format "version"');
  if (version !== FORMAT_VERSION) {
    throw new StoreError(
      'STORE_VERSION',
      file,
      `format version ${JSON.stringify(version)} is not supported (this seamd reads ${FORMAT_VERSION})`,
    );
  }
  const result = metaSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
      return `${where}: ${issue.message}`;
    });
    throw new StoreError('STORE_CORRUPT', file, `invalid meta: ${problems.join('; ')}`);
  }
  return result.data;
}

export async function readMeta(dir: string): Promise<RecordingMeta> {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw ioError(file, 'reading', err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new StoreError('STORE_CORRUPT', file, `not valid JSON (${why})`, { cause: err });
  }
  return validateMeta(raw, file);
}

/** fsync a directory so that a rename or a new file in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    throw ioError(dir, 'fsync of directory', err);
  } finally {
    await fh?.close();
  }
}

/**
 * Replaces `<dir>/<name>` atomically with what `fill` writes: `<name>.tmp`, fsync, rename, fsync
 * of the directory. A failure before the rename is a StoreError (STORE_IO) naming `what`.
 */
export async function replaceFileAtomic(
  dir: string,
  name: string,
  what: string,
  fill: (fh: FileHandle) => Promise<void>,
): Promise<void> {
  const file = join(dir, name);
  const tmp = file + TEMP_SUFFIX;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    throw ioError(file, what, err);
  }
  await fsyncDir(dir);
}

/** Writes `data` to `file` atomically: `<file>.tmp`, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(dir: string, name: string, data: string | Buffer) {
  await replaceFileAtomic(dir, name, 'atomic write', (fh) => fh.writeFile(data));
}

/** The names in `dir`; a failure is a StoreError (STORE_IO). */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    throw ioError(dir, 'listing', err);
  }
}

export async function writeMeta(dir: string, meta: RecordingMeta): Promise<void> {
  validateMeta(meta, join(dir, META_FILE));
  await writeFileAtomic(dir, META_FILE, JSON.stringify(meta, null, 2) + '\n');
}

/**
 * Removes leftovers of interrupted atomic writes (`*.tmp`). Only for a process that owns the
 * recording (a writer or compaction); readers just ignore them. Returns the names removed.
 */
export async function removeTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listDir(dir)) {
    if (!name.endsWith(TEMP_SUFFIX)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(name);
    } catch (err) {
      throw ioError(join(dir, name), 'removing temp file', err);
    }
  }
  return removed;
}
