/**
 * Media plumbing of one leg: RTP/RTCP in over UDP pairs or TCP interleaved channels, demuxed
 * to track indexes, and RTCP receiver reports out (RFC 3550 §6.4.2) so the origin keeps the
 * session alive and learns about our reception.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { logEvent } from '../events.js';
import type { UdpPair } from '../net/udp-pair.js';
import { parseRtcp, serializeRtcp, SdesItem, type RtcpPacket } from '../protocol/rtp/rtcp.js';
import { looksLikeRtcp } from '../protocol/rtp/rtp.js';
import { ReceiverStats } from './receiver-stats.js';
import { normalizeAddress } from '../net/address.js';

export const RR_INTERVAL_MS = 5000;

export interface LegMediaEvents {
  rtp: [trackIndex: number, packet: Buffer, arrival: number];
  rtcp: [trackIndex: number, packet: Buffer];
}

export interface MediaTrackInfo {
  index: number;
  clockRate: number;
  /** ssrc= from the SETUP answer, if the origin announced one */
  ssrc?: number;
}

export interface UdpRemote {
  /** The origin's address (from the control connection). */
  address: string;
  /** Other addresses allowed to send us media (Transport source=). */
  sources?: string[];
  /** server_port of the SETUP answer. */
  serverPort?: [number, number];
}

type Binding =
  | {
      kind: 'udp';
      track: MediaTrackInfo;
      stats: ReceiverStats;
      pair: UdpPair;
      remote: UdpRemote;
      allowed: Set<string>;
    }
  | {
      kind: 'tcp';
      track: MediaTrackInfo;
      stats: ReceiverStats;
      channels: [number, number];
      send: (channel: number, payload: Buffer) => boolean;
    };

export class LegMedia extends EventEmitter<LegMediaEvents> {
  /** Our own SSRC as an RTCP receiver. */
  readonly ssrc: number;
  private readonly cname: string;
  private readonly log: Logger;
  /** The leg's id (logs). */
  private readonly leg: string;
  private readonly rrIntervalMs: number;
  private bindings: Binding[] = [];
  private readonly byChannel = new Map<number, { binding: Binding; rtcp: boolean }>();
  private rrTimer: NodeJS.Timeout | undefined;
  private readonly foreign = new Set<string>();
  /** Count of datagrams dropped because they came from an address that is not the origin. */
  foreignDatagrams = 0;
  private rtpSeen = false;

  constructor(opts: { log: Logger; leg: string; cname: string; rrIntervalMs?: number }) {
    super();
    this.log = opts.log;
    this.leg = opts.leg;
    this.cname = opts.cname;
    this.rrIntervalMs = opts.rrIntervalMs ?? RR_INTERVAL_MS;
    this.ssrc = randomBytes(4).readUInt32BE(0);
  }

  /** True once any RTP packet arrived on any track. */
  get receivedRtp(): boolean {
    return this.rtpSeen;
  }

  /** Packets received per track index (for logs and tests). */
  packetCounts(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const b of this.bindings) out[b.track.index] = b.stats.received;
    return out;
  }

  /** Takes ownership of the pair: it is closed by clear()/stop(). */
  addUdpTrack(track: MediaTrackInfo, pair: UdpPair, remote: UdpRemote): void {
    const allowed = new Set(
      [remote.address, ...(remote.sources ?? [])].map((a) => normalizeAddress(a)),
    );
    const b: Binding = {
      kind: 'udp',
      track,
      stats: new ReceiverStats(track.clockRate, track.ssrc),
      pair,
      remote,
      allowed,
    };
    this.bindings.push(b);
    pair.rtp.on('message', (msg, rinfo) => {
      if (!this.fromOrigin(b, rinfo.address, rinfo.port)) return;
      if (looksLikeRtcp(msg)) this.onRtcp(b, msg);
      else this.onRtp(b, msg);
    });
    pair.rtcp.on('message', (msg, rinfo) => {
      if (this.fromOrigin(b, rinfo.address, rinfo.port)) this.onRtcp(b, msg);
    });
  }

  addTcpTrack(
    track: MediaTrackInfo,
    channels: [number, number],
    send: (channel: number, payload: Buffer) => boolean,
  ): void {
    const b: Binding = {
      kind: 'tcp',
      track,
      stats: new ReceiverStats(track.clockRate, track.ssrc),
      channels,
      send,
    };
    this.bindings.push(b);
    this.byChannel.set(channels[0], { binding: b, rtcp: false });
    this.byChannel.set(channels[1], { binding: b, rtcp: true });
  }

  /** An interleaved frame from the control connection; false when no track owns the channel. */
  onFrame(channel: number, payload: Buffer): boolean {
    const hit = this.byChannel.get(channel);
    if (!hit) return false;
    if (hit.rtcp || looksLikeRtcp(payload)) this.onRtcp(hit.binding, payload);
    else this.onRtp(hit.binding, payload);
    return true;
  }

  /** One tiny RTCP RR (no report blocks) to each UDP track's server RTCP port (NAT punch). */
  punch(): void {
    for (const b of this.bindings) {
      if (b.kind === 'udp') this.sendRtcp(b, this.compound([]));
    }
  }

  /** Starts the periodic receiver reports. */
  start(): void {
    if (this.rrTimer) return;
    this.rrTimer = setInterval(() => this.sendReports(), this.rrIntervalMs);
    this.rrTimer.unref();
  }

  /** Sends one receiver report per track now. */
  sendReports(): void {
    const now = performance.now();
    for (const b of this.bindings) {
      const block = b.stats.reportBlock(now);
      this.sendRtcp(b, this.compound(block ? [block] : []));
    }
  }

  /** Stops reports and closes every UDP pair; bindings are forgotten. */
  clear(): void {
    if (this.rrTimer) clearInterval(this.rrTimer);
    this.rrTimer = undefined;
    for (const b of this.bindings) if (b.kind === 'udp') b.pair.close();
    this.bindings = [];
    this.byChannel.clear();
    this.rtpSeen = false;
  }

  private compound(reports: Extract<RtcpPacket, { type: 'rr' }>['reports']): Buffer {
    return serializeRtcp([
      { type: 'rr', ssrc: this.ssrc, reports },
      {
        type: 'sdes',
        chunks: [{ ssrc: this.ssrc, items: [{ type: SdesItem.CNAME, text: this.cname }] }],
      },
    ]);
  }

  private sendRtcp(b: Binding, packet: Buffer): void {
    if (b.kind === 'tcp') {
      b.send(b.channels[1], packet);
      return;
    }
    const sp = b.remote.serverPort;
    if (!sp) return;
    const port = sp[1] !== sp[0] ? sp[1] : sp[0] + 1;
    b.pair.rtcp.send(packet, port, b.remote.address, (err) => {
      if (!err) return;
      const fields = { leg: this.leg, track: b.track.index, err: err.message };
      logEvent(this.log, 'debug', 'leg.rtcp_send', fields, 'RTCP send failed');
    });
  }

  private fromOrigin(b: Binding & { kind: 'udp' }, address: string, port: number): boolean {
    // The exact string first: normalizing (a regex) on every datagram showed up in profiles.
    if (b.allowed.has(address) || b.allowed.has(normalizeAddress(address))) return true;
    this.foreignDatagrams++;
    const key = `${address}:${port}`;
    if (!this.foreign.has(key) && this.foreign.size < 64) {
      this.foreign.add(key);
      logEvent(
        this.log,
        'debug',
        'leg.foreign_datagram',
        { leg: this.leg, from: key, track: b.track.index },
        'ignoring UDP datagram not from the origin',
      );
    }
    return false;
  }

  private onRtp(b: Binding, packet: Buffer): void {
    const arrival = performance.now();
    if (packet.length < 12 || (packet[0] ?? 0) >> 6 !== 2) return;
    this.rtpSeen = true;
    b.stats.onRtp(packet, arrival);
    this.emit('rtp', b.track.index, packet, arrival);
  }

  private onRtcp(b: Binding, packet: Buffer): void {
    try {
      for (const p of parseRtcp(packet)) {
        if (p.type === 'sr' && (b.stats.ssrc === undefined || p.ssrc === b.stats.ssrc)) {
          b.stats.onSenderReport(p.ntpSec, p.ntpFrac, performance.now());
        }
      }
    } catch (err) {
      const fields = { leg: this.leg, track: b.track.index, err: (err as Error).message };
      logEvent(this.log, 'debug', 'leg.bad_rtcp', fields, 'unreadable RTCP');
      return;
    }
    this.emit('rtcp', b.track.index, packet);
  }
}
