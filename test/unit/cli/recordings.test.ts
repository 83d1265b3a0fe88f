import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { formatBytes, formatDuration, formatPercent } from '../../../src/cli/recordings.js';
import { RecordingWriter, type NewRecordingMeta } from '../../../src/store/index.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { fileTempDir } from '../../helpers/tmp.js';

const execFileP = promisify(execFile);
const TSHARK = '/usr/bin/tshark';

const SDP =
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\n' +
  'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n' +
  'm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/2\r\na=control:trackID=1\r\n';

function meta(path: string): NewRecordingMeta {
  return {
    originUrl: `rtsp://origin.example/${path}`,
    path,
    sdp: SDP,
    sdpIdentity: 'sha256:abcd',
    tracks: [
      { index: 0, control: 'trackID=0', media: 'video', clockRate: 90000, payloadTypes: [96] },
      { index: 1, control: 'trackID=1', media: 'audio', clockRate: 48000, payloadTypes: [97] },
    ],
  };
}

/** A 32-byte canonical RTP packet (20 bytes of payload): records are 64 bytes on disk. */
const rtp = (ext: number, ts: number, pt: number): Buffer =>
  rtpPacket({
    seq: ext,
    ts,
    pt,
    ssrc: 0x11223344,
    payload: Array.from({ length: 20 }, (_, i) => (ext + 12 + i) & 0xff),
  });

// Video: ext 65530..65559 (crosses the 16-bit wrap), 1/30 s apart, 65540-65542 missing.
// Audio: ext 0..19, 1024 samples at 48 kHz apart, 5 missing.
const V0 = 65530;
const VIDEO = Array.from({ length: 30 }, (_, i) => V0 + i).filter((e) => e < 65540 || e > 65542);
const AUDIO = Array.from({ length: 20 }, (_, i) => i).filter((e) => e !== 5);
const CREATED = new Date('2025-03-01T12:00:00.000Z');

async function makeRecording(dir: string, path: string): Promise<void> {
  const w = await RecordingWriter.create(dir, meta(path), {
    flushIntervalMs: 0,
    now: () => CREATED,
  });
  for (const e of VIDEO) w.append(0, e, rtp(e, (e - V0) * 3000, 96), CREATED.getTime());
  for (const e of AUDIO) w.append(1, e, rtp(e, e * 1024, 97), CREATED.getTime());
  w.setSessions([
    { source: 'src-1', startedAt: CREATED.toISOString(), packets: 40, nptFrom: 0, nptTo: 0.8 },
    {
      source: 'src-2',
      startedAt: CREATED.toISOString(),
      packets: 6,
      nptFrom: 0.1,
      nptTo: 0.2,
      unmapped: 3,
    },
  ]);
  await w.close();
}

let root: string;
let recs: string;
let config: string;

beforeAll(async () => {
  root = fileTempDir('seamd-cli-rec-');
  recs = join(root, 'recordings');
  config = join(root, 'seamd.yaml');
  await writeFile(config, `recordings:\n  dir: ${recs}\n`);
  await makeRecording(join(recs, 'cam1-20250301'), 'cam1');
  // Not a recording (no meta.json): ignored.
  await mkdir(join(recs, 'scratch'));
  await writeFile(join(recs, 'scratch', 'notes.txt'), 'x');
});

function harness() {
  let out = '';
  let err = '';
  const deps = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => void (err += t),
  };
  const run = (...args: string[]) => runCli(['node', 'seamd', ...args], deps);
  return { run, out: () => out, err: () => err };
}

const CAM1_ROW = {
  id: 'cam1-20250301',
  origin: 'rtsp://origin.example/cam1',
  path: 'cam1',
  tracks: 'video/H264+audio/MPEG4-GENERIC',
  durationSec: (29 * 3000) / 90000,
  packets: 46,
  completeness: 92,
  gaps: 2,
  bytes: 46 * 64,
  sessions: 2,
  state: 'complete',
};

describe('seamd recordings list', () => {
  it('prints an aligned table', async () => {
    const h = harness();
    expect(await h.run('recordings', 'list', '--config', config)).toBe(0);
    expect(h.err()).toBe('');
    expect(h.out()).toBe(
      'ID             PATH  TRACKS                          DURATION  PACKETS  COMPLETE  GAPS  SESSIONS    SIZE  STATE\n' +
        'cam1-20250301  cam1  video/H264+audio/MPEG4-GENERIC    0:01.0       46    92.00%     2         2  2.9 kB  complete\n',
    );
  });

  it('--json: exact keys and values', async () => {
    const h = harness();
    expect(await h.run('recordings', 'list', '-c', config, '--json')).toBe(0);
    const rows = JSON.parse(h.out()) as Record<string, unknown>[];
    expect(rows).toEqual([CAM1_ROW]);
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'id',
      'origin',
      'path',
      'tracks',
      'durationSec',
      'packets',
      'completeness',
      'gaps',
      'bytes',
      'sessions',
      'state',
    ]);
  });

  it('lists a corrupt or foreign-version recording as error, the others as usual', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seamd-cli-rec-bad-'));
    try {
      const cfg = join(dir, 'c.yaml');
      await writeFile(cfg, `recordings: { dir: ${join(dir, 'r')} }\n`);
      await makeRecording(join(dir, 'r', 'b-good'), 'cam1');
      await mkdir(join(dir, 'r', 'a-garbage'));
      await writeFile(join(dir, 'r', 'a-garbage', 'meta.json'), 'garbage\n');
      await mkdir(join(dir, 'r', 'c-future'));
      await writeFile(join(dir, 'r', 'c-future', 'meta.json'), '{"version": 99}\n');
      const j = harness();
      expect(await j.run('recordings', 'list', '-c', cfg, '--json')).toBe(0);
      const rows = JSON.parse(j.out()) as Record<string, unknown>[];
      const nulls = {
        origin: null,
        path: null,
        tracks: null,
        durationSec: null,
        packets: null,
        completeness: null,
        gaps: null,
        bytes: null,
        sessions: null,
        state: 'error',
      };
      expect(rows).toEqual([
        {
          id: 'a-garbage',
          ...nulls,
          error: expect.stringContaining('a-garbage/meta.json: not valid JSON') as unknown,
        },
        { ...CAM1_ROW, id: 'b-good' },
        {
          id: 'c-future',
          ...nulls,
          error: expect.stringContaining('format version 99 is not supported') as unknown,
        },
      ]);
      const t = harness();
      expect(await t.run('recordings', 'list', '-c', cfg)).toBe(0);
      const lines = t.out().split('\n');
      expect(lines).toHaveLength(5);
      expect(lines[1]).toMatch(/^a-garbage .* -\s+-\s+error: .*not valid JSON/);
      expect(lines[2]).toMatch(/^b-good .*92\.00%\s+2\s+2\s+2\.9 kB\s+complete$/);
      expect(lines[3]).toMatch(/^c-future .*error: .*format version 99/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing recordings directory is an empty list', async () => {
    const cfg = join(root, 'missing.yaml');
    await writeFile(cfg, `recordings: { dir: ${join(root, 'nope')} }\n`);
    const h = harness();
    expect(await h.run('recordings', 'list', '-c', cfg, '--json')).toBe(0);
    expect(h.out()).toBe('[]\n');
    const t = harness();
    expect(await t.run('recordings', 'list', '-c', cfg)).toBe(0);
    expect(t.out()).toBe(`no recordings in ${join(root, 'nope')}\n`);
  });

  it('a relative recordings.dir is relative to the working directory', async () => {
    const cfg = join(root, 'relative.yaml');
    await writeFile(cfg, 'recordings: { dir: ./recordings }\n');
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const h = harness();
      expect(await h.run('recordings', 'list', '-c', cfg, '--json')).toBe(0);
      expect((JSON.parse(h.out()) as { id: string }[]).map((r) => r.id)).toEqual(['cam1-20250301']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a bad config file exits 2', async () => {
    const cfg = join(root, 'bad.yaml');
    await writeFile(cfg, 'recordings: { dri: x }\n');
    const h = harness();
    expect(await h.run('recordings', 'list', '-c', cfg)).toBe(2);
    expect(h.err()).toContain('unknown key "dri"');
  });
});

describe('seamd recordings inspect', () => {
  it('shows meta data and the gaps as npt ranges', async () => {
    const h = harness();
    expect(await h.run('recordings', 'inspect', 'cam1-20250301', '-c', config)).toBe(0);
    const out = h.out();
    expect(out).toContain('origin:        rtsp://origin.example/cam1\n');
    expect(out).toContain('state:         complete\n');
    expect(out).toContain(
      'sessions:      2\n' +
        '  2025-03-01T12:00:00.000Z  src-1: filled 40 packets at 0.000-0.800 s\n' +
        '  2025-03-01T12:00:00.000Z  src-2: filled 6 packets at 0.100-0.200 s, 3 packets not placed\n',
    );
    expect(out).toContain('created:       2025-03-01T12:00:00.000Z\n');
    expect(out).toContain('completeness:  92.00%\n');
    expect(out).toContain(
      'track 0: video/H264, control trackID=0, PT 96\n' +
        '  clock rate:    90000 Hz\n' +
        '  packets:       27\n' +
        '  ext:           65530-65559\n' +
        '  duration:      0:01.0 (0.967 s)\n' +
        '  completeness:  90.00% (3 packets missing)\n' +
        '  size:          1.7 kB\n' +
        '  gaps:          1\n' +
        // packets around the gap: ext 65539 (npt 9/30) and 65543 (npt 13/30)
        '    0.300-0.433 s (3 packets, ext 65540-65542)\n',
    );
    expect(out).toContain(
      'track 1: audio/MPEG4-GENERIC, control trackID=1, PT 97\n' + '  clock rate:    48000 Hz\n',
    );
    // ext 4 at 4096/48000 s, ext 6 at 6144/48000 s
    expect(out).toContain('    0.085-0.128 s (1 packet, ext 5)\n');
    expect(out).not.toContain('torn tail');
  });

  it('--json: the same as an object', async () => {
    const h = harness();
    expect(await h.run('recordings', 'inspect', 'cam1-20250301', '-c', config, '--json')).toBe(0);
    const r = JSON.parse(h.out()) as Record<string, unknown> & {
      meta: Record<string, unknown>;
      tracks: Record<string, unknown>[];
    };
    expect(r).toMatchObject({
      id: 'cam1-20250301',
      dir: join(recs, 'cam1-20250301'),
      locked: false,
      packets: 46,
      completeness: 92,
      gaps: 2,
      bytes: 46 * 64,
    });
    expect(r.meta).toMatchObject({ originUrl: 'rtsp://origin.example/cam1', state: 'complete' });
    expect(r.tracks[0]).toMatchObject({
      index: 0,
      encoding: 'H264',
      clockRate: 90000,
      packets: 27,
      firstExt: 65530,
      lastExt: 65559,
      completeness: 90,
      missing: 3,
      gaps: [{ fromExt: 65540, toExt: 65542, packets: 3, fromNpt: 0.3, toNpt: 13 / 30 }],
      tornTail: null,
    });
    expect(r.tracks[1]).toMatchObject({
      gaps: [{ fromExt: 5, toExt: 5, packets: 1, fromNpt: 4096 / 48000, toNpt: 6144 / 48000 }],
    });
  });

  it('reports a torn tail', async () => {
    const dir = join(recs, 'torn');
    await makeRecording(dir, 'torn');
    await appendFile(join(dir, 'track-1.log'), Buffer.alloc(10, 0x53));
    try {
      const h = harness();
      expect(await h.run('recordings', 'inspect', 'torn', '-c', config)).toBe(0);
      expect(h.out()).toMatch(/ {2}torn tail: {5}10 bytes at offset 1216 \(/);
      const j = harness();
      expect(await j.run('recordings', 'inspect', 'torn', '-c', config, '--json')).toBe(0);
      const r = JSON.parse(j.out()) as { tracks: { tornTail: unknown }[] };
      expect(r.tracks[1]?.tornTail).toMatchObject({ offset: 19 * 64, bytes: 10 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an unknown ID exits 1', async () => {
    const h = harness();
    expect(await h.run('recordings', 'inspect', 'nope', '-c', config)).toBe(1);
    expect(h.err()).toBe(`seamd: no recording "nope" in ${recs}\n`);
    const s = harness();
    expect(await s.run('recordings', 'inspect', 'scratch', '-c', config)).toBe(1);
    expect(s.err()).toContain('no recording "scratch"');
  });

  it('a recording that cannot be opened exits 1 with the reason', async () => {
    const dir = join(recs, 'broken');
    await mkdir(dir);
    await writeFile(join(dir, 'meta.json'), '{');
    try {
      const h = harness();
      expect(await h.run('recordings', 'inspect', 'broken', '-c', config)).toBe(1);
      expect(h.err()).toMatch(/^seamd: cannot open recording "broken": .*not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('seamd recordings export', () => {
  it('pcap: tshark reads the sequence numbers back as RTP', async () => {
    const out = join(root, 'cam1.pcap');
    const h = harness();
    const args = ['recordings', 'export', 'cam1-20250301', '-c', config];
    expect(await h.run(...args, '--format', 'pcap', '--out', out)).toBe(0);
    expect(h.out()).toMatch(/^wrote 46 packets \(\d+(\.\d)? kB\) to .*cam1\.pcap as pcap\n$/);
    const { stdout } = await execFileP(TSHARK, [
      '-r',
      out,
      '-d',
      'udp.port==5000,rtp',
      '-Y',
      'rtp',
      '-T',
      'fields',
      '-e',
      'rtp.seq',
    ]);
    // Track 0 is on UDP port 5000 (track n on 5000 + 2n; only 5000 is decoded as RTP here).
    expect(stdout.trim().split('\n').map(Number)).toEqual(VIDEO.map((e) => e % 0x10000));
  });

  it('rtpdump of one track', async () => {
    const out = join(root, 'cam1.rtpdump');
    const h = harness();
    const args = ['recordings', 'export', 'cam1-20250301', '-c', config, '-f', 'rtpdump'];
    expect(await h.run(...args, '-o', out, '--track', '1')).toBe(0);
    expect(h.out()).toBe(`wrote 19 packets (${16 + 27 + 19 * 40} B) to ${out} as rtpdump\n`);
    const b = await readFile(out);
    expect(b.subarray(0, 27).toString('latin1')).toBe('#!rtpplay1.0 10.0.0.2/5000\n');
  });

  it('a bad format, a missing --out or a bad track exit 2', async () => {
    const base = ['recordings', 'export', 'cam1-20250301', '-c', config];
    const f = harness();
    expect(await f.run(...base, '--format', 'mp4', '--out', join(root, 'x'))).toBe(2);
    expect(f.err()).toContain("argument 'mp4' is invalid. Allowed choices are pcap, rtpdump.");
    const o = harness();
    expect(await o.run(...base, '--format', 'pcap')).toBe(2);
    expect(o.err()).toContain("required option '-o, --out <file>' not specified");
    const n = harness();
    expect(await n.run(...base, '--out', join(root, 'x'))).toBe(2);
    expect(n.err()).toContain("required option '-f, --format <format>' not specified");
    const t = harness();
    expect(await t.run(...base, '-f', 'pcap', '-o', join(root, 'x'), '--track', '7')).toBe(2);
    expect(t.err()).toBe('seamd: recording "cam1-20250301" has no track "7" (tracks 0-1)\n');
    expect(existsSync(join(root, 'x'))).toBe(false);
  });

  it('an unknown ID exits 1; an unwritable output exits 1', async () => {
    const h = harness();
    const out = join(root, 'x.pcap');
    expect(await h.run('recordings', 'export', 'nope', '-c', config, '-f', 'pcap', '-o', out)).toBe(
      1,
    );
    expect(h.err()).toBe(`seamd: no recording "nope" in ${recs}\n`);
    const w = harness();
    const bad = join(root, 'no-such-dir', 'x.pcap');
    const args = ['recordings', 'export', 'cam1-20250301', '-c', config, '-f', 'pcap', '-o', bad];
    expect(await w.run(...args)).toBe(1);
    expect(w.err()).toMatch(/^seamd: export failed: .*ENOENT/);
  });
});

describe('seamd recordings rm', () => {
  it('removes the recording', async () => {
    await makeRecording(join(recs, 'old'), 'old');
    const h = harness();
    expect(await h.run('recordings', 'rm', 'old', '-c', config)).toBe(0);
    expect(h.out()).toBe(`removed recording "old" (${join(recs, 'old')})\n`);
    expect(existsSync(join(recs, 'old'))).toBe(false);
    const again = harness();
    expect(await again.run('recordings', 'rm', 'old', '-c', config)).toBe(1);
    expect(again.err()).toBe(`seamd: no recording "old" in ${recs}\n`);
  });

  it('removes a recording that cannot be opened', async () => {
    const dir = join(recs, 'junk');
    await mkdir(dir);
    await writeFile(join(dir, 'meta.json'), 'garbage');
    const h = harness();
    expect(await h.run('recordings', 'rm', 'junk', '-c', config)).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses while a .lock file exists', async () => {
    const dir = join(recs, 'live');
    await makeRecording(dir, 'live');
    await writeFile(join(dir, '.lock'), '1234\n');
    const h = harness();
    expect(await h.run('recordings', 'rm', 'live', '-c', config)).toBe(1);
    expect(h.err()).toBe(
      `seamd: recording "live" is in use by pid 1234 (${join(dir, '.lock')}): not removed\n`,
    );
    expect(existsSync(join(dir, 'meta.json'))).toBe(true);
    const i = harness();
    expect(await i.run('recordings', 'inspect', 'live', '-c', config)).toBe(0);
    expect(i.out()).toContain('state:         complete (.lock present: in use)\n');
    await rm(dir, { recursive: true, force: true });
  });

  it('removes a recording whose lock is stale (its pid on this host is gone)', async () => {
    const dir = join(recs, 'stale');
    await makeRecording(dir, 'stale');
    const child = spawnSync(process.execPath, ['-e', '0']);
    await writeFile(join(dir, '.lock'), `${child.pid} ${hostname()}\n`);
    const h = harness();
    expect(await h.run('recordings', 'rm', 'stale', '-c', config)).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('does not follow a symlink named like a recording', async () => {
    const target = join(root, 'elsewhere');
    await makeRecording(target, 'elsewhere');
    await symlink(target, join(recs, 'link'));
    try {
      const h = harness();
      expect(await h.run('recordings', 'rm', 'link', '-c', config)).toBe(1);
      expect(h.err()).toContain('no recording "link"');
      expect(existsSync(join(target, 'meta.json'))).toBe(true);
    } finally {
      await rm(join(recs, 'link'), { force: true });
    }
  });
});

describe('path tricks', () => {
  const tricks = ['..', '.', '../victim', 'a/b', '/etc', 'x\\y', '.hidden', '', 'a\nb'];

  it('every command refuses them with exit 2 and touches nothing', async () => {
    const victim = join(root, 'victim');
    await makeRecording(victim, 'victim');
    for (const id of tricks) {
      for (const cmd of [
        ['rm', id],
        ['inspect', id],
        ['export', id, '-f', 'pcap', '-o', join(root, 'trick.pcap')],
      ]) {
        const h = harness();
        expect(await h.run('recordings', ...cmd, '-c', config), `${cmd.join(' ')}`).toBe(2);
        expect(h.err()).toMatch(/^seamd: invalid recording ID /);
      }
    }
    expect(existsSync(join(victim, 'meta.json'))).toBe(true);
    expect(existsSync(recs)).toBe(true);
    expect(existsSync(join(root, 'trick.pcap'))).toBe(false);
  });
});

describe('help', () => {
  it('seamd --help mentions the recordings commands', async () => {
    const h = harness();
    expect(await h.run('--help')).toBe(0);
    expect(h.out()).toMatch(/recordings\s+list, inspect, export, remove or repair recordings/);
    expect(h.out()).toContain('seamd recordings list -c seamd.yaml');
    const r = harness();
    expect(await r.run('recordings', '--help')).toBe(0);
    for (const cmd of ['list', 'inspect', 'export', 'rm']) expect(r.out()).toContain(cmd);
  });
});

describe('formatting', () => {
  it('duration m:ss.s, sizes, percentages', () => {
    expect(formatDuration(0)).toBe('0:00.0');
    expect(formatDuration(59.96)).toBe('1:00.0');
    expect(formatDuration(754.25)).toBe('12:34.3');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(999_999)).toBe('1.0 MB');
    expect(formatPercent(99.8765)).toBe('99.87%');
    expect(formatPercent(99.9999)).toBe('99.99%');
    expect(formatPercent(100)).toBe('100.00%');
  });
});
