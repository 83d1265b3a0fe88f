/** The real CLI process (`seamd …` through tsx), its JSON log lines, and waiting for events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './origin.js';

export interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  waitFor(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export function runCli(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not JSON: ignore */
      }
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitFor = (event: string, timeoutMs = 15000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = lines.length;
      const timer = setTimeout(() => reject(new Error(`no ${event} log line`)), timeoutMs);
      const check = () => {
        const hit = lines.slice(seen).find((l) => l.event === event);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, waitFor, exited };
}
