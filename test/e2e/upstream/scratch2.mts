import { pino } from 'pino';
import { Leg } from '../../../src/upstream/leg.js';
const log = pino({ level: 'warn' });
const url = process.env.URL!;
for (let k = 0; k < 4; k++) for (const transport of ['udp', 'tcp'] as const) {
  const leg = new Leg({ id: transport, url, transport, udpTimeoutMs: 2000, connectTimeoutMs: 2000, requestTimeoutMs: 5000, userAgent: 'seamd-test', log });
  await leg.describe(); await leg.setup(); await leg.play();
  await new Promise((r) => setTimeout(r, 5500));
  console.log(new Date().toISOString(), transport, leg.state, leg.packetCounts());
  await leg.teardown();
}
