import { pino } from 'pino';
import { startOrigin } from '../../helpers/origin.js';
import { Leg } from '../../../src/upstream/leg.js';

const log = pino({ level: 'debug' });
const origin = await startOrigin();
const { spawn } = await import('node:child_process');
spawn('strace', ['-f','-tt','-e','trace=exit_group','-e','signal=all','-o',`/tmp/scr/st-${origin.process.pid}.log`,'-p',String(origin.process.pid)], {stdio:'ignore', detached: true}).unref();
await new Promise((r) => setTimeout(r, 500));
origin.process.stderr?.on('data', (d) => process.stderr.write('ORIGIN: ' + d));
origin.process.on('exit', (c, sig) => console.log('ORIGIN EXIT', c, sig));
async function run(transport: 'udp' | 'tcp', range?: string) {
  const leg = new Leg({ id: transport, url: origin.url('file'), transport, udpTimeoutMs: 2000, connectTimeoutMs: 2000, requestTimeoutMs: 5000, userAgent: 'seamd-test', log });
  const d = await leg.describe();
  console.log(d.baseUrl, d.info.tracks.map((t) => [t.index, t.control, t.clockRate]));
  const s = await leg.setup();
  console.log(s);
  const first: Record<number, [number, number]> = {};
  const seqs: Record<number, number[]> = {0: [], 1: []};
  leg.on('rtp', (i, p) => { first[i] ??= [p.readUInt16BE(2), p.readUInt32BE(4)]; seqs[i]!.push(p.readUInt16BE(2)); });
  let rtcp = 0; leg.on('rtcp', () => rtcp++);
  const p = await leg.play(range ? { range } : {});
  console.log(JSON.stringify(p));
  await new Promise((r) => setTimeout(r, 6500));
  for (const i of [0,1]) { const a = seqs[i]!; console.log(i, 'n', a.length, 'first', a[0], 'last', a[a.length-1], 'span', ((a[a.length-1]! - a[0]! + 65536) % 65536) + 1); }
  console.log(transport, 'counts', leg.packetCounts(), 'first', first, 'rtcp', rtcp);
  await leg.teardown();
}
try {
  await run('udp');
  await run('tcp');
  await run('tcp', 'npt=2-');
} finally { await origin.stop(); }
