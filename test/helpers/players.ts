import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PlayerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  timeoutMs = 30000,
  env?: NodeJS.ProcessEnv,
): Promise<PlayerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** ffmpeg decodes the whole stream and prints only errors (none expected). */
export function ffmpegDecode(
  url: string,
  transport: 'tcp' | 'udp',
  extra: { durationSec?: number; seekSec?: number } = {},
): Promise<PlayerResult> {
  const args = ['-nostdin', '-v', 'error', '-rtsp_transport', transport];
  if (extra.seekSec !== undefined) args.push('-ss', String(extra.seekSec));
  args.push('-i', url);
  if (extra.durationSec !== undefined) args.push('-t', String(extra.durationSec));
  args.push('-f', 'null', '-');
  return run('ffmpeg', args);
}

/** ffprobe counts the frames of each stream it can read through the URL. */
export async function ffprobeFrames(
  url: string,
  transport: 'tcp' | 'udp',
): Promise<{ video: number; audio: number; result: PlayerResult }> {
  const result = await run('ffprobe', [
    '-v',
    'error',
    '-rtsp_transport',
    transport,
    '-count_frames',
    '-show_entries',
    'stream=codec_type,nb_read_frames',
    '-of',
    'csv=p=0',
    url,
  ]);
  let video = 0;
  let audio = 0;
  for (const line of result.stdout.trim().split('\n')) {
    const [type, n] = line.split(',');
    if (type === 'video') video = Number(n);
    if (type === 'audio') audio = Number(n);
  }
  return { video, audio, result };
}

export interface GstResult extends PlayerResult {
  /** The end of rtspsrc's own debug log (RTSP requests, BYE, EOS, TEARDOWN): why it hung. */
  debugTail: string;
}

/**
 * GStreamer's rtspsrc plays to the end (EOS) and decodes both tracks. It is killed after
 * `timeoutMs` (code null), below a test's timeout, so a hang fails with rtspsrc's log.
 */
export async function gstDecode(
  url: string,
  protocols: 'tcp' | 'udp',
  timeoutMs = 25000,
): Promise<GstResult> {
  const branch = ['s.', '!', 'queue', '!', 'decodebin', '!', 'fakesink'];
  const dir = await mkdtemp(join(tmpdir(), 'seamd-gst-'));
  const debugFile = join(dir, 'rtspsrc.log');
  try {
    const r = await run(
      'gst-launch-1.0',
      [
        '-q',
        'rtspsrc',
        `location=${url}`,
        `protocols=${protocols}`,
        'name=s',
        ...branch,
        ...branch,
      ],
      timeoutMs,
      { GST_DEBUG: 'rtspsrc:5', GST_DEBUG_FILE: debugFile, GST_DEBUG_NO_COLOR: '1' },
    );
    const log = await readFile(debugFile, 'utf8').catch(() => '');
    return { ...r, debugTail: log.split('\n').slice(-40).join('\n') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
