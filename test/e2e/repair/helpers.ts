/** Repair legs for the e2e tests: TCP interleaved, quiet unless SEAMD_TEST_LOG is set. */
import { pino } from 'pino';
import { Leg } from '../../../src/upstream/leg.js';

export const quietLog = pino({ level: process.env.SEAMD_TEST_LOG ?? 'silent' });

export function tcpLeg(id: string, url: string): Leg {
  return new Leg({
    id,
    url,
    transport: 'tcp',
    udpTimeoutMs: 2000,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 5000,
    userAgent: 'seamd-e2e',
    log: quietLog,
  });
}
