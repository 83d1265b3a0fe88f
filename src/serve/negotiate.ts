/**
 * The viewer's choice of transport for one track (RFC 2326 12.39), independent of what the
 * upstream leg uses. Pure: the caller supplies the viewer's address and free channels.
 */
import { normalizeAddress } from '../net/address.js';
import type { TransportSpec } from '../protocol/rtsp/headers/transport.js';

export { normalizeAddress } from '../net/address.js';

export type ViewerTransport =
  | {
      readonly kind: 'udp';
      readonly address: string;
      readonly rtpPort: number;
      readonly rtcpPort: number;
    }
  | { readonly kind: 'tcp'; readonly rtpChannel: number; readonly rtcpChannel: number };

export type Negotiated =
  | { readonly ok: true; readonly transport: ViewerTransport; readonly offered: TransportSpec }
  | { readonly ok: false; readonly status: 403 | 461; readonly reason: string };

export interface NegotiateContext {
  /** Address the RTSP request came from: media goes there and nowhere else. */
  readonly remoteAddress: string;
  /** Interleaved channels already taken on this connection. */
  readonly usedChannels: ReadonlySet<number>;
  /** Channel pair to assign when a TCP offer names none. */
  readonly suggestedChannel: number;
}

/** Picks the first offer seamd can serve, in the viewer's order of preference. */
export function negotiateTransport(
  offers: readonly TransportSpec[],
  ctx: NegotiateContext,
): Negotiated {
  let refusal: Negotiated | undefined;
  for (const offer of offers) {
    const result = tryOffer(offer, ctx);
    if (result.ok) return result;
    // A destination elsewhere is a security refusal: report it over a mere mismatch.
    if (!refusal || result.status === 403) refusal = result;
  }
  return refusal ?? { ok: false, status: 461, reason: 'no transport offered' };
}

function tryOffer(offer: TransportSpec, ctx: NegotiateContext): Negotiated {
  if (offer.protocol.toUpperCase() !== 'RTP' || offer.profile.toUpperCase() !== 'AVP') {
    return {
      ok: false,
      status: 461,
      reason: `${offer.protocol}/${offer.profile} is not supported`,
    };
  }
  if (offer.delivery === 'multicast') {
    return { ok: false, status: 461, reason: 'multicast is not supported' };
  }
  if (offer.mode !== undefined && offer.mode !== 'PLAY') {
    return { ok: false, status: 461, reason: `mode=${offer.mode} is not supported` };
  }
  if (
    offer.destination !== undefined &&
    normalizeAddress(offer.destination) !== normalizeAddress(ctx.remoteAddress)
  ) {
    return {
      ok: false,
      status: 403,
      reason: `destination=${offer.destination} is not the requesting address ${ctx.remoteAddress}`,
    };
  }
  if (offer.lowerTransport === 'TCP') {
    const [rtp, rtcp] = offer.interleaved ?? [ctx.suggestedChannel, ctx.suggestedChannel + 1];
    if (ctx.usedChannels.has(rtp) || ctx.usedChannels.has(rtcp)) {
      return { ok: false, status: 461, reason: `interleaved=${rtp}-${rtcp} already in use` };
    }
    return {
      ok: true,
      offered: offer,
      transport: { kind: 'tcp', rtpChannel: rtp, rtcpChannel: rtcp },
    };
  }
  if (!offer.clientPort) {
    return { ok: false, status: 461, reason: 'UDP transport without client_port' };
  }
  const [rtpPort, rtcpPort] = offer.clientPort;
  if (rtpPort === 0) return { ok: false, status: 461, reason: 'client_port=0 is not a port' };
  return {
    ok: true,
    offered: offer,
    transport: { kind: 'udp', address: ctx.remoteAddress, rtpPort, rtcpPort },
  };
}
