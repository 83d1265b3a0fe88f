/**
 * The README's first minute: in an empty directory, with no config, `node bin/seamd.js run` (what
 * `npm start` runs) must answer at once: ffmpeg decodes rtsp://127.0.0.1:8554/demo (the bundled
 * recording, its origin unreachable) and the console answers on 127.0.0.1:9090, both within 5 s
 * of the command, also after a first run interrupted after 1 s. And the systemd unit in
 * contrib/ passes `systemd-analyze verify`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/origin.js';
import { run } from '../../helpers/players.js';
import { tempDir } from '../../helpers/tmp.js';

const BIN = join(REPO_ROOT, 'bin', 'seamd.js');

function start(cwd: string): { child: ChildProcess; stderr: () => string } {
  let err = '';
  const child = spawn(process.execPath, [BIN, 'run', '--no-pretty'], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `attempt` until it says yes or `deadline` (ms since epoch) passes. */
async function until(deadline: number, attempt: () => Promise<boolean>): Promise<number> {
  while (Date.now() < deadline + 10_000) {
    if (await attempt()) return Date.now();
    await sleep(100);
  }
  return Infinity;
}

describe('the first minute', () => {
  it('plays the demo and answers on 9090 within 5 s, also after an interrupted first run', async () => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js')))
      throw new Error('dist/ is missing: npm ci (or npm run build) builds it');
    const dir = await tempDir('seamd-first-run-');
    const first = start(dir);
    await sleep(1000);
    first.child.kill('SIGINT');
    await exited(first.child);

    const t0 = Date.now();
    const second = start(dir);
    try {
      const [consoleAt, playedAt] = await Promise.all([
        until(t0 + 5000, async () => {
          const r = await fetch('http://127.0.0.1:9090/').catch(() => undefined);
          return r?.status === 200 && (await r.text()).includes('seamd console');
        }),
        until(t0 + 5000, async () => {
          const r = await run(
            'ffmpeg',
            [
              '-nostdin',
              '-v',
              'error',
              '-rtsp_transport',
              'tcp',
              '-i',
              'rtsp://127.0.0.1:8554/demo',
            ].concat(['-frames:v', '25', '-f', 'null', '-']),
            10_000,
          );
          return r.code === 0 && r.stderr === '';
        }),
      ]);
      console.log(
        `console answered after ${consoleAt - t0} ms, 25 demo frames decoded after ${playedAt - t0} ms`,
      );
      expect(consoleAt - t0).toBeLessThan(5000);
      expect(playedAt - t0).toBeLessThan(5000);
      expect(second.stderr()).toContain('ffplay rtsp://127.0.0.1:8554/demo');
      expect(second.stderr()).toContain('console: http://127.0.0.1:9090/');
      // the whole clip decodes, served from the copy in ./recordings
      const whole = await run('ffprobe', [
        '-v',
        'error',
        '-rtsp_transport',
        'tcp',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=nb_read_frames',
        '-of',
        'csv=p=0',
        'rtsp://127.0.0.1:8554/demo',
      ]);
      expect(Number(whole.stdout.trim())).toBeGreaterThanOrEqual(120);
      expect(existsSync(join(dir, 'recordings', 'seamd-demo', 'meta.json'))).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
      expect(await exited(second.child)).toBe(0);
    }
  }, 60_000);
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('contrib/seamd.service', () => {
  it.skipIf(!analyze)('passes systemd-analyze verify', async () => {
    const dir = await tempDir();
    const unit = await readFile(join(REPO_ROOT, 'contrib', 'seamd.service'), 'utf8');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^User=seamd$/m);
    expect(unit).toMatch(/^StandardOutput=journal$/m);
    expect(unit).toMatch(/^StateDirectory=seamd$/m);
    // verify checks ExecStart's binary exists: point it at node for the check
    const file = join(dir, 'seamd.service');
    await writeFile(file, unit.replace('/usr/bin/seamd', process.execPath));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
