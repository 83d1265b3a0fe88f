/**
 * Repair of one recording: re-fetch only the missing spans from the origin until the gap map is
 * empty (what was recorded is kept, so fetching it again would only cost the origin).
 *
 * A pass: open the recording, plan spans from its gaps (spans.ts), run up to `maxConcurrentLegs`
 * repair legs at once (pass.ts, fetch.ts), each aligned by payload against the stored packets
 * around its span (matcher.ts), and append what they found with the recording's canonical numbering
 * (RecordingWriter.openForAppend). One `gap.repaired` line per span and track filled. Passes
 * repeat while they make progress; `maxAttempts` passes in a row without progress end the repair
 * as 'failed' (waiting `backoffSec` x 2^n between them). A 404/410 or changed SDP identity ends it
 * as 'gone' at once. The outcome goes to meta.json's `repair` field.
 *
 * Bandwidth: the recording's own bitrate (bytes / duration) times Speed times concurrent legs is
 * kept under `maxBandwidthKbps` by lowering Speed, then the number of legs (never below one leg
 * at real time). A pass whose legs saw packets they could not stamp exactly at Speed > 1 runs
 * the next pass at Speed 1.
 *
 * The caller makes sure no other writer has the recording open (the CLI takes its `.lock`; the
 * daemon asks its recorder).
 */
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import { openRecording, readMeta, RecordingWriter, type Recording } from '../store/index.js';
import { writeMeta, type RepairMeta } from '../store/meta.js';
import { completenessOf } from '../store/completeness.js';
import type { Leg } from '../upstream/leg.js';
import { isGone } from './fetch.js';
import { errText, runPass } from './pass.js';
import { gapsOf } from './plan.js';
import { planSpans } from './spans.js';

export interface RepairOptions {
  coalesceSec: number;
  /** Longest span one leg fetches (seconds). */
  maxSpanSec: number;
  /** Range asked this much before / after a span (seconds). */
  leadSec: number;
  tailSec: number;
  maxConcurrentLegs: number;
  /** 0 = no cap. */
  maxBandwidthKbps: number;
  /** Speed asked of the origin (1 = real time). */
  speed: number;
  /** Passes in a row without progress before giving up. */
  maxAttempts: number;
  backoffSec: number;
}

export const DEFAULT_REPAIR_OPTIONS: RepairOptions = {
  coalesceSec: 1,
  maxSpanSec: 30,
  leadSec: 0,
  tailSec: 0.3,
  maxConcurrentLegs: 2,
  maxBandwidthKbps: 0,
  speed: 4,
  maxAttempts: 3,
  backoffSec: 5,
};

export interface RepairDeps {
  /** A fresh leg to `url` (the caller picks transport, credentials, timeouts). */
  createLeg: (id: string, url: string) => Leg;
  log: Logger;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
}

export interface CompletenessFigures {
  percent: number;
  /** Missing packets: gaps exactly, head/tail estimated (store/completeness.ts). */
  missing: number;
  gaps: number;
}

export interface RepairReport {
  id: string;
  status: RepairMeta['status'];
  reason?: string | undefined;
  passes: number;
  spans: number;
  packetsFilled: number;
  /** Sizes of the RTP packets written. */
  bytesFilled: number;
  /** RTP bytes the repair legs received. */
  bytesFetched: number;
  before: CompletenessFigures;
  after: CompletenessFigures;
  speed: number;
  legs: number;
  wallMs: number;
}

function figures(rec: Recording): CompletenessFigures {
  const c = completenessOf(rec);
  return {
    percent: c.percent,
    missing: c.missing,
    gaps: rec.tracks.reduce((n, t) => n + t.gaps().length, 0),
  };
}

/** Speed and concurrent legs that keep `bitrateKbps` x speed x legs under the cap. */
export function pace(
  o: Pick<RepairOptions, 'speed' | 'maxConcurrentLegs' | 'maxBandwidthKbps'>,
  bitrateKbps: number,
): { speed: number; legs: number } {
  let speed = Math.max(1, o.speed);
  let legs = Math.max(1, o.maxConcurrentLegs);
  if (o.maxBandwidthKbps <= 0 || !(bitrateKbps > 0)) return { speed, legs };
  while (speed > 1 && bitrateKbps * speed * legs > o.maxBandwidthKbps)
    speed = Math.max(1, speed / 2);
  while (legs > 1 && bitrateKbps * speed * legs > o.maxBandwidthKbps) legs--;
  return { speed, legs };
}

export async function repairRecording(
  dir: string,
  id: string,
  o: RepairOptions,
  deps: RepairDeps,
): Promise<RepairReport> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = Date.now();
  let rec = await openRecording(dir);
  const before = figures(rec);
  const bitrateKbps = rec.durationSec > 0 ? (rec.bytes * 8) / rec.durationSec / 1000 : 0;
  const paced = pace(o, bitrateKbps);
  const report: RepairReport = {
    id,
    status: 'pending',
    passes: 0,
    spans: 0,
    packetsFilled: 0,
    bytesFilled: 0,
    bytesFetched: 0,
    before,
    after: before,
    speed: paced.speed,
    legs: paced.legs,
    wallMs: 0,
  };
  logEvent(
    deps.log,
    'info',
    'repair.start',
    { recording: id, ...before, speed: paced.speed, legs: paced.legs },
    'repair started',
  );
  const settledEnds = new Set<string>();
  let attempts = 0;
  let speed = paced.speed;
  for (;;) {
    if (deps.signal?.aborted) {
      report.reason = 'stopped';
      break;
    }
    const gaps = await gapsOf(rec, { skipEnds: settledEnds });
    if (gaps.length === 0) {
      report.status = 'repaired';
      report.reason = undefined;
      break;
    }
    const spans = planSpans(gaps, { coalesceSec: o.coalesceSec, maxSpanSec: o.maxSpanSec });
    report.passes++;
    const outcomes = await runPass(rec, id, spans, { ...o, speed }, paced.legs, attempts, deps);
    let filled = 0;
    let settled = 0;
    let uncertain = 0;
    let gone: unknown;
    let lastError: unknown;
    const writer = await RecordingWriter.openForAppend(dir, { flushIntervalMs: 0 });
    try {
      for (const out of outcomes) {
        report.spans++;
        if (out.error !== undefined) {
          if (isGone(out.error)) gone = out.error;
          lastError = out.error;
        }
        report.bytesFetched += out.result?.bytes ?? 0;
        for (const [track, m] of out.matchers) {
          uncertain += m.uncertainTs;
          let packets = 0;
          let bytes = 0;
          for (const [ext, packet] of [...m.filled].sort((a, b) => a[0] - b[0])) {
            if (writer.append(track, ext, packet, Date.now())) {
              packets++;
              bytes += packet.length;
            }
          }
          // A head/tail span whose leg played to its end and found nothing: there is none.
          const ended = out.result?.endedBy;
          const playedOut =
            out.error === undefined && m.legCount > 0 && (ended === 'idle' || ended === 'complete');
          for (const g of out.span.gaps) {
            const end = `${track}:${g.kind}`;
            if (g.track !== track || g.kind === 'gap' || !playedOut) continue;
            if (packets === 0 && !settledEnds.has(end)) {
              settledEnds.add(end);
              settled++;
            }
          }
          logEvent(
            deps.log,
            'debug',
            'repair.span',
            {
              recording: id,
              track,
              wanted: m.wantedCount,
              packets,
              uncertain: m.uncertainTs,
              legPackets: m.legCount,
              grid: m.grid,
              endedBy: out.result?.endedBy,
              range: out.range,
              answered: out.result?.answeredRange,
            },
            'span result',
          );
          if (packets === 0) continue;
          filled += packets;
          report.packetsFilled += packets;
          report.bytesFilled += bytes;
          logEvent(
            deps.log,
            'info',
            'gap.repaired',
            {
              recording: id,
              track,
              packets,
              wanted: m.wantedCount,
              fromNpt: out.span.fromNpt,
              toNpt: out.span.toNpt,
              range: out.range,
              answered: out.result?.answeredRange,
              bytesFetched: m.legBytes,
              bytes,
              speed,
            },
            'span repaired',
          );
        }
      }
      await writer.flush();
    } finally {
      rec = await reopenAfter(writer, dir);
    }
    if (gone !== undefined) {
      report.status = 'gone';
      report.reason = errText(gone);
      break;
    }
    if (filled > 0 || settled > 0) {
      attempts = 0;
    } else {
      attempts++;
      report.reason = lastError !== undefined ? errText(lastError) : 'no missing packet found';
      if (attempts >= o.maxAttempts) {
        report.status = 'failed';
        break;
      }
      await sleep(o.backoffSec * 1000 * 2 ** (attempts - 1));
    }
    if (uncertain > 0) speed = 1;
  }
  report.after = figures(rec);
  report.wallMs = Date.now() - started;
  await recordOutcome(dir, report, attempts, now);
  logEvent(
    deps.log,
    'info',
    'repair.done',
    {
      recording: id,
      status: report.status,
      reason: report.reason,
      passes: report.passes,
      spans: report.spans,
      packets: report.packetsFilled,
      bytesFetched: report.bytesFetched,
      bytesFilled: report.bytesFilled,
      before: report.before.percent,
      after: report.after.percent,
      missing: report.after.missing,
      wallMs: report.wallMs,
    },
    'repair ended',
  );
  return report;
}

/** Closes the writer ('complete' once nothing is missing) and reopens the recording. */
async function reopenAfter(writer: RecordingWriter, dir: string): Promise<Recording> {
  await writer.close('partial');
  const rec = await openRecording(dir);
  if (completenessOf(rec).whole) {
    const meta = await readMeta(dir);
    meta.state = 'complete';
    await writeMeta(dir, meta);
  }
  return rec;
}

async function recordOutcome(
  dir: string,
  report: RepairReport,
  attempts: number,
  now: () => Date,
): Promise<void> {
  const meta = await readMeta(dir);
  meta.repair = {
    status: report.status,
    ...(report.reason !== undefined ? { reason: report.reason } : {}),
    attempts,
    lastAttemptAt: now().toISOString(),
  };
  if (report.status === 'repaired' && report.after.missing === 0) meta.state = 'complete';
  meta.updatedAt = now().toISOString();
  await writeMeta(dir, meta);
}
