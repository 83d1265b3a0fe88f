/**
 * The ONVIF replay RTP header extension (ONVIF Streaming Specification, "RTP header extension"):
 * profile 0xABAC, three 32-bit words: the NTP time of the frame (64 bits), then a byte of flags
 * (C: clean point, a keyframe; E: the last packet of a contiguous section; D: the first after a
 * discontinuity; T: the last packet of the range asked), the low byte of the PLAY's CSeq, and two
 * bytes of zero. Carried on the first packet of each access unit.
 */
import { ntpFromMs } from './rtcp.js';

export const ONVIF_EXTENSION_PROFILE = 0xabac;

export interface OnvifFlags {
  readonly cleanPoint: boolean;
  readonly end: boolean;
  readonly discontinuity: boolean;
  readonly terminal: boolean;
}

/** A copy of `packet` with the extension (a packet that already has one is returned as is). */
export function withOnvifExtension(
  packet: Buffer,
  wallMs: number,
  flags: OnvifFlags,
  cseq: number,
): Buffer {
  const b0 = packet[0] ?? 0;
  if (b0 & 0x10) return packet;
  const headerLength = 12 + (b0 & 0x0f) * 4;
  const out = Buffer.alloc(packet.length + 16);
  packet.copy(out, 0, 0, headerLength);
  out[0] = b0 | 0x10;
  const ntp = ntpFromMs(wallMs);
  out.writeUInt16BE(ONVIF_EXTENSION_PROFILE, headerLength);
  out.writeUInt16BE(3, headerLength + 2);
  out.writeUInt32BE(ntp.sec, headerLength + 4);
  out.writeUInt32BE(ntp.frac, headerLength + 8);
  out[headerLength + 12] =
    (flags.cleanPoint ? 0x80 : 0) |
    (flags.end ? 0x40 : 0) |
    (flags.discontinuity ? 0x20 : 0) |
    (flags.terminal ? 0x10 : 0);
  out[headerLength + 13] = cseq & 0xff;
  packet.copy(out, headerLength + 16, headerLength);
  return out;
}

/** The extension of a packet, when it carries one with the ONVIF profile. */
export function readOnvifExtension(
  packet: Buffer,
): { ntpSec: number; ntpFrac: number; flags: OnvifFlags; cseq: number } | undefined {
  const b0 = packet[0] ?? 0;
  if (!(b0 & 0x10)) return undefined;
  const at = 12 + (b0 & 0x0f) * 4;
  if (packet.length < at + 16 || packet.readUInt16BE(at) !== ONVIF_EXTENSION_PROFILE) {
    return undefined;
  }
  if (packet.readUInt16BE(at + 2) < 3) return undefined;
  const f = packet[at + 12] ?? 0;
  return {
    ntpSec: packet.readUInt32BE(at + 4),
    ntpFrac: packet.readUInt32BE(at + 8),
    flags: {
      cleanPoint: (f & 0x80) !== 0,
      end: (f & 0x40) !== 0,
      discontinuity: (f & 0x20) !== 0,
      terminal: (f & 0x10) !== 0,
    },
    cseq: packet[at + 13] ?? 0,
  };
}
