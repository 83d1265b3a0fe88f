import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/** Starts gst-rtsp-server (test/origin/origin.py) on free ports; resolves once it listens. */
export async function startOrigin(): Promise<Origin> {
  const port = await freeTcpPort();
  const authPort = await freeTcpPort();
  const child = spawn(
    '/usr/bin/python3',
    [
      `${REPO_ROOT}test/origin/origin.py`,
      '--port',
      String(port),
      '--auth-port',
      String(authPort),
      '--clip',
      CLIP,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
    url: (path) => `rtsp://127.0.0.1:${port}/${path}`,
    authUrl: (path) => `rtsp://127.0.0.1:${authPort}/${path}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
