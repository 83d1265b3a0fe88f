import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { allocateUdpPair, bindUdpPair, type UdpPair } from '../../../src/net/udp-pair.js';
import { SeamdError } from '../../../src/errors.js';
import { freeEvenUdpPort } from '../../helpers/ports.js';

const opened: Array<UdpPair | Socket> = [];

afterEach(() => {
  for (const x of opened.splice(0)) x.close();
});

function keep<T extends UdpPair | Socket>(x: T): T {
  opened.push(x);
  return x;
}

function occupy(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '0.0.0.0', () => resolve(keep(s)));
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SeamdError);
    return (err as SeamdError).code;
  }
  throw new Error('expected a rejection');
}

describe('allocateUdpPair', () => {
  it('binds RTP on an even port and RTCP on the next odd one', async () => {
    for (let i = 0; i < 10; i++) {
      const pair = keep(await allocateUdpPair({ host: '127.0.0.1' }));
      expect(pair.rtpPort % 2).toBe(0);
      expect(pair.rtcpPort).toBe(pair.rtpPort + 1);
      expect(pair.rtp.address().port).toBe(pair.rtpPort);
      expect(pair.rtcp.address().port).toBe(pair.rtcpPort);
    }
  });

  it('receives on both sockets', async () => {
    const pair = keep(await allocateUdpPair({ host: '127.0.0.1' }));
    const got = Promise.all([
      new Promise<string>((r) => pair.rtp.once('message', (m) => r(m.toString()))),
      new Promise<string>((r) => pair.rtcp.once('message', (m) => r(m.toString()))),
    ]);
    const tx = keep(createSocket('udp4'));
    tx.send('rtp', pair.rtpPort, '127.0.0.1');
    tx.send('rtcp', pair.rtcpPort, '127.0.0.1');
    expect(await got).toEqual(['rtp', 'rtcp']);
  });

  it('retries past pairs whose ports are taken, inside a range', async () => {
    const base = await freeEvenUdpPort();
    // three candidate pairs: base, base+2, base+4; the first two are half taken
    await occupy(base + 1); // RTCP port of the first pair
    await occupy(base + 2); // RTP port of the second pair
    const pair = keep(await allocateUdpPair({ host: '0.0.0.0', portMin: base, portMax: base + 5 }));
    expect(pair.rtpPort).toBe(base + 4);
    expect(pair.rtcpPort).toBe(base + 5);
  });

  it('gives up with PORT_ALLOC when every pair of the range is taken', async () => {
    const base = await freeEvenUdpPort();
    await occupy(base);
    expect(await codeOf(allocateUdpPair({ portMin: base, portMax: base + 1 }))).toBe('PORT_ALLOC');
    expect(await codeOf(allocateUdpPair({ portMin: 7, portMax: 7 }))).toBe('PORT_ALLOC');
  });

  it('fails with PORT_ALLOC for an address it cannot bind', async () => {
    expect(await codeOf(allocateUdpPair({ host: '192.0.2.123' }))).toBe('PORT_ALLOC');
  });

  it('close() is idempotent', async () => {
    const pair = await allocateUdpPair();
    pair.close();
    pair.close();
  });
});

describe('bindUdpPair', () => {
  it('binds a fixed even pair, or any pair for port 0', async () => {
    const base = await freeEvenUdpPort();
    const fixed = keep(await bindUdpPair('127.0.0.1', base));
    expect([fixed.rtpPort, fixed.rtcpPort]).toEqual([base, base + 1]);
    const any = keep(await bindUdpPair('127.0.0.1', 0));
    expect(any.rtpPort % 2).toBe(0);
    expect(any.rtcpPort).toBe(any.rtpPort + 1);
  });

  it('refuses odd ports and taken pairs with PORT_ALLOC', async () => {
    const base = await freeEvenUdpPort();
    expect(await codeOf(bindUdpPair('127.0.0.1', base + 1))).toBe('PORT_ALLOC');
    await occupy(base + 1);
    expect(await codeOf(bindUdpPair('0.0.0.0', base))).toBe('PORT_ALLOC');
    // the even socket bound before the failure was released
    const again = await occupy(base);
    expect(again.address().port).toBe(base);
  });
});
