/**
 * Relayed RTP packets per second: seamd's real relay path (upstream leg UDP socket → LegMedia →
 * Leg → Source fan-out → ViewerSession → front UDP socket) against a bare `node:dgram` relay
 * (receive → send, nothing else) measured in the same run, by viewer count, at the rate of a live
 * H.264 camera (2000 packets/s) and at saturation, with seamd recording and not.
 *
 *   sender/origin child ──UDP──▶ [this process: seamd | bare relay] ──UDP──▶ receiver child
 *
 * - The fake origin (RTSP + RTP blaster) and the receiver are child processes, so producing and
 *   counting packets do not share the relay's core. With 2+ CPUs and `taskset` available this
 *   process is pinned to CPU 0 and the children to CPU 1 (`--pin none` to leave scheduling to
 *   the OS). Other load on the machine is shown as "core busy" (from /proc/stat).
 * - seamd runs in this process from a real config (`startDaemon`), the viewers are raw RTSP
 *   clients here (control plane only); their UDP media ports are in the receiver child.
 * - "relay in/out" are counted by the relay itself (seamd: Source.packetsIn and the viewer
 *   sessions' packetsSent; bare: its own counters); "delivered" is what the receiver counted.
 *   CPU is process.cpuUsage() of this process (user + system, all threads) over the window.
 *
 * Run: node --import tsx bench/relay-pps.ts [--seconds 1] [--viewers 1,10,50,100] [--rates 2000,0]
 *        [--rounds 3] [--help]
 */
import type { Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfigText } from '../src/daemon/config.js';
import { startDaemon, type Daemon } from '../src/daemon/daemon.js';
import type { Config } from '../src/daemon/config.js';
import { RawRtspClient } from '../test/helpers/raw-client.js';
import {
  fixed,
  machineInfo,
  median,
  parseArgs,
  printJson,
  si,
  sleep,
  spreadPct,
  table,
} from './lib/common.js';
import { cpuTimes, pinTo, udpBind } from './lib/host.js';
import { startLive555 } from './lib/live555.js';
import {
  Child,
  type OriginCommand,
  type OriginEvent,
  type ReceiverCommand,
  type ReceiverEvent,
} from './lib/ipc.js';

const opts = parseArgs(
  process.argv.slice(2),
  {
    seconds: 1,
    warmup: 0.4,
    viewers: '1,10,50,100',
    rounds: 3,
    rates: '2000,0',
    size: 1200,
    pin: 'auto',
    modes: 'bare,seamd,seamd-rec',
    log: 'silent',
    live555: 'live555ProxyServer',
    pattern: 'even',
  },
  'relay-pps: relayed RTP packets/s, seamd vs a bare node:dgram relay (same run)',
  {
    seconds: 'measurement window per scenario, seconds',
    warmup: 'blasting before the window opens, seconds',
    viewers: 'comma-separated viewer counts (fan-out)',
    rounds: 'repetitions of every scenario (median reported), order alternating',
    rates: 'comma-separated sender packets/s; 0 = as fast as the sender can (saturation)',
    size: 'RTP payload bytes',
    pin: 'auto (relay on CPU 0, children on CPU 1 when possible) | none',
    modes:
      'comma-separated: bare, seamd, seamd-rec (recording on), bare-connected (one connected ' +
      'socket per viewer), live555 (live555ProxyServer, see --live555; use --size 1436)',
    live555: "the live555 proxy server's program, for --modes live555",
    pattern:
      "even: packets spread over each second (1 ms ticks); frame: each frame's packets back to " +
      'back at its time, as gst-rtsp-server sends a live H.264 mount',
    log: "seamd's log level (JSON lines to stderr), e.g. debug",
  },
);

const RECV_BUFFER = 4 * 1024 * 1024; // what seamd asks for on its leg sockets (udp-pair.ts)
const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

const MODES = ['bare', 'seamd', 'seamd-rec', 'bare-connected', 'live555'] as const;
type Mode = (typeof MODES)[number];

interface Counters {
  in: number;
  out: number;
}

interface Sample {
  mode: Mode;
  viewers: number;
  /** The sender's target rate (0: as fast as it can). */
  rate: number;
  /** seamd-rec: bytes of the recording on disk after the daemon stopped (NaN otherwise). */
  recordedBytes: number;
  /** Packets the receiver counted over packets sent × viewers, over the window. */
  lossPct: number;
  /** Sender's packets/s (its own clock). */
  sentPps: number;
  relayInPps: number;
  relayOutPps: number;
  deliveredPps: number;
  /** Fraction of one core used by this process over the window. */
  cpu: number;
  inPerCpuS: number;
  outPerCpuS: number;
  senderCpu: number;
  receiverCpu: number;
  /** How busy the relay's CPU (CPU 0 when pinned, else all CPUs) was, everyone included. */
  hostBusy: number;
}

let origin: Child<OriginCommand, OriginEvent> | undefined;
let receiver: Child<ReceiverCommand, ReceiverEvent> | undefined;
let snapId = 0;

let relayCpu: number | undefined;
let seamNote = '';

/** Blasts, waits the warm-up, then measures one window. */
async function measure(
  mode: Mode,
  viewers: number,
  rate: number,
  blastPort: number,
  counters: () => Counters,
  warmupSec: number,
  /** The relay's CPU time so far in µs, when it is not this process (live555). */
  cpuUs: () => number = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  },
): Promise<Sample> {
  if (!origin || !receiver) throw new Error('children not started');
  origin.send({
    cmd: 'blast',
    port: blastPort,
    rate,
    size: opts.size,
    pattern: opts.pattern === 'frame' ? 'frame' : 'even',
  });
  await sleep(warmupSec * 1000);
  const id0 = ++snapId;
  const [r0, s0] = await Promise.all([
    receiver.ask({ cmd: 'snap', id: id0 }, 'snap', 10000, (e) => e.id === id0),
    origin.ask({ cmd: 'snap', id: id0 }, 'snap', 10000, (e) => e.id === id0),
  ]);
  const h0 = cpuTimes(relayCpu);
  const c0 = counters();
  const cpu0 = cpuUs();
  const t0 = performance.now();
  await sleep(opts.seconds * 1000);
  const c1 = counters();
  const cpuSpent = cpuUs() - cpu0;
  const t1 = performance.now();
  const h1 = cpuTimes(relayCpu);
  const id1 = ++snapId;
  const [r1, s1] = await Promise.all([
    receiver.ask({ cmd: 'snap', id: id1 }, 'snap', 10000, (e) => e.id === id1),
    origin.ask({ cmd: 'snap', id: id1 }, 'snap', 10000, (e) => e.id === id1),
  ]);
  const stopped = await origin.ask({ cmd: 'stop' }, 'stopped');
  // What the window sent reaches the receiver a little later: wait for it before counting loss.
  await sleep(100);
  const id2 = ++snapId;
  const r2 = await receiver.ask({ cmd: 'snap', id: id2 }, 'snap', 10000, (e) => e.id === id2);
  // From the first snapshot to the stop on both sides (in flight at each end about cancels).
  const sentN = stopped.sent - s0.sent;
  const deliveredLate = r2.counts.reduce((n, c, i) => n + c - (r0.counts[i] ?? 0), 0);
  const wall = (t1 - t0) / 1000;
  const cpuS = cpuSpent / 1e6;
  const delivered = r1.counts.reduce((n, c, i) => n + c - (r0.counts[i] ?? 0), 0);
  // Relay counters seamd does not have (NaN): fall back to what the receiver counted.
  const outN = Number.isFinite(c1.out - c0.out) ? c1.out - c0.out : delivered;
  const inN = Number.isFinite(c1.in - c0.in) ? c1.in - c0.in : outN / viewers;
  if (outN === 0 && delivered === 0) {
    throw new Error(`${mode}/${viewers}: nothing was relayed (sender sent ${s1.sent - s0.sent})`);
  }
  return {
    mode,
    viewers,
    rate,
    recordedBytes: NaN,
    lossPct: sentN > 0 ? Math.max(0, 1 - deliveredLate / (sentN * viewers)) * 100 : NaN,
    sentPps: (s1.sent - s0.sent) / ((s1.at - s0.at) / 1000),
    relayInPps: inN / wall,
    relayOutPps: outN / wall,
    deliveredPps: delivered / ((r1.at - r0.at) / 1000),
    cpu: cpuS / wall,
    inPerCpuS: inN / cpuS,
    outPerCpuS: outN / cpuS,
    senderCpu: (s1.cpuUs - s0.cpuUs) / 1e3 / (s1.at - s0.at),
    receiverCpu: (r1.cpuUs - r0.cpuUs) / 1e3 / (r1.at - r0.at),
    hostBusy: h0 && h1 ? (h1.busy - h0.busy) / Math.max(1, h1.total - h0.total) : NaN,
  };
}

/**
 * The bare relay: receive → send to every viewer, counting, nothing else; what any UDP
 * forwarder in Node pays at the least. `connected`: one connected socket per viewer instead of
 * one socket sending to an address (no per-packet address lookup).
 */
async function runBare(
  viewers: number,
  rate: number,
  connected: boolean,
  warmupSec: number,
): Promise<Sample> {
  if (!receiver) throw new Error('children not started');
  const { ports } = await receiver.ask({ cmd: 'open', count: viewers }, 'opened');
  const inSock = await udpBind();
  inSock.setRecvBufferSize(RECV_BUFFER);
  const outSock = await udpBind();
  const perViewer: Socket[] = [];
  if (connected) {
    for (const port of ports) {
      const s = await udpBind();
      await new Promise<void>((resolve) => s.connect(port, '127.0.0.1', resolve));
      perViewer.push(s);
    }
  }
  const c: Counters = { in: 0, out: 0 };
  if (connected) {
    inSock.on('message', (msg) => {
      c.in++;
      for (const s of perViewer) {
        s.send(msg);
        c.out++;
      }
    });
  } else {
    inSock.on('message', (msg) => {
      c.in++;
      for (const port of ports) {
        outSock.send(msg, port, '127.0.0.1');
        c.out++;
      }
    });
  }
  try {
    const mode = connected ? 'bare-connected' : 'bare';
    return await measure(mode, viewers, rate, inSock.address().port, () => ({ ...c }), warmupSec);
  } finally {
    for (const s of [inSock, outSock, ...perViewer]) s.close();
    await receiver.ask({ cmd: 'close' }, 'closed');
  }
}

async function viewerJoin(
  port: number,
  mediaPort: number,
  url = `rtsp://127.0.0.1:${port}/bench`,
): Promise<RawRtspClient> {
  const client = await RawRtspClient.connect('127.0.0.1', port);
  const d = await client.request('DESCRIBE', url, { Accept: 'application/sdp' });
  if (d.status !== 200) throw new Error(`DESCRIBE answered ${d.status}`);
  const base = d.headers.get('Content-Base') ?? `${url}/`;
  // The first track's control (seamd and the fake origin say trackID=0, live555 track1).
  const media = d.body.toString().split(/^m=/m)[1] ?? '';
  const control = /^a=control:(\S+)/m.exec(media)?.[1] ?? 'trackID=0';
  const s = await client.request('SETUP', `${base.replace(/\/?$/, '/')}${control}`, {
    Transport: `RTP/AVP;unicast;client_port=${mediaPort}-${mediaPort + 1}`,
  });
  if (s.status !== 200) throw new Error(`SETUP answered ${s.status}`);
  const session = (s.headers.get('Session') ?? '').split(';')[0] ?? '';
  const p = await client.request('PLAY', base, session ? { Session: session } : {});
  if (p.status !== 200) throw new Error(`PLAY answered ${p.status}`);
  return client;
}

/**
 * seamd's config for the bench: one path to the fake origin over UDP. Where the config knows
 * seaming, the path is held to one leg: at saturation the kernel drops packets at the leg's
 * socket, which the loss policy would answer by opening more legs to the same origin, and this
 * bench measures the relay path, not the policy. (Older configs without `seam` get no key.)
 */
function seamdConfig(originPort: number, recordDir: string | undefined): Config {
  const yaml = (pathExtra: string): string =>
    [
      'listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0 }',
      'paths:',
      `  bench: { origin: rtsp://127.0.0.1:${originPort}/x, upstream: { transport: udp }${pathExtra} }`,
      'limits: { maxConnectionsPerAddress: 1000 }',
      recordDir
        ? `recordings: { enabled: true, live: true, dir: ${JSON.stringify(recordDir)} }`
        : 'recordings: { enabled: false }',
    ].join('\n');
  try {
    const config = parseConfigText(yaml(', seam: { minLegs: 1, maxLegs: 1 }'), 'bench');
    seamNote = 'seam.maxLegs 1';
    return config;
  } catch {
    seamNote = 'no seam config';
    return parseConfigText(yaml(''), 'bench');
  }
}

/** Counter names tried in turn (the source's fan-out count was renamed once already). */
const SOURCE_COUNTERS = ['packetsIn', 'packetsOut'];
const SESSION_COUNTERS = ['packetsSent'];

/** The first of `names` that is a number on `obj`; NaN when none is (bench reports it). */
function counter(obj: object, names: readonly string[]): number {
  for (const name of names) {
    const v = (obj as Record<string, unknown>)[name];
    if (typeof v === 'number') return v;
  }
  return NaN;
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += (await stat(join(e.parentPath, e.name))).size;
  }
  return n;
}

async function runSeamd(
  viewers: number,
  rate: number,
  record: boolean,
  originPort: number,
  warmupSec: number,
): Promise<Sample> {
  if (!receiver || !origin) throw new Error('children not started');
  const { ports } = await receiver.ask({ cmd: 'open', count: viewers }, 'opened');
  const recordDir = record ? await mkdtemp(join(tmpdir(), 'seamd-relay-pps-')) : undefined;
  const daemon: Daemon = await startDaemon(
    seamdConfig(originPort, recordDir),
    pino({ level: opts.log }, pino.destination(2)),
  );
  const clients: RawRtspClient[] = [];
  let sample: Sample | undefined;
  try {
    const legSetup = origin.waitFor('setup', 10000);
    for (const mediaPort of ports)
      clients.push(await viewerJoin(daemon.addresses.rtsp.port, mediaPort));
    const { clientPort } = await legSetup;
    const counters = (): Counters => {
      let inN = 0;
      let outN = 0;
      for (const src of daemon.registry.sources) inN += counter(src, SOURCE_COUNTERS);
      for (const s of daemon.front.viewerSessions.values()) outN += counter(s, SESSION_COUNTERS);
      return { in: inN, out: outN };
    };
    sample = await measure(
      record ? 'seamd-rec' : 'seamd',
      viewers,
      rate,
      clientPort,
      counters,
      warmupSec,
    );
    return sample;
  } finally {
    for (const c of clients) {
      if (!c.closed)
        await c
          .request('TEARDOWN', `rtsp://127.0.0.1:${daemon.addresses.rtsp.port}/bench`)
          .catch(() => undefined);
      c.close();
    }
    await daemon.stop();
    await receiver.ask({ cmd: 'close' }, 'closed');
    if (recordDir) {
      // The recording is real: what reached the disk (the daemon flushed it on stop).
      if (sample) sample.recordedBytes = await dirBytes(recordDir);
      await rm(recordDir, { recursive: true, force: true });
    }
  }
}

/**
 * The live555 proxy server in front of the same fake origin, its viewers the same raw clients;
 * it has no counters, so out = what the receiver counted, and its CPU is read from /proc.
 */
async function runLive555(
  viewers: number,
  rate: number,
  originPort: number,
  warmupSec: number,
): Promise<Sample> {
  if (!receiver || !origin) throw new Error('children not started');
  const { ports } = await receiver.ask({ cmd: 'open', count: viewers }, 'opened');
  const legSetup = origin.waitFor('setup', 10000);
  const relay = await startLive555(
    opts.live555,
    `rtsp://127.0.0.1:${originPort}/x`,
    opts.log !== 'silent',
  );
  if (relayCpu !== undefined) pinTo(relay.pid, relayCpu);
  const clients: RawRtspClient[] = [];
  try {
    for (const mediaPort of ports) clients.push(await viewerJoin(relay.port, mediaPort, relay.url));
    const { clientPort } = await legSetup;
    const none = (): Counters => ({ in: NaN, out: NaN });
    return await measure('live555', viewers, rate, clientPort, none, warmupSec, relay.cpuUs);
  } finally {
    for (const c of clients) c.close();
    await relay.stop();
    await receiver.ask({ cmd: 'close' }, 'closed');
  }
}

function summarize(samples: Sample[]): Sample {
  const pick = (k: keyof Sample): number => median(samples.map((s) => s[k] as number));
  const first = samples[0];
  if (!first) throw new Error('no samples');
  return {
    mode: first.mode,
    viewers: first.viewers,
    rate: first.rate,
    recordedBytes: pick('recordedBytes'),
    lossPct: pick('lossPct'),
    sentPps: pick('sentPps'),
    relayInPps: pick('relayInPps'),
    relayOutPps: pick('relayOutPps'),
    deliveredPps: pick('deliveredPps'),
    cpu: pick('cpu'),
    inPerCpuS: pick('inPerCpuS'),
    outPerCpuS: pick('outPerCpuS'),
    senderCpu: pick('senderCpu'),
    receiverCpu: pick('receiverCpu'),
    hostBusy: pick('hostBusy'),
  };
}

function row(s: Sample & { spreadPct: number }): string[] {
  return [
    s.mode,
    s.rate === 0 ? 'max' : si(s.rate),
    String(s.viewers),
    si(s.sentPps),
    si(s.relayInPps),
    si(s.relayOutPps),
    si(s.deliveredPps),
    `${fixed(s.lossPct, s.lossPct < 1 ? 2 : 0)}%`,
    `${fixed(s.cpu * 100, 0)}%`,
    `${fixed(s.hostBusy * 100, 0)}%`,
    si(s.inPerCpuS),
    si(s.outPerCpuS),
    fixed(1e6 / s.inPerCpuS),
    `${fixed(s.spreadPct, 0)}%`,
  ];
}

function runOne(
  mode: Mode,
  viewers: number,
  rate: number,
  originPort: number,
  warmupSec = opts.warmup,
): Promise<Sample> {
  switch (mode) {
    case 'bare':
      return runBare(viewers, rate, false, warmupSec);
    case 'bare-connected':
      return runBare(viewers, rate, true, warmupSec);
    case 'seamd':
      return runSeamd(viewers, rate, false, originPort, warmupSec);
    case 'seamd-rec':
      return runSeamd(viewers, rate, true, originPort, warmupSec);
    case 'live555':
      return runLive555(viewers, rate, originPort, warmupSec);
  }
}

async function main(): Promise<void> {
  const list = (text: string): number[] =>
    text
      .split(',')
      .map((v) => Number(v.trim()))
      .filter((v) => Number.isInteger(v) && v >= 0);
  const viewerCounts = list(opts.viewers).filter((v) => v > 0);
  const rates = list(opts.rates);
  const modes = opts.modes.split(',').map((m) => m.trim()) as Mode[];
  for (const m of modes) {
    if (!MODES.includes(m)) throw new Error(`unknown mode ${m} (${MODES.join(', ')})`);
  }
  const machine = machineInfo();
  origin = await Child.start<OriginCommand, OriginEvent>(here('./lib/origin-child.ts'));
  receiver = await Child.start<ReceiverCommand, ReceiverEvent>(here('./lib/receiver-child.ts'));
  const originPort = origin.ready?.rtspPort ?? 0;
  let pinned = false;
  if (opts.pin === 'auto' && machine.cpus >= 2) {
    pinned = pinTo(process.pid, 0) && pinTo(origin.pid, 1) && pinTo(receiver.pid, 1);
    if (pinned) relayCpu = 0;
  }
  const pinText = pinned ? 'relay pinned to CPU 0, sender+receiver to CPU 1' : 'not pinned';
  const rateText = (r: number): string => (r === 0 ? 'max' : si(r));
  process.stdout.write(
    `relay-pps: node ${machine.node}, ${machine.cpus} CPU (${machine.cpu}), ` +
      `load ${machine.load.join(' ')}\n` +
      `  ${opts.size}-byte payload, sender rates ${rates.map(rateText).join(', ')}, ` +
      `${opts.rounds} round(s) x ${opts.seconds}s (+${opts.warmup}s warm-up), ${pinText}, ` +
      `${opts.pattern === 'frame' ? 'a frame at a time' : 'packets spread evenly'}\n`,
  );
  // One unrecorded pass per mode first: JIT, socket buffers and the children warm up, so
  // round 1 is not the odd one out.
  const firstViewers = viewerCounts[0] ?? 1;
  for (const mode of modes) await runOne(mode, firstViewers, rates[0] ?? 0, originPort, 1);
  const byKey = new Map<string, Sample[]>();
  const keyOf = (mode: Mode, rate: number, viewers: number): string =>
    `${mode}/${rateText(rate)}/${viewers}`;
  for (let round = 0; round < opts.rounds; round++) {
    for (const rate of rates) {
      for (const viewers of viewerCounts) {
        const order = round % 2 === 0 ? modes : [...modes].reverse();
        for (const mode of order) {
          const sample = await runOne(mode, viewers, rate, originPort);
          const key = keyOf(mode, rate, viewers);
          byKey.set(key, [...(byKey.get(key) ?? []), sample]);
          process.stdout.write(
            `  round ${round + 1} ${key.padEnd(22)} in ${si(sample.relayInPps).padStart(5)}` +
              ` out ${si(sample.relayOutPps).padStart(5)} delivered ${si(sample.deliveredPps).padStart(5)} pps` +
              ` (loss ${fixed(sample.lossPct, 2)}%), relay cpu ${fixed(sample.cpu * 100, 0).padStart(3)}% of a` +
              ` ${fixed(sample.hostBusy * 100, 0)}% busy core, out/CPU-s ${si(sample.outPerCpuS)}` +
              `${Number.isFinite(sample.recordedBytes) ? `, recorded ${si(sample.recordedBytes)}B` : ''}\n`,
          );
        }
      }
    }
  }

  const results: Array<Sample & { spreadPct: number }> = [];
  for (const rate of rates) {
    for (const viewers of viewerCounts) {
      for (const mode of modes) {
        const samples = byKey.get(keyOf(mode, rate, viewers)) ?? [];
        if (samples.length === 0) continue;
        results.push({
          ...summarize(samples),
          spreadPct: spreadPct(samples.map((s) => s.outPerCpuS)),
        });
      }
    }
  }
  process.stdout.write(
    `\nrelay-pps: median of ${opts.rounds} round(s); pps = packets/s; /CPU-s = per second of ` +
      `the relay process's CPU time; loss = 1 - received / (sent x viewers)` +
      `${seamNote ? `; seamd: ${seamNote}` : ''}\n`,
  );
  process.stdout.write(
    `${table(
      [
        'relay',
        'rate',
        'viewers',
        'sent',
        'relay in',
        'relay out',
        'delivered',
        'loss',
        'relay cpu',
        'core busy',
        'in/CPU-s',
        'out/CPU-s',
        'us/pkt in',
        'spread',
      ],
      results.map(row),
    )}\n`,
  );
  // Ratios per round (bare and seamd ran back to back, so slow drifts in the machine's other
  // load cancel), then the median over rounds; min-max shows how much to trust it.
  const ratios: Record<string, Record<string, number>> = {};
  const ratioRows: string[][] = [];
  for (const rate of rates) {
    for (const viewers of viewerCounts) {
      const bs = byKey.get(keyOf('bare', rate, viewers)) ?? [];
      for (const mode of modes) {
        if (mode === 'bare') continue;
        const ss = byKey.get(keyOf(mode, rate, viewers)) ?? [];
        if (bs.length === 0 || ss.length === 0) continue;
        const per = (f: (s: Sample, b: Sample) => number): number[] =>
          ss.flatMap((s, i) => {
            const b = bs[i];
            return b ? [f(s, b)] : [];
          });
        const out = per((s, b) => s.outPerCpuS / b.outPerCpuS);
        const extra = per((s, b) => 1e6 / s.outPerCpuS - 1e6 / b.outPerCpuS);
        const r = {
          outPerCpuS: median(out),
          outPerCpuSMin: Math.min(...out),
          outPerCpuSMax: Math.max(...out),
          extraUsPerOutPacket: median(extra),
          usPerOutPacket: median(ss.map((s) => 1e6 / s.outPerCpuS)),
          bareUsPerOutPacket: median(bs.map((b) => 1e6 / b.outPerCpuS)),
        };
        ratios[`${mode}/${rateText(rate)}/${viewers}`] = r;
        ratioRows.push([
          mode,
          rateText(rate),
          String(viewers),
          fixed(r.outPerCpuS),
          `${fixed(r.outPerCpuSMin)}-${fixed(r.outPerCpuSMax)}`,
          fixed(r.usPerOutPacket),
          fixed(r.bareUsPerOutPacket),
          fixed(r.extraUsPerOutPacket),
        ]);
      }
    }
  }
  if (ratioRows.length > 0) {
    process.stdout.write('\nagainst the bare relay, paired per round, median of rounds\n');
    process.stdout.write(
      `${table(
        [
          'relay',
          'rate',
          'viewers',
          'out/CPU-s vs bare',
          '(min-max)',
          'CPU us/pkt out',
          'bare us/pkt out',
          'extra us/pkt out',
        ],
        ratioRows,
      )}\n`,
    );
    process.stdout.write(
      '  out/CPU-s is the figure to quote on a shared machine: pps figures depend on how much\n' +
        '  CPU the relay got (see core busy). At saturation the kernel drops what the relay or\n' +
        '  the receiver (sharing a core with the sender) cannot take: loss is expected there.\n',
    );
  }
  printJson('relay-pps', {
    machine,
    options: { ...opts, pinned, seamd: seamNote },
    results,
    ratios,
  });
}
async function shutdown(): Promise<void> {
  await Promise.all([origin?.stop(), receiver?.stop()]);
}

main()
  .then(shutdown)
  .catch(async (err: unknown) => {
    process.stderr.write(
      `relay-pps failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await shutdown();
    process.exitCode = 1;
  });
