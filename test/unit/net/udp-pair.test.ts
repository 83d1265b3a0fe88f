import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { bindUdpPair, literalLookup } from '../../../src/net/udp-pair.js';

describe('literalLookup', () => {
  it('answers IP literals at once, with their family', () => {
    const seen: Array<[string, number]> = [];
    literalLookup('127.0.0.1', 4, (err, address, family) => {
      expect(err).toBeNull();
      seen.push([address, family]);
    });
    literalLookup('::1', 6, (_err, address, family) => seen.push([address, family]));
    // Both callbacks ran before literalLookup returned (dns.lookup would answer a tick later).
    expect(seen).toEqual([
      ['127.0.0.1', 4],
      ['::1', 6],
    ]);
  });

  it('still resolves names through dns.lookup', async () => {
    const got = await new Promise<[string, number]>((resolve, reject) => {
      literalLookup('localhost', 4, (err, address, family) =>
        err ? reject(err) : resolve([address, family]),
      );
    });
    expect(got).toEqual(['127.0.0.1', 4]);
  });
});

describe('a bound pair', () => {
  it('hands a datagram to an IP literal to the kernel inside send()', async () => {
    const pair = await bindUdpPair('127.0.0.1', 0);
    const sink = createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    try {
      const got = new Promise<string>((resolve) => {
        sink.once('message', (m) => resolve(m.toString()));
        setTimeout(() => resolve('nothing arrived'), 1000);
      });
      pair.rtp.send(Buffer.from('rtp'), sink.address().port, '127.0.0.1');
      // Closed right away: a send still waiting for its lookup's tick would be dropped.
      pair.close();
      expect(await got).toBe('rtp');
    } finally {
      sink.close();
    }
  });
});
