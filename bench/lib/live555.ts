/**
 * live555's proxy server (`live555ProxyServer`, a separate C++ program, not shipped with seamd)
 * as a reference relay for relay-pps.ts: started on a free port in front of the bench's fake
 * origin, its CPU read from /proc (every thread's scheduler time, in ns), stopped after the
 * window. It re-packetizes what it relays (H264VideoRTPSink, at most 1448-byte RTP packets), so
 * its packets out match the origin's one for one only when the origin's FU-A payloads fill such
 * packets: relay-pps uses `--size 1436` for this comparison (README).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freeTcpPort } from '../../test/helpers/ports.js';
import { sleep } from './common.js';

export interface ExternalRelay {
  readonly port: number;
  readonly pid: number;
  /** The URL viewers PLAY. */
  readonly url: string;
  /** CPU time of every thread so far, µs (from /proc/<pid>/task/<tid>/schedstat). */
  cpuUs: () => number;
  stop: () => Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

function schedNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  return ns;
}

/** Starts `bin` (live555ProxyServer) proxying `originUrl`; resolves once it accepts RTSP. */
export async function startLive555(
  bin: string,
  originUrl: string,
  verbose: boolean,
): Promise<ExternalRelay> {
  const port = await freeTcpPort();
  const child: ChildProcess = spawn(bin, ['-p', String(port), originUrl], {
    stdio: ['ignore', 'ignore', verbose ? 'inherit' : 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failed: Error | undefined;
  child.once('error', (err) => (failed = err));
  for (let i = 0; i < 100 && !(await accepts(port)); i++) {
    if (failed || child.exitCode !== null) {
      throw new Error(`${bin} did not start: ${failed?.message ?? `exit ${child.exitCode}`}`);
    }
    await sleep(50);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${bin} did not start`);
  return {
    port,
    pid,
    url: `rtsp://127.0.0.1:${port}/proxyStream`,
    cpuUs: () => schedNs(pid) / 1000,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(2000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
