import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectedSender } from '../../../src/net/connected-udp.js';
import { bindUdpPair, type UdpPair } from '../../../src/net/udp-pair.js';

const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

async function sink(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  opened.push(s);
  return s;
}

function next(s: Socket): Promise<{ text: string; port: number } | undefined> {
  return new Promise((resolve) => {
    s.once('message', (m, rinfo) => resolve({ text: m.toString(), port: rinfo.port }));
    setTimeout(() => resolve(undefined), 1000);
  });
}

describe('ConnectedSender', () => {
  it('sends from the shared RTP port of a pair bound with shareRtp', async () => {
    const pair: UdpPair = await bindUdpPair('127.0.0.1', 0, 'udp4', true);
    opened.push(pair);
    const viewer = await sink();
    const local = { family: 'udp4' as const, host: '127.0.0.1', port: pair.rtpPort };
    const sender = await ConnectedSender.open(local, '127.0.0.1', viewer.address().port);
    opened.push(sender);
    const got = next(viewer);
    sender.send(Buffer.from('rtp'));
    expect(await got).toEqual({ text: 'rtp', port: pair.rtpPort });
  });

  it('cannot share a pair bound without shareRtp (the port stays exclusive)', async () => {
    const pair = await bindUdpPair('127.0.0.1', 0);
    opened.push(pair);
    const viewer = await sink();
    const local = { family: 'udp4' as const, host: '127.0.0.1', port: pair.rtpPort };
    await expect(ConnectedSender.open(local, '127.0.0.1', viewer.address().port)).rejects.toThrow(
      /EADDRINUSE/,
    );
  });

  it('a send after close does nothing (a closed dgram socket would throw)', async () => {
    const pair = await bindUdpPair('127.0.0.1', 0, 'udp4', true);
    opened.push(pair);
    const viewer = await sink();
    const local = { family: 'udp4' as const, host: '127.0.0.1', port: pair.rtpPort };
    const sender = await ConnectedSender.open(local, '127.0.0.1', viewer.address().port);
    sender.close();
    expect(sender.isOpen).toBe(false);
    expect(() => sender.send(Buffer.from('late'))).not.toThrow();
  });
});
