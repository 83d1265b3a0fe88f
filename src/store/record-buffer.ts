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
  /** Where the slab bytes not yet taken start in `slab`, and where the next record goes. */
  private start = 0;
  private end = 0;
  /** Pieces of earlier slabs waiting for the next take, in order. */
  private pieces: Buffer[] = [];
  /**
   * The current slab's kept packets since `start`, and where each goes (the slab offset its
   * header ends at): numbers and references, no view per packet until the take.
   */
  private cuts: number[] = [];
  private kept: Buffer[] = [];
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
      if (slab) this.settle(slab);
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
      this.cuts.push(this.end);
      this.kept.push(packet);
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
    if (this.slab) this.settle(this.slab);
    const out = this.pieces;
    this.pieces = [];
    this.size = 0;
    return out;
  }

  /** Moves the slab's bytes since `start` (and the kept packets between them) to `pieces`. */
  private settle(slab: Buffer): void {
    const ab = slab.buffer;
    const base = slab.byteOffset;
    let from = this.start;
    const cuts = this.cuts;
    for (let i = 0; i < cuts.length; i++) {
      const at = cuts[i] as number;
      this.pieces.push(Buffer.from(ab, base + from, at - from), this.kept[i] as Buffer);
      from = at;
    }
    if (this.end > from) this.pieces.push(Buffer.from(ab, base + from, this.end - from));
    cuts.length = 0;
    this.kept.length = 0;
    this.start = this.end;
  }
}
