import { spawn } from 'node:child_process';

export interface PlayerResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 30000): Promise<PlayerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** GStreamer's rtspsrc plays to the end (EOS) and decodes both tracks. */
export function gstDecode(url: string, protocols: 'tcp' | 'udp'): Promise<PlayerResult> {
  const branch = ['s.', '!', 'queue', '!', 'decodebin', '!', 'fakesink'];
  return run('gst-launch-1.0', [
    '-q',
    'rtspsrc',
    `location=${url}`,
    `protocols=${protocols}`,
    'name=s',
    ...branch,
    ...branch,
  ]);
}
