import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './players.js';
import { freeTcpPort } from './ports.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLIP = `${REPO_ROOT}fixtures/clip.mp4`;
/** Facts about the fixture clip (ffprobe fixtures/clip.mp4). */
export const CLIP_FACTS = { durationSec: 5, videoFrames: 125, audioFrames: 217 } as const;
export const AUTH = { username: 'seamd', password: 'secret' } as const;

export interface Origin {
  port: number;
  authPort: number;
  /** rtsp://127.0.0.1:<port>/<path> on the open server */
  url(path: string): string;
  /** rtsp://127.0.0.1:<authPort>/<path> on the Digest-protected server (no credentials in it) */
  authUrl(path: string): string;
  stop(): Promise<void>;
  readonly process: ChildProcess;
}

export interface OriginOptions {
  /** Also serve this file at /long. */
  longClip?: string;
  /** Bind address (default 127.0.0.1). */
  address?: string;
  /** Run the origin inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Listen on these ports (an origin restarted where it was); default: free ones. */
  port?: number;
  authPort?: number;
}

/**
 * Stops `origin` for `downMs`, then starts it again on the same ports (an outage seen from
 * seamd); resolves with the new origin and when it was stopped (ms since the epoch).
 */
export async function originOutage(
  origin: Origin,
  downMs: number,
): Promise<{ origin: Origin; stoppedAt: number }> {
  const { port, authPort } = origin;
  await origin.stop();
  const stoppedAt = Date.now();
  await new Promise((r) => setTimeout(r, downMs));
  return { origin: await startOrigin({ port, authPort }), stoppedAt };
}

/** Starts gst-rtsp-server (test/origin/origin.py) on free ports; resolves once it listens. */
export async function startOrigin(opts: OriginOptions = {}): Promise<Origin> {
  const port = opts.port ?? (await freeTcpPort());
  const authPort = opts.authPort ?? (await freeTcpPort());
  const address = opts.address ?? '127.0.0.1';
  const args = [
    `${REPO_ROOT}test/origin/origin.py`,
    '--port',
    String(port),
    '--auth-port',
    String(authPort),
    '--clip',
    CLIP,
    '--address',
    address,
    ...(opts.longClip ? ['--long-clip', opts.longClip] : []),
  ];
  const [cmd, argv] = opts.netns
    ? ['ip', ['netns', 'exec', opts.netns, '/usr/bin/python3', ...args]]
    : ['/usr/bin/python3', args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`origin did not start: ${stderr}`)), 15000);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin exited with ${code}: ${stderr}`));
    });
  });
  return {
    port,
    authPort,
    process: child,
    url: (path) => `rtsp://${address}:${port}/${path}`,
    authUrl: (path) => `rtsp://${address}:${authPort}/${path}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/**
 * A longer clip for loss statistics (20 s, ~1.5 Mbit/s H.264 + AAC: some 3500 RTP packets),
 * made once per machine with ffmpeg from test sources; too big to keep in fixtures/.
 */
export async function longClip(): Promise<string> {
  const dir = join(tmpdir(), 'seamd-fixtures');
  const path = join(dir, 'long-20s.mp4');
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp.mp4`;
  const r = await run(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=25',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=300:sample_rate=44100',
      '-t',
      '20',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '25',
      '-keyint_min',
      '25',
      '-sc_threshold',
      '0',
      '-b:v',
      '1500k',
      '-maxrate',
      '1500k',
      '-bufsize',
      '1500k',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-ac',
      '2',
      '-movflags',
      '+faststart',
      tmp,
    ],
    120000,
  );
  if (r.code !== 0) throw new Error(`ffmpeg could not make the long clip: ${r.stderr}`);
  renameSync(tmp, path);
  return path;
}
