/**
 * A model of a file-backed origin (gst-rtsp-server as measured) for repair tests: an H.264-like
 * video track (25 fps, keyframe access units SPS, PPS, IDR fragments; other frames 1..3 packets,
 * marker on each frame's last packet) and an AAC-like audio track (1024 ticks at 44.1 kHz a
 * packet). A PLAY with `Range: npt=a-b`:
 * - is answered from the keyframe at or before a (the origin's npt may differ from the
 *   recording's by `skewSec`);
 * - asked within 2 ms of a keyframe, first sends the previous GOP's frames stamped as if they
 *   were at that keyframe (clipped);
 * - when ranged with an end or a Speed, sends the parameter sets (SPS, PPS) once more first;
 * - stops after the last frame at or before b; a session has its own SSRC, sequence and
 *   timestamp bases, and Speed divides its timestamps.
 */
import type { NewRecordingMeta } from '../../../src/store/meta.js';
import { twoTrackSdp } from '../../helpers/fake-origin.js';

export const V_CLOCK = 90000;
export const A_CLOCK = 44100;
const FRAME = 3600;
const AFRAME = 1024;

export interface Unit {
  /** Media time in seconds (origin npt). */
  t: number;
  /** Timestamp offset from npt 0 in clock ticks. */
  ticks: number;
  payload: Buffer;
  marker: boolean;
  /** Keyframe time this unit's GOP starts at (seconds). */
  gop: number;
}

export interface Content {
  video: Unit[];
  audio: Unit[];
  keyframes: number[];
  durationSec: number;
}

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x47, 0xfe, 0xc8]);
const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);

function unique(head: number[], n: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  head.forEach((v, i) => (b[i] = v));
  b.writeUInt32BE(n, head.length);
  for (let k = head.length + 4; k < len; k++) b[k] = (n * 131 + k * 17) & 0xff;
  return b;
}

/** `gops` GOPs of `gopFrames` frames; `sizes[i]` packets (1..3) for frame i (cycled). */
export function makeContent(gops: number, gopFrames: number, sizes: readonly number[]): Content {
  const video: Unit[] = [];
  const keyframes: number[] = [];
  let n = 0;
  const frames = gops * gopFrames;
  for (let f = 0; f < frames; f++) {
    const ticks = f * FRAME;
    const t = ticks / V_CLOCK;
    const gop = Math.floor(f / gopFrames) * gopFrames * (FRAME / V_CLOCK);
    const parts: Buffer[] = [];
    if (f % gopFrames === 0) {
      keyframes.push(t);
      parts.push(SPS, PPS, unique([0x7c, 0x85], ++n, 60), unique([0x7c, 0x45], ++n, 40));
    } else {
      const k = sizes[f % sizes.length] ?? 1;
      if (k === 1) parts.push(unique([0x41], ++n, 30));
      else {
        for (let i = 0; i < k; i++) {
          const fu = (i === 0 ? 0x80 : 0) | (i === k - 1 ? 0x40 : 0) | 1;
          parts.push(unique([0x7c, fu], ++n, 36));
        }
      }
    }
    parts.forEach((payload, i) =>
      video.push({ t, ticks, payload, marker: i === parts.length - 1, gop }),
    );
  }
  const durationSec = (frames * FRAME) / V_CLOCK;
  const audio: Unit[] = [];
  // Whole AAC frames only, as a file's audio track has them: it ends up to a frame early.
  for (let i = 0; (i + 1) * AFRAME <= durationSec * A_CLOCK; i++) {
    const t = (i * AFRAME) / A_CLOCK;
    const gop = [...keyframes].reverse().find((k) => k <= t) ?? 0;
    audio.push({
      t,
      ticks: i * AFRAME,
      payload: unique([0x00, 0x10], i + 1, 24),
      marker: true,
      gop,
    });
  }
  return { video, audio, keyframes, durationSec };
}

export function rtp(
  seq: number,
  ts: number,
  ssrc: number,
  pt: number,
  marker: boolean,
  payload: Buffer,
): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (marker ? 0x80 : 0) | pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  payload.copy(b, 12);
  return b;
}

/** The canonical session (a clean PLAY from the start, as the recording numbers it). */
export interface Canon {
  seq: [number, number];
  ts: [number, number];
  ssrc: [number, number];
}

export function canonical(c: Content, k: Canon): Buffer[][] {
  return [c.video, c.audio].map((units, tr) =>
    units.map((u, i) =>
      rtp(
        ((k.seq[tr] ?? 0) + i) & 0xffff,
        ((k.ts[tr] ?? 0) + u.ticks) >>> 0,
        k.ssrc[tr] ?? 0,
        96 + tr,
        u.marker,
        u.payload,
      ),
    ),
  );
}

export const SDP = twoTrackSdp({ sessionControl: null, name: 'model', range: 'npt=0-' });

/** The meta of a recording of the model's clip; `startRtpTime[t]` is track t's rtptime at npt 0. */
export function clipMeta(durationSec: number, startRtpTime: readonly number[]): NewRecordingMeta {
  return {
    originUrl: 'rtsp://origin.test/clip',
    path: 'clip',
    sdp: SDP,
    sdpIdentity: 'x',
    live: false,
    durationSec,
    tracks: [V_CLOCK, A_CLOCK].map((clockRate, index) => ({
      index,
      media: index === 0 ? 'video' : 'audio',
      clockRate,
      payloadTypes: [96 + index],
      startRtpTime: startRtpTime[index],
    })),
  };
}

/** One PLAY of the model origin: per track the packets it sends, in order. */
export function play(
  c: Content,
  header: string,
  o: { speed: number; skewSec: number; seed: number },
): Buffer[][] {
  const m = /^npt=([\d.]+)-([\d.]*)$/.exec(header);
  if (!m) throw new Error(`bad range ${header}`);
  const from = Number(m[1]) + o.skewSec;
  const to = m[2] === '' ? Infinity : Number(m[2]) + o.skewSec;
  const ranged = m[2] !== '' || o.speed !== 1;
  const eps = 1e-9;
  const key = [...c.keyframes].reverse().find((k) => k <= from + eps) ?? 0;
  const clipped = from > 0 && Math.abs(from - key) < 0.002;
  const prevKey = [...c.keyframes].reverse().find((k) => k < key - eps) ?? key;
  const start = clipped ? prevKey : key;
  const keyTicks = (k: number, clock: number) => Math.round(k * clock);
  return [c.video, c.audio].map((units, tr) => {
    const clock = tr === 0 ? V_CLOCK : A_CLOCK;
    const seq0 = (o.seed * 7919 + tr * 1000) & 0xffff;
    const ts0 = (o.seed * 104729 + tr * 99991) >>> 0;
    const ssrc = (0x5000 + o.seed * 31 + tr) >>> 0;
    const out: Buffer[] = [];
    const stamp = (ticks: number) => {
      const kt = keyTicks(key, clock);
      const at = Math.max(ticks, clipped ? kt : -Infinity);
      return (ts0 + Math.round((at - kt) / o.speed)) >>> 0;
    };
    const send = (u: Unit) =>
      out.push(rtp(seq0 + out.length, stamp(u.ticks), ssrc, 96 + tr, u.marker, u.payload));
    const first = tr === 0 ? start : start - AFRAME / A_CLOCK;
    const sel = units.filter((u) => u.t >= first - eps && u.t <= to + eps);
    if (tr === 0 && ranged && sel[0]) {
      const k = keyTicks(key, clock);
      for (const p of [SPS, PPS]) {
        out.push(
          rtp(
            seq0 + out.length,
            ts0 + Math.round((k - keyTicks(key, clock)) / o.speed),
            ssrc,
            96,
            false,
            p,
          ),
        );
      }
    }
    sel.forEach(send);
    return out;
  });
}
