/**
 * Child process of relay-pps.ts: the viewers' media end. It binds one RTP/RTCP port pair per
 * viewer on 127.0.0.1 and counts the RTP datagrams each receives; the parent reads the counters
 * (with this process's own clock) at the start and end of a measurement window.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { ReceiverCommand, ReceiverEvent } from './ipc.js';

const RECV_BUFFER = 4 * 1024 * 1024;

function emit(e: ReceiverEvent): void {
  process.send?.(e);
}

function bindUdp(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind(port, '127.0.0.1', () => {
      s.removeAllListeners('error');
      s.on('error', () => undefined);
      try {
        s.setRecvBufferSize(RECV_BUFFER);
      } catch {
        // capped by net.core.rmem_max
      }
      resolve(s);
    });
  });
}

let sockets: Socket[] = [];
let counts: number[] = [];

async function open(count: number): Promise<number[]> {
  const ports: number[] = [];
  counts = [];
  while (ports.length < count) {
    const rtp = await bindUdp(0);
    if (!rtp) continue;
    const port = rtp.address().port;
    const rtcp = port % 2 === 0 ? await bindUdp(port + 1) : undefined;
    if (!rtcp) {
      rtp.close();
      continue;
    }
    const i = ports.length;
    counts.push(0);
    rtp.on('message', () => {
      counts[i] = (counts[i] ?? 0) + 1;
    });
    rtcp.on('message', () => undefined);
    sockets.push(rtp, rtcp);
    ports.push(port);
  }
  return ports;
}

function closeAll(): void {
  for (const s of sockets) {
    try {
      s.close();
    } catch {
      // already closed
    }
  }
  sockets = [];
}

process.on('message', (raw) => {
  const cmd = raw as ReceiverCommand;
  switch (cmd.cmd) {
    case 'open':
      void open(cmd.count).then((ports) => emit({ ev: 'opened', ports }));
      break;
    case 'close':
      closeAll();
      emit({ ev: 'closed' });
      break;
    case 'snap': {
      const cpu = process.cpuUsage();
      emit({
        ev: 'snap',
        id: cmd.id,
        at: performance.now(),
        counts: [...counts],
        cpuUs: cpu.user + cpu.system,
      });
      break;
    }
  }
});
process.on('disconnect', () => {
  closeAll();
  setTimeout(() => process.exit(0), 200).unref();
});
emit({ ev: 'ready' });
