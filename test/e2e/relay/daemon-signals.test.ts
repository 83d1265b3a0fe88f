/**
 * The real CLI process: `seamd run --config FILE`; SIGHUP reloads the path map without
 * dropping a playing viewer; SIGTERM stops gracefully (exit 0, upstream torn down).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { runCli } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/origin.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { freeEvenUdpPort, freeTcpPort } from '../../helpers/ports.js';
import { RawRtspClient } from '../../helpers/raw-client.js';
import { withOrigin } from '../../helpers/stack.js';
import { fileTempDir } from '../../helpers/tmp.js';

const { origin } = withOrigin();
const dir = fileTempDir('seamd-cli-');

describe('seamd run (the CLI process)', () => {
  it('SIGHUP reloads paths without dropping a viewer; SIGTERM exits 0 after TEARDOWN', async () => {
    const port = await freeTcpPort();
    const rtp = await freeEvenUdpPort();
    const cfg = join(dir, 'seamd.yaml');
    const yaml = (extra: string) => `
listen: { rtsp: 127.0.0.1:${port}, rtp: 127.0.0.1:${rtp} }
recordings: { dir: ${join(dir, 'recordings')} }
paths:
  live: { origin: ${origin.url('live')} }
${extra}`;
    writeFileSync(cfg, yaml(''));
    const seamd = runCli(['run', '--config', cfg, '--no-pretty']);
    await seamd.waitFor('rtsp.listen');

    // A viewer plays the live mount for 5 s; a reload happens in the middle.
    const viewer = ffmpegDecode(`rtsp://127.0.0.1:${port}/live`, 'tcp', { durationSec: 5 });
    await seamd.waitFor('viewer.join');
    const probe = await RawRtspClient.connect('127.0.0.1', port);
    expect((await probe.request('DESCRIBE', `rtsp://127.0.0.1:${port}/file`)).status).toBe(404);
    writeFileSync(cfg, yaml(`  file: { origin: ${origin.url('file')} }`));
    seamd.child.kill('SIGHUP');
    const reload = await seamd.waitFor('daemon.reload');
    expect(reload.paths).toBe(2);
    expect((await probe.request('DESCRIBE', `rtsp://127.0.0.1:${port}/file`)).status).toBe(200);

    // A broken file on SIGHUP is reported and the running config stays.
    writeFileSync(cfg, 'listen: { rtsp: nonsense }\n');
    seamd.child.kill('SIGHUP');
    const err = await seamd.waitFor('config.error');
    expect(JSON.stringify(err)).toMatch(/listen\.rtsp/);
    expect((await probe.request('DESCRIBE', `rtsp://127.0.0.1:${port}/file`)).status).toBe(200);
    probe.close();

    const played = await viewer;
    expect(played.stderr).toBe('');
    expect(played.code).toBe(0);
    // The viewer left once, by itself: ffmpeg sends TEARDOWN without waiting for the answer and
    // closes, so which of the two seamd sees first is a race. Never dropped by the reloads.
    const leaves = seamd.lines.filter((l) => l.event === 'viewer.leave').map((l) => l.reason);
    expect(leaves).toHaveLength(1);
    expect(['teardown', 'disconnect']).toContain(leaves[0]);

    seamd.child.kill('SIGTERM');
    expect(await seamd.exited).toBe(0);
    expect(seamd.lines.some((l) => l.event === 'daemon.stop')).toBe(true);
    // The lingering live source was closed and its upstream leg torn down on the way out.
    expect(seamd.lines.some((l) => l.event === 'source.close')).toBe(true);
    expect(seamd.lines.some((l) => l.event === 'leg.close')).toBe(true);
  }, 60000);

  it('a bad config file names the key and the reason and exits 2', async () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'paths:\n  cam1: { origin: http://example.net/x }\nlisen: {}\n');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', cfg],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toMatch(/paths\.cam1\.origin/);
    expect(stderr).toMatch(/lisen/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 30000);
});
