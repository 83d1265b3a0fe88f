import { describe, expect, it } from 'vitest';
import { parseTransport } from '../../../src/protocol/rtsp/headers/transport.js';
import { negotiateTransport, normalizeAddress } from '../../../src/serve/negotiate.js';

const ctx = { remoteAddress: '192.0.2.10', usedChannels: new Set<number>(), suggestedChannel: 2 };

function negotiate(header: string, c = ctx) {
  return negotiateTransport(parseTransport(header), c);
}

describe('negotiateTransport', () => {
  it('UDP unicast with client_port: media to the requesting address only', () => {
    expect(negotiate('RTP/AVP;unicast;client_port=5000-5001')).toMatchObject({
      ok: true,
      transport: { kind: 'udp', address: '192.0.2.10', rtpPort: 5000, rtcpPort: 5001 },
    });
  });

  it('a destination equal to the requester is fine, elsewhere is 403', () => {
    expect(negotiate('RTP/AVP;unicast;destination=192.0.2.10;client_port=5000-5001').ok).toBe(true);
    expect(
      negotiate('RTP/AVP;unicast;destination=203.0.113.5;client_port=5000-5001'),
    ).toMatchObject({ ok: false, status: 403 });
  });

  it('TCP interleaved: as asked, or a suggested pair when none is named', () => {
    expect(negotiate('RTP/AVP/TCP;unicast;interleaved=4-5')).toMatchObject({
      ok: true,
      transport: { kind: 'tcp', rtpChannel: 4, rtcpChannel: 5 },
    });
    expect(negotiate('RTP/AVP/TCP;unicast')).toMatchObject({
      ok: true,
      transport: { kind: 'tcp', rtpChannel: 2, rtcpChannel: 3 },
    });
  });

  it('channels already used on the connection are refused with 461', () => {
    const c = { ...ctx, usedChannels: new Set([0, 1]) };
    expect(negotiate('RTP/AVP/TCP;unicast;interleaved=0-1', c)).toMatchObject({
      ok: false,
      status: 461,
    });
  });

  it('the first usable offer wins', () => {
    expect(
      negotiate('RTP/AVP;multicast;port=4000-4001,RTP/SAVP;unicast;client_port=1-2,RTP/AVP/TCP'),
    ).toMatchObject({ ok: true, transport: { kind: 'tcp' } });
  });

  it.each([
    'RTP/AVP;multicast;port=4000-4001',
    'RTP/SAVP;unicast;client_port=5000-5001',
    'RTP/AVP;unicast',
    'RTP/AVP;unicast;client_port=0-1',
    'RTP/AVP;unicast;client_port=5000-5001;mode=RECORD',
  ])('461 for %s', (header) => {
    expect(negotiate(header)).toMatchObject({ ok: false, status: 461 });
  });

  it('a foreign destination is reported over a plain mismatch', () => {
    expect(
      negotiate('RTP/AVP;multicast,RTP/AVP;unicast;destination=198.51.100.1;client_port=5-6'),
    ).toMatchObject({ ok: false, status: 403 });
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['[FD00::1]', 'fd00::1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s → %s', (a, b) => expect(normalizeAddress(a)).toBe(b));
});
