/**
 * A network namespace of the test's own with a veth link to the host, and kernel-level packet
 * loss (nftables `numgen random`) on UDP leaving it: the real network path between an origin
 * inside and seamd outside. Needs root, iproute2 and nftables (scripts/setup.sh installs them).
 */
import { run } from './players.js';

export interface LossyNetns {
  readonly name: string;
  /** Address of the namespace's end of the link (where the origin listens). */
  readonly nsAddress: string;
  readonly hostAddress: string;
  remove(): Promise<void>;
}

async function sh(cmd: string, args: string[], input?: string): Promise<void> {
  const r = input === undefined ? await run(cmd, args) : await runWithInput(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
}

async function runWithInput(cmd: string, args: string[], input: string) {
  const { spawn } = await import('node:child_process');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Drops `lossPct`% of UDP datagrams (each on its own, independently) leaving the namespace. */
export async function createLossyNetns(lossPct: number): Promise<LossyNetns> {
  const id = (process.pid % 200) + 20;
  const name = `seamd-t${process.pid}`;
  const host = `vh${process.pid}`.slice(0, 15);
  const peer = `vn${process.pid}`.slice(0, 15);
  const hostAddress = `10.77.${id}.1`;
  const nsAddress = `10.77.${id}.2`;
  await run('ip', ['netns', 'del', name]);
  await sh('ip', ['netns', 'add', name]);
  const ns = (...args: string[]) => sh('ip', ['netns', 'exec', name, ...args]);
  try {
    await sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    await sh('ip', ['link', 'set', peer, 'netns', name]);
    await sh('ip', ['addr', 'add', `${hostAddress}/24`, 'dev', host]);
    await sh('ip', ['link', 'set', host, 'up']);
    await ns('ip', 'addr', 'add', `${nsAddress}/24`, 'dev', peer);
    await ns('ip', 'link', 'set', peer, 'up');
    await ns('ip', 'link', 'set', 'lo', 'up');
    const rules = [
      'table inet seamdloss {',
      ' chain out {',
      '  type filter hook output priority 0; policy accept;',
      `  meta l4proto udp numgen random mod 100 < ${Math.round(lossPct)} drop`,
      ' }',
      '}',
      '',
    ].join('\n');
    await sh('ip', ['netns', 'exec', name, 'nft', '-f', '-'], rules);
  } catch (err) {
    await run('ip', ['netns', 'del', name]);
    throw err;
  }
  return {
    name,
    nsAddress,
    hostAddress,
    remove: async () => {
      await run('ip', ['netns', 'del', name]);
    },
  };
}
