/**
 * Messages between relay-pps.ts and its two child processes (origin-child.ts, receiver-child.ts),
 * and the parent-side helper that forks a child and waits for its answers.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** Parent → fake origin. */
export type OriginCommand =
  /** Blast RTP at `port` on 127.0.0.1; `rate` packets/s, 0 = as fast as possible. */
  | {
      cmd: 'blast';
      port: number;
      rate: number;
      size: number;
      /** even: spread over the second (1 ms ticks); frame: each frame's packets at once. */
      pattern: 'even' | 'frame';
    }
  | { cmd: 'stop' }
  | { cmd: 'snap'; id: number };

/** Fake origin → parent. */
export type OriginEvent =
  | { ev: 'ready'; rtspPort: number; serverPort: number }
  /** A SETUP named this client_port (the leg's RTP port). */
  | { ev: 'setup'; clientPort: number }
  | { ev: 'play' }
  | { ev: 'teardown' }
  | { ev: 'stopped'; sent: number }
  | { ev: 'snap'; id: number; at: number; sent: number; cpuUs: number };

/** Parent → receiver. */
export type ReceiverCommand =
  /** Bind `count` RTP/RTCP port pairs on 127.0.0.1 (one per viewer). */
  { cmd: 'open'; count: number } | { cmd: 'close' } | { cmd: 'snap'; id: number };

/** Receiver → parent. */
export type ReceiverEvent =
  | { ev: 'ready' }
  | { ev: 'opened'; ports: number[] }
  | { ev: 'closed' }
  | { ev: 'snap'; id: number; at: number; counts: number[]; cpuUs: number };

/** A forked child speaking the messages above, with request/answer helpers. */
export class Child<Cmd, Ev extends { ev: string }> {
  private readonly waiters: Array<{ match: (e: Ev) => boolean; resolve: (e: Ev) => void }> = [];
  private readonly listeners: Array<(e: Ev) => void> = [];
  exited = false;
  /** The child's `ready` event (it may carry data, e.g. the origin's ports). */
  ready: Extract<Ev, { ev: 'ready' }> | undefined;

  private constructor(readonly proc: ChildProcess) {
    proc.on('message', (raw) => {
      const e = raw as Ev;
      for (const l of this.listeners) l(e);
      const i = this.waiters.findIndex((w) => w.match(e));
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(e);
    });
    proc.on('exit', () => {
      this.exited = true;
    });
  }

  /** Forks `file` (a .ts module) with the tsx loader; resolves on its `ready` event. */
  static async start<C, E extends { ev: string }>(file: string): Promise<Child<C, E>> {
    const proc = fork(file, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new Child<C, E>(proc);
    child.ready = await child.waitFor('ready', 20000);
    return child;
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  send(cmd: Cmd): void {
    this.proc.send(cmd as object);
  }

  on(fn: (e: Ev) => void): void {
    this.listeners.push(fn);
  }

  /** Next event named `ev` (and passing `match`), or a rejection after `timeoutMs`. */
  waitFor<K extends Ev['ev']>(
    ev: K,
    timeoutMs = 10000,
    match: (e: Extract<Ev, { ev: K }>) => boolean = () => true,
  ): Promise<Extract<Ev, { ev: K }>> {
    return new Promise((resolve, reject) => {
      const waiter = {
        match: (e: Ev) => e.ev === ev && match(e as Extract<Ev, { ev: K }>),
        resolve: (e: Ev) => {
          clearTimeout(timer);
          resolve(e as Extract<Ev, { ev: K }>);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`child ${this.pid}: no '${ev}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends `cmd` and waits for the answer named `ev`. */
  async ask<K extends Ev['ev']>(
    cmd: Cmd,
    ev: K,
    timeoutMs = 10000,
    match?: (e: Extract<Ev, { ev: K }>) => boolean,
  ): Promise<Extract<Ev, { ev: K }>> {
    const answer = this.waitFor(ev, timeoutMs, match);
    this.send(cmd);
    return answer;
  }

  /** Disconnects IPC (the child exits on that) and kills it if it is still there after 2 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}
