/**
 * Packet parsing throughput, each against a floor measured in the same run:
 *
 * - RtspParser.push on an interleaved TCP stream ($ frames of RTP, now and then an RTSP
 *   response, as an origin sends over RTP/AVP/TCP) cut into 64 KiB chunks: MB/s and frames/s.
 *   Floor: a bare frame walk over the same bytes (`readUInt16BE` of each $ length → skip;
 *   response → indexOf CRLFCRLF): framing with no parser state, no chunk joins, no message
 *   objects. Reference: a `readUInt16BE` sweep over every byte pair of the same chunks (what
 *   touching every byte would cost; the parser never does, payloads are zero-copy views).
 * - RTP: parseRtp (object + payload view), the hot-path accessors (rtpSeq, rtpTimestamp,
 *   rtpSsrc, rtpPayloadType, rtpMarker), rtpPayloadOffset and looksLikeRtcp; floors: the same
 *   reads written inline.
 * - RTCP: parseRtcp on a compound SR (1 report block) + SDES CNAME; floor: walking the
 *   compound's packet headers.
 *
 * Every case runs `--reps` times in rotating order; the median is reported with its spread.
 * Rates are per second of this process's CPU time (process.cpuUsage), not wall time, so other
 * load on a shared machine moves them less.
 *
 * Run: node --import tsx bench/packet-parse.ts [--seconds 0.5] [--reps 3] [--help]
 */
import { performance } from 'node:perf_hooks';
import { RtspParser } from '../src/protocol/rtsp/parser.js';
import {
  looksLikeRtcp,
  parseRtp,
  rtpMarker,
  rtpPayloadOffset,
  rtpPayloadType,
  rtpSeq,
  rtpSsrc,
  rtpTimestamp,
  serializeRtp,
} from '../src/protocol/rtp/rtp.js';
import { parseRtcp, SdesItem, serializeRtcp } from '../src/protocol/rtp/rtcp.js';
import {
  fixed,
  machineInfo,
  median,
  parseArgs,
  printJson,
  si,
  spreadPct,
  table,
} from './lib/common.js';

const opts = parseArgs(
  process.argv.slice(2),
  {
    seconds: 0.5,
    reps: 3,
    chunk: 65536,
    frame: 1400,
    mb: 16,
    every: 50,
    packets: 256,
  },
  'packet-parse: RTSP/RTP/RTCP parser throughput vs a floor loop (same run)',
  {
    seconds: 'time per case per repetition',
    reps: 'repetitions (median reported)',
    chunk: 'bytes per push() into the RTSP parser',
    frame: 'RTP packet bytes per interleaved frame',
    mb: 'size of the interleaved stream, MiB (passed over repeatedly)',
    every: 'one RTSP response per this many frames',
    packets: 'distinct RTP/RTCP packets cycled through',
  },
);

/** Results go here so that no loop can be optimized away. */
let sink = 0;

// ---- inputs ----

/** An RTP packet of `size` bytes; every 8th carries a one-word header extension. */
function rtpPacket(seq: number, size: number): Buffer {
  const withExtension = seq % 8 === 3;
  const headerLen = 12 + (withExtension ? 8 : 0);
  return serializeRtp({
    padding: false,
    extension: withExtension ? { profile: 0xbede, data: Buffer.from([1, 2, 3, 4]) } : undefined,
    marker: seq % 8 === 7,
    payloadType: 96,
    sequence: seq & 0xffff,
    timestamp: (seq * 3000) >>> 0,
    ssrc: 0x5eed0001,
    csrcs: [],
    payload: Buffer.alloc(Math.max(0, size - headerLen), seq & 0xff),
  });
}

/** A keepalive answer as origins send them between media frames. */
function response(cseq: number): Buffer {
  return Buffer.from(
    `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nSession: 5eed0001;timeout=60\r\n` +
      `Server: bench-origin/1.0\r\nDate: Sat, 21 Nov 2026 05:00:00 GMT\r\n\r\n`,
  );
}

interface Stream {
  bytes: Buffer;
  chunks: Buffer[];
  frames: number;
  responses: number;
}

function interleavedStream(): Stream {
  const target = opts.mb * 1024 * 1024;
  const parts: Buffer[] = [];
  let size = 0;
  let frames = 0;
  let responses = 0;
  while (size < target) {
    if (frames > 0 && frames % opts.every === 0 && responses < frames / opts.every) {
      const r = response(++responses);
      parts.push(r);
      size += r.length;
    }
    const p = rtpPacket(frames, opts.frame);
    const head = Buffer.from([0x24, 0, 0, 0]);
    head.writeUInt16BE(p.length, 2);
    parts.push(head, p);
    size += 4 + p.length;
    frames++;
  }
  const bytes = Buffer.concat(parts, size);
  const chunks: Buffer[] = [];
  for (let off = 0; off < bytes.length; off += opts.chunk) {
    chunks.push(bytes.subarray(off, Math.min(bytes.length, off + opts.chunk)));
  }
  return { bytes, chunks, frames, responses };
}

function rtcpCompound(i: number): Buffer {
  return serializeRtcp([
    {
      type: 'sr',
      ssrc: 0x5eed0001 + i,
      ntpSec: 3_900_000_000 + i,
      ntpFrac: 0x80000000,
      rtpTimestamp: i * 3000,
      packetCount: i * 10,
      octetCount: i * 14000,
      reports: [
        {
          ssrc: 0x1234,
          fractionLost: 1,
          cumulativeLost: 5,
          highestSeq: 70000 + i,
          jitter: 12,
          lsr: 0,
          dlsr: 0,
        },
      ],
    },
    {
      type: 'sdes',
      chunks: [{ ssrc: 0x5eed0001 + i, items: [{ type: SdesItem.CNAME, text: 'origin@cam-01' }] }],
    },
  ]);
}

// ---- harness ----

interface Case {
  group: string;
  name: string;
  /** The floor this case is compared with (its name), if it is not a floor itself. */
  floor?: string;
  /** Units processed by one call of `run` (ops, or bytes for throughput cases). */
  opsPerRun: number;
  /** Bytes processed by one call (throughput cases). */
  bytesPerRun?: number;
  /** Frames per call (stream cases), for frames/s. */
  framesPerRun?: number;
  run: () => void;
}

/**
 * Calls per second of CPU time (process.cpuUsage, so time the OS gave to other processes on a
 * busy machine does not count), running for `seconds` of wall time.
 */
function timeCase(c: Case, seconds: number): number {
  const deadline = performance.now() + seconds * 1000;
  let runs = 0;
  const cpu0 = process.cpuUsage();
  do {
    c.run();
    runs++;
  } while (performance.now() < deadline);
  const cpu = process.cpuUsage(cpu0);
  return runs / ((cpu.user + cpu.system) / 1e6);
}

// ---- cases ----

const stream = interleavedStream();
const rtp = Array.from({ length: opts.packets }, (_, i) => rtpPacket(i, opts.frame));
const rtcp = Array.from({ length: opts.packets }, (_, i) => rtcpCompound(i));
const parser = new RtspParser();

const cases: Case[] = [
  {
    group: 'rtsp stream',
    name: 'RtspParser.push (64 KiB chunks)',
    floor: 'floor: readUInt16BE frame walk',
    opsPerRun: stream.frames,
    bytesPerRun: stream.bytes.length,
    framesPerRun: stream.frames,
    run: () => {
      let frames = 0;
      let bytes = 0;
      for (const chunk of stream.chunks) {
        for (const m of parser.push(chunk)) {
          if (m.kind === 'frame') {
            frames++;
            bytes += m.payload.length;
          } else bytes += m.headers.size;
        }
      }
      sink += frames + bytes;
    },
  },
  {
    group: 'rtsp stream',
    name: 'ref: readUInt16BE every 2 bytes',
    opsPerRun: stream.frames,
    bytesPerRun: stream.bytes.length,
    framesPerRun: stream.frames,
    run: () => {
      let acc = 0;
      for (const chunk of stream.chunks) {
        const end = chunk.length - 1;
        for (let i = 0; i < end; i += 2) acc += chunk.readUInt16BE(i);
      }
      sink += acc;
    },
  },
  {
    group: 'rtsp stream',
    name: 'floor: readUInt16BE frame walk',
    opsPerRun: stream.frames,
    bytesPerRun: stream.bytes.length,
    framesPerRun: stream.frames,
    run: () => {
      const buf = stream.bytes;
      let pos = 0;
      let frames = 0;
      while (pos < buf.length) {
        if (buf[pos] === 0x24) {
          pos += 4 + buf.readUInt16BE(pos + 2);
          frames++;
        } else {
          pos = buf.indexOf('\r\n\r\n', pos) + 4;
        }
      }
      sink += frames;
    },
  },
  {
    group: 'rtp',
    name: 'parseRtp',
    floor: 'floor: readUInt16BE(2)',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) acc += parseRtp(p).payload.length;
      sink += acc;
    },
  },
  {
    group: 'rtp',
    name: 'rtpSeq',
    floor: 'floor: readUInt16BE(2)',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) acc += rtpSeq(p);
      sink += acc;
    },
  },
  {
    group: 'rtp',
    name: 'seq+ts+ssrc+pt+marker accessors',
    floor: 'floor: the same 5 reads inline',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) {
        acc += rtpSeq(p) + rtpTimestamp(p) + rtpSsrc(p) + rtpPayloadType(p);
        if (rtpMarker(p)) acc++;
      }
      sink += acc;
    },
  },
  {
    group: 'rtp',
    name: 'rtpPayloadOffset',
    floor: 'floor: readUInt16BE(2)',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) acc += rtpPayloadOffset(p);
      sink += acc;
    },
  },
  {
    group: 'rtp',
    name: 'looksLikeRtcp',
    floor: 'floor: readUInt16BE(2)',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) if (looksLikeRtcp(p)) acc++;
      sink += acc;
    },
  },
  {
    group: 'rtp',
    name: 'floor: readUInt16BE(2)',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) acc += p.readUInt16BE(2);
      sink += acc;
    },
  },
  {
    group: 'rtp',
    name: 'floor: the same 5 reads inline',
    opsPerRun: rtp.length,
    run: () => {
      let acc = 0;
      for (const p of rtp) {
        const b1 = p[1] ?? 0;
        acc += p.readUInt16BE(2) + p.readUInt32BE(4) + p.readUInt32BE(8) + (b1 & 0x7f);
        if (b1 & 0x80) acc++;
      }
      sink += acc;
    },
  },
  {
    group: 'rtcp',
    name: 'parseRtcp SR+SDES',
    floor: 'floor: compound header walk',
    opsPerRun: rtcp.length,
    run: () => {
      let acc = 0;
      for (const p of rtcp) acc += parseRtcp(p).length;
      sink += acc;
    },
  },
  {
    group: 'rtcp',
    name: 'floor: compound header walk',
    opsPerRun: rtcp.length,
    run: () => {
      let acc = 0;
      for (const p of rtcp) {
        for (let off = 0; off + 4 <= p.length; off += (p.readUInt16BE(off + 2) + 1) * 4) acc++;
      }
      sink += acc;
    },
  },
];

// ---- run ----

function main(): void {
  const machine = machineInfo();
  const totalSec = cases.length * (opts.reps * opts.seconds + 0.1);
  process.stdout.write(
    `packet-parse: node ${machine.node}, ${machine.cpus} CPU (${machine.cpu}), ` +
      `load ${machine.load.join(' ')}\n` +
      `  stream ${fixed(stream.bytes.length / 1048576, 1)} MiB = ${stream.frames} frames of ` +
      `${opts.frame} B + ${stream.responses} responses in ${stream.chunks.length} chunks of ` +
      `${opts.chunk} B; ${opts.packets} RTP / RTCP packets; ${opts.reps} x ${opts.seconds}s ` +
      `per case (~${Math.round(totalSec)}s)\n`,
  );
  // Warm-up: let every case reach optimized code before anything is recorded.
  for (const c of cases) timeCase(c, 0.1);
  const samples = new Map<Case, number[]>();
  for (let rep = 0; rep < opts.reps; rep++) {
    const order = cases.map((_, i) => cases[(i + rep) % cases.length] as Case);
    for (const c of order) {
      const runsPerSec = timeCase(c, opts.seconds);
      samples.set(c, [...(samples.get(c) ?? []), runsPerSec]);
    }
  }
  const byName = new Map(cases.map((c) => [c.name, c]));
  const runsPerSec = (c: Case): number => median(samples.get(c) ?? []);

  const results = cases.map((c) => {
    const rps = runsPerSec(c);
    const floor = c.floor === undefined ? undefined : byName.get(c.floor);
    const opsPerSec = rps * c.opsPerRun;
    const floorOps = floor ? runsPerSec(floor) * floor.opsPerRun : undefined;
    return {
      group: c.group,
      name: c.name,
      opsPerSec,
      nsPerOp: 1e9 / opsPerSec,
      mbPerSec: c.bytesPerRun === undefined ? undefined : (rps * c.bytesPerRun) / 1e6,
      framesPerSec: c.framesPerRun === undefined ? undefined : rps * c.framesPerRun,
      floor: c.floor,
      /** How many times slower than its floor (1 = as fast). */
      vsFloor: floorOps === undefined ? undefined : floorOps / opsPerSec,
      spreadPct: spreadPct(samples.get(c) ?? []),
    };
  });

  process.stdout.write('\nRTSP interleaved stream (frames/s counts $ frames; MB = 10^6 bytes)\n');
  process.stdout.write(
    `${table(
      ['case', 'MB/s', 'frames/s', 'ns/frame', 'x floor', 'spread'],
      results
        .filter((r) => r.group === 'rtsp stream')
        .map((r) => [
          r.name,
          fixed(r.mbPerSec ?? NaN, 0),
          si(r.framesPerSec ?? NaN),
          fixed(r.nsPerOp, 1),
          r.vsFloor === undefined ? '-' : fixed(r.vsFloor, 2),
          `${fixed(r.spreadPct, 0)}%`,
        ]),
    )}\n`,
  );
  process.stdout.write(`\nRTP (${opts.frame}-byte packets) and RTCP (SR+SDES compound)\n`);
  process.stdout.write(
    `${table(
      ['case', 'ops/s', 'ns/op', 'x floor', 'spread'],
      results
        .filter((r) => r.group !== 'rtsp stream')
        .map((r) => [
          `${r.group}: ${r.name}`,
          si(r.opsPerSec),
          fixed(r.nsPerOp, 1),
          r.vsFloor === undefined ? '-' : fixed(r.vsFloor, 2),
          `${fixed(r.spreadPct, 0)}%`,
        ]),
    )}\n`,
  );
  process.stdout.write(
    '  rates per CPU-second of this process; x floor = floor rate / case rate (how many times\n' +
      '  slower than its floor); the every-2-bytes row is a reference for touching all bytes\n',
  );
  printJson('packet-parse', {
    machine,
    options: opts,
    stream: {
      bytes: stream.bytes.length,
      frames: stream.frames,
      responses: stream.responses,
      chunks: stream.chunks.length,
    },
    results,
    sink: sink % 1000,
  });
}

main();
