/**
 * One track's records waiting for a flush, encoded straight into large slabs: no buffer per
 * packet and no concatenation at flush time. `take()` hands the bytes since the last take as
 * pieces (written out with one writev) and later records go after them, so a slab is never
 * written to where a flush in flight reads.
 *
 * A record appended with `keep` has only its header in the slab: its packet bytes are written
 * from the caller's buffer itself (a piece of its own), which the caller promises not to change
 * until the flush that takes it settled. No copy of the packet; the bytes written are the same.
 */
import { encodeRecordHeaderInto, encodeRecordInto, RECORD_HEADER_LENGTH } from './format.js';

/** Slab size: about 50 video packets; a record (at most 65 567 bytes) always fits in one. */
export const SLAB_BYTES = 64 * 1024;
/** Kept packets up to this size are copied anyway (a piece per tiny packet costs more). */
const KEEP_MIN_BYTES = 256;

export class RecordBuffer {
  private slab: Buffer | undefined;
  /** Where the slab bytes not yet in `pieces` start in `slab`, and where the next header goes. */
  private start = 0;
  private end = 0;
  /** Pieces waiting for the next take, in order (slab runs and kept packets). */
  private pieces: Buffer[] = [];
  private size = 0;
  /** Where the last record appended starts in `slab`, or its kept packet. */
  private lastStart = 0;
  private lastKept: Buffer | undefined;

  /** Bytes appended and not yet taken. */
  get bytes(): number {
    return this.size;
  }

  /**
   * The packet of the last record appended: a view of the slab (no copy; slabs are never written
   * again once a record is in them, so the view stays valid as long as it is held), or the kept
   * packet itself.
   */
  lastPacket(): Buffer | undefined {
    if (this.lastKept) return this.lastKept;
    const slab = this.slab;
    return slab && this.end > this.lastStart
      ? slab.subarray(this.lastStart + RECORD_HEADER_LENGTH, this.end)
      : undefined;
  }

  /**
   * Encodes one record (see format.ts); returns its length. With `keep`, the packet is written
   * from `packet` itself at the flush (the caller leaves its bytes alone until then).
   */
  append(ext: number, packet: Buffer, arrivalMs: number, keep = false): number {
    const kept = keep && packet.length > KEEP_MIN_BYTES;
    const need = RECORD_HEADER_LENGTH + (kept ? 0 : packet.length);
    let slab = this.slab;
    if (!slab || slab.length - this.end < need) {
      if (slab && this.end > this.start) this.pieces.push(slab.subarray(this.start, this.end));
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, need));
      this.slab = slab;
      this.start = 0;
      this.end = 0;
    }
    this.lastStart = this.end;
    let n: number;
    if (kept) {
      encodeRecordHeaderInto(slab, this.end, ext, packet, arrivalMs);
      this.end += RECORD_HEADER_LENGTH;
      this.pieces.push(
        Buffer.from(slab.buffer, slab.byteOffset + this.start, this.end - this.start),
        packet,
      );
      this.start = this.end;
      this.lastKept = packet;
      n = RECORD_HEADER_LENGTH + packet.length;
    } else {
      n = encodeRecordInto(slab, this.end, ext, packet, arrivalMs);
      this.end += n;
      this.lastKept = undefined;
    }
    this.size += n;
    return n;
  }

  /** Everything appended since the last take, in order (views and kept packets, not copies). */
  take(): Buffer[] {
    const out = this.pieces;
    this.pieces = [];
    if (this.slab && this.end > this.start) out.push(this.slab.subarray(this.start, this.end));
    this.start = this.end;
    this.size = 0;
    return out;
  }
}
