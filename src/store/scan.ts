/**
 * Sequential scan of one track log: checks every record (magic, length, CRC) and collects the
 * per-record columns an index needs. Reads in 1 MiB chunks, so memory does not grow with the file
 * beyond the columns themselves.
 *
 * Torn tail vs corruption: when a record fails its checks at offset X, the rest of the file is
 * searched for any valid record (magic + sane header + CRC). None: the bytes from X on are a
 * torn tail (a crash mid-write, or zero-filled blocks after power loss) and are reported. One
 * found: the damage is in the middle and the log is STORE_CORRUPT. A damaged last record is
 * indistinguishable from a torn one and is treated as torn.
 */
import { open, type FileHandle } from 'node:fs/promises';
import {
  MAX_RECORD_LENGTH,
  RECORD_HEADER_LENGTH,
  RECORD_MAGIC,
  decodeRecordHeader,
  recordCrcOk,
  type TornTail,
} from './format.js';
import { StoreError, ioError } from './errors.js';

const CHUNK = 1 << 20;
const MAGIC_BYTES = Buffer.from([
  RECORD_MAGIC >>> 24,
  (RECORD_MAGIC >>> 16) & 0xff,
  (RECORD_MAGIC >>> 8) & 0xff,
  RECORD_MAGIC & 0xff,
]);

/** One log's records in file order. */
export interface LogScan {
  file: string;
  /** File size when scanned. */
  size: number;
  /** End of the last good record. */
  goodBytes: number;
  torn: TornTail | undefined;
  count: number;
  ext: number[];
  offset: number[];
  packetLength: number[];
  timestamp: number[];
}

/** Reads up to `len` bytes at `pos` (fewer at end of file). */
export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** A complete, valid record starting exactly at `pos`? */
async function validRecordAt(fh: FileHandle, pos: number, size: number): Promise<boolean> {
  if (pos + RECORD_HEADER_LENGTH > size) return false;
  const rec = await readAt(fh, pos, Math.min(MAX_RECORD_LENGTH, size - pos));
  const h = decodeRecordHeader(rec, 0);
  if (typeof h === 'string') return false;
  if (RECORD_HEADER_LENGTH + h.packetLength > rec.length) return false;
  return recordCrcOk(rec, 0, h.packetLength);
}

/** Offset of the first valid record at or after `from`, if any. */
export async function findRecordAfter(
  fh: FileHandle,
  from: number,
  size: number,
): Promise<number | undefined> {
  let p = from;
  while (p + RECORD_HEADER_LENGTH <= size) {
    const chunk = await readAt(fh, p, Math.min(CHUNK, size - p));
    let i = chunk.indexOf(MAGIC_BYTES);
    while (i >= 0) {
      if (await validRecordAt(fh, p + i, size)) return p + i;
      i = chunk.indexOf(MAGIC_BYTES, i + 1);
    }
    if (p + chunk.length >= size) break;
    p += chunk.length - (MAGIC_BYTES.length - 1);
  }
  return undefined;
}

/**
 * Scans `file`. A missing file is an empty log (a track that never got a packet). Throws
 * STORE_CORRUPT for damage before the tail, STORE_IO when the file cannot be read.
 */
export async function scanLog(file: string, track: number): Promise<LogScan> {
  const scan: LogScan = {
    file,
    size: 0,
    goodBytes: 0,
    torn: undefined,
    count: 0,
    ext: [],
    offset: [],
    packetLength: [],
    timestamp: [],
  };
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return scan;
    throw ioError(file, 'opening', err);
  }
  try {
    await scanOpen(fh, track, scan);
  } catch (err) {
    throw ioError(file, 'reading', err);
  } finally {
    await fh.close();
  }
  return scan;
}

async function scanOpen(fh: FileHandle, track: number, scan: LogScan): Promise<void> {
  const size = (await fh.stat()).size;
  scan.size = size;
  const buf = Buffer.allocUnsafe(CHUNK);
  let bufStart = 0; // file position of buf[0]
  let bufLen = 0;
  let pos = 0; // file position of the next record

  /** Makes sure `need` bytes from `pos` are in buf (when the file has them). */
  const fill = async (need: number): Promise<void> => {
    if (pos - bufStart + need <= bufLen) return;
    const keep = bufLen - (pos - bufStart);
    buf.copy(buf, 0, pos - bufStart, bufLen);
    bufStart = pos;
    bufLen = keep;
    while (bufLen < buf.length && bufStart + bufLen < size) {
      const { bytesRead } = await fh.read(buf, bufLen, buf.length - bufLen, bufStart + bufLen);
      if (bytesRead === 0) break;
      bufLen += bytesRead;
    }
  };

  const fail = async (reason: string): Promise<void> => {
    const next = await findRecordAfter(fh, pos + 1, size);
    if (next !== undefined) {
      throw new StoreError(
        'STORE_CORRUPT',
        scan.file,
        `${reason} at offset ${pos} (record ${scan.count}); valid records follow at offset ${next}`,
      );
    }
    scan.torn = { track, file: scan.file, offset: pos, bytes: size - pos, reason };
  };

  while (pos < size) {
    if (size - pos < RECORD_HEADER_LENGTH) return fail('partial record header');
    await fill(RECORD_HEADER_LENGTH);
    const local = pos - bufStart;
    const h = decodeRecordHeader(buf, local);
    if (typeof h === 'string') return fail(h);
    const recLen = RECORD_HEADER_LENGTH + h.packetLength;
    if (pos + recLen > size) return fail('partial record (runs past end of file)');
    await fill(recLen);
    const at = pos - bufStart;
    if (!recordCrcOk(buf, at, h.packetLength)) return fail('CRC mismatch');
    scan.ext.push(h.ext);
    scan.offset.push(pos);
    scan.packetLength.push(h.packetLength);
    scan.timestamp.push(h.timestamp);
    scan.count++;
    pos += recLen;
    scan.goodBytes = pos;
  }
}
