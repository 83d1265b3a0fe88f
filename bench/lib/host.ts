/** Machine-side helpers for the socket benchmarks: CPU load from /proc/stat, pinning, UDP. */
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

/** Busy and total jiffies of one CPU (or all) from /proc/stat; undefined off Linux. */
export function cpuTimes(cpu: number | undefined): { busy: number; total: number } | undefined {
  try {
    const name = cpu === undefined ? 'cpu' : `cpu${cpu}`;
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name} `));
    if (!line) return undefined;
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Pins every thread of `pid` to `cpu` with taskset; false when that is not possible. */
export function pinTo(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A UDP socket on 127.0.0.1 (any port); later socket errors are ignored. */
export function udpBind(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}
