/**
 * What a time-shift playback sends besides its packets, and how fast its viewers take them:
 * sender reports (the archive's time as NTP, paired with the track's RTP time on its line, see
 * timeshift-cursor.ts) and, for `Rate-Control: no` (ONVIF replay), whether every viewer's media
 * rides a flow-controlled TCP connection with room on it: then the playback runs ahead of its
 * clock as fast as the connections take it, else it plays at UNCONTROLLED_RATE× real time (UDP
 * has no flow control: sent faster, it would be lost).
 */
import { ntpFromMs, serializeRtcp } from '../protocol/rtp/rtcp.js';
import type { SourceSubscriber } from '../source/media-source.js';
import { CNAME } from '../source/rtcp-relay.js';
import type { ArchiveCursor } from './timeshift-cursor.js';

/** How much faster than real time `Rate-Control: no` plays to viewers without flow control. */
export const UNCONTROLLED_RATE = 8;
/** `Rate-Control: no` over TCP: run ahead of the clock while every viewer has less queued. */
export const FLOW_HIGH_BYTES = 512 * 1024;

/** A sender report of `c` for archive time `clockWall` (viewer's media time `media`). */
export function senderReport(
  c: ArchiveCursor,
  clockWall: number,
  media: number,
): Buffer | undefined {
  const rtp = c.rtpTimeAt(media);
  if (c.ssrc === undefined || rtp === undefined || c.byeSent) return undefined;
  const ntp = ntpFromMs(clockWall);
  return serializeRtcp([
    {
      type: 'sr',
      ssrc: c.ssrc,
      ntpSec: ntp.sec,
      ntpFrac: ntp.frac,
      rtpTimestamp: rtp,
      packetCount: c.packets >>> 0,
      octetCount: c.octets >>> 0,
      reports: [],
    },
    { type: 'sdes', chunks: [{ ssrc: c.ssrc, items: [{ type: 1, text: CNAME }] }] },
  ]);
}

/** Every viewer takes its media over TCP (flow-controlled): it can be sent as fast as taken. */
export function allFlowControlled(subs: ReadonlySet<SourceSubscriber>): boolean {
  if (subs.size === 0) return false;
  for (const sub of subs) if (sub.backlogBytes?.() === undefined) return false;
  return true;
}

/** No viewer has FLOW_HIGH_BYTES or more queued. */
export function roomForMore(subs: ReadonlySet<SourceSubscriber>): boolean {
  for (const sub of subs) if ((sub.backlogBytes?.() ?? 0) >= FLOW_HIGH_BYTES) return false;
  return true;
}
