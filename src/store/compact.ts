/**
 * Compaction: rewrites each track log sorted by ext with duplicates removed (first copy wins)
 * and any torn tail dropped. Per track: records are copied byte for byte (CRCs unchanged) into
 * `track-<n>.log.tmp`, which is fsynced, renamed over the log, and the directory fsynced. A crash
 * at any point leaves either the old or the new log whole, plus possibly a `.tmp` file that
 * readers ignore and writers / the next compaction delete.
 *
 * Must not run while a RecordingWriter has the recording open (the writer's descriptor would
 * keep appending to the replaced file). A log already sorted and clean is left untouched.
 */
import { trackFileName } from './format.js';
import { removeTempFiles, replaceFileAtomic } from './meta.js';
import { openRecording } from './reader.js';

export interface CompactTrackResult {
  track: number;
  /** False when the log was already sorted, deduplicated and without a torn tail. */
  rewritten: boolean;
  records: number;
  duplicatesRemoved: number;
  bytesBefore: number;
  bytesAfter: number;
}

const WRITE_BATCH = 1 << 20;

export async function compact(dir: string): Promise<CompactTrackResult[]> {
  await removeTempFiles(dir);
  const rec = await openRecording(dir);
  const results: CompactTrackResult[] = [];
  for (const track of rec.tracks) {
    const result: CompactTrackResult = {
      track: track.index,
      rewritten: false,
      records: track.count,
      duplicatesRemoved: track.duplicates,
      bytesBefore: track.bytes + (track.torn?.bytes ?? 0),
      bytesAfter: track.bytes,
    };
    results.push(result);
    if (track.sorted && !track.torn) continue;
    let written = 0;
    await replaceFileAtomic(dir, trackFileName(track.index), 'compaction', async (out) => {
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const drain = async (): Promise<void> => {
        const data = Buffer.concat(batch, batchBytes);
        let off = 0;
        while (off < data.length) {
          const { bytesWritten } = await out.write(data, off, data.length - off, null);
          off += bytesWritten;
        }
        written += data.length;
        batch = [];
        batchBytes = 0;
      };
      for await (const { record } of track.readRaw(0, Number.MAX_SAFE_INTEGER)) {
        batch.push(record);
        batchBytes += record.length;
        if (batchBytes >= WRITE_BATCH) await drain();
      }
      await drain();
    });
    result.rewritten = true;
    result.bytesAfter = written;
  }
  return results;
}
