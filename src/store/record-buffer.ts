/**
 * One track's records waiting for a flush, encoded straight into large slabs: no buffer per
 * packet and no concatenation at flush time. `take()` hands the bytes since the last take as
 * slices of the slabs (written out with one writev) and later records go after them, so a slab
 * is never written to where a flush in flight reads.
 */
import { encodeRecordInto, RECORD_HEADER_LENGTH } from './format.js';

/** Slab size: about 50 video packets; a record (at most 65 567 bytes) always fits in one. */
export const SLAB_BYTES = 64 * 1024;

export class RecordBuffer {
  private slab: Buffer | undefined;
  /** Where the bytes not yet taken start in `slab`, and where the next record goes. */
  private start = 0;
  private end = 0;
  /** Filled slabs (their untaken part) waiting for the next take. */
  private full: Buffer[] = [];
  private size = 0;
  /** Where the last record appended starts in `slab`. */
  private lastStart = 0;

  /** Bytes appended and not yet taken. */
  get bytes(): number {
    return this.size;
  }

  /**
   * The packet of the last record appended, as a view of the slab (no copy). Slabs are never
   * written again once a record is in them, so the view stays valid as long as it is held.
   */
  lastPacket(): Buffer | undefined {
    const slab = this.slab;
    return slab && this.end > this.lastStart
      ? slab.subarray(this.lastStart + RECORD_HEADER_LENGTH, this.end)
      : undefined;
  }

  /** Encodes one record (see format.ts); returns its length. */
  append(ext: number, packet: Buffer, arrivalMs: number): number {
    const need = RECORD_HEADER_LENGTH + packet.length;
    let slab = this.slab;
    if (!slab || slab.length - this.end < need) {
      if (slab && this.end > this.start) this.full.push(slab.subarray(this.start, this.end));
      slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, need));
      this.slab = slab;
      this.start = 0;
      this.end = 0;
    }
    this.lastStart = this.end;
    const n = encodeRecordInto(slab, this.end, ext, packet, arrivalMs);
    this.end += n;
    this.size += n;
    return n;
  }

  /** Everything appended since the last take, in order (views of the slabs, not copies). */
  take(): Buffer[] {
    const out = this.full;
    this.full = [];
    if (this.slab && this.end > this.start) out.push(this.slab.subarray(this.start, this.end));
    this.start = this.end;
    this.size = 0;
    return out;
  }
}
