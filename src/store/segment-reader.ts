/**
 * Reading an archive segment's track log forward from an offset (an index entry), a chunk at a
 * time, each record checked (magic, length, CRC). A log still being written may end in a record
 * not yet complete: reading stops before it and the caller asks again later.
 */
import { open } from 'node:fs/promises';
import { RECORD_HEADER_LENGTH, decodeRecordHeader, recordCrcOk, trackFileName } from './format.js';
import { ioError } from './errors.js';
import { readAt } from './scan.js';

export interface ArchivedPacket {
  readonly ext: number;
  /** Wall-clock ms (the record's time field). */
  readonly wallMs: number;
  readonly ts: number;
  /** The whole canonical RTP packet. */
  readonly packet: Buffer;
}

export interface ReadResult {
  readonly packets: ArchivedPacket[];
  /** Where the next read starts. */
  readonly next: number;
}

/** Larger than any record (MAX_RECORD_LENGTH), so a read always makes progress. */
const CHUNK = 256 * 1024;

/** Records of `track`'s log in segment `dir` from `offset`, up to about `chunk` bytes (and `limit`). */
export async function readSegmentLog(
  dir: string,
  track: number,
  offset: number,
  limit?: number,
  chunk = CHUNK,
): Promise<ReadResult> {
  const file = `${dir}/${trackFileName(track)}`;
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { packets: [], next: offset };
    throw ioError(file, 'opening', err);
  }
  try {
    const len = limit === undefined ? chunk : Math.max(0, Math.min(chunk, limit - offset));
    if (len === 0) return { packets: [], next: offset };
    const buf = await readAt(fh, offset, len);
    const packets: ArchivedPacket[] = [];
    let at = 0;
    while (at + RECORD_HEADER_LENGTH <= buf.length) {
      const h = decodeRecordHeader(buf, at);
      if (typeof h === 'string') break;
      const recLen = RECORD_HEADER_LENGTH + h.packetLength;
      // A record cut by the chunk (or not yet written whole) is read next time.
      if (at + recLen > buf.length) break;
      if (!recordCrcOk(buf, at, h.packetLength)) break;
      packets.push({
        ext: h.ext,
        wallMs: h.arrivalMs,
        ts: h.timestamp,
        packet: Buffer.from(buf.subarray(at + RECORD_HEADER_LENGTH, at + recLen)),
      });
      at += recLen;
    }
    return { packets, next: offset + at };
  } catch (err) {
    throw ioError(file, 'reading', err);
  } finally {
    await fh.close();
  }
}
