/**
 * `seamd archive list`: a real archive directory written by the segment writer, listed with
 * the daemon not running: spans, the gap with its reason, size (--json parsed, and the text),
 * one path or an unknown one (exit 1), a bad name (exit 2), clips and programmes from a
 * provider.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerArchive } from '../../../src/cli/archive.js';
import { CliExit } from '../../../src/cli/exit.js';
import { runCli } from '../../../src/cli/main.js';
import { loadConfigFile } from '../../../src/daemon/config.js';
import type { ArchiveListing } from '../../../src/store/archive-view.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { dirBytes } from '../../../src/store/catalog-dir.js';
import { fileTempDir } from '../../helpers/tmp.js';
import { end, segment, T0 } from '../archive/archive-kit.js';

let cfg = '';
let bytes = 0;
const BACK = T0 + 65_000;

beforeAll(async () => {
  const dir = fileTempDir();
  cfg = join(dir, 'seamd.yaml');
  await writeFile(
    cfg,
    `recordings: { dir: ${join(dir, 'rec')} }\n` +
      `paths:\n  live: { origin: rtsp://127.0.0.1:1/live, archive: { retention: 2h } }\n`,
  );
  const store = await ArchiveStore.open(join(dir, 'rec'), 'live');
  const s1 = store.newSection();
  await segment(store, T0, 3, s1, { endReason: 'origin closed the session' });
  await segment(store, BACK, 2, store.newSection());
  const other = await ArchiveStore.open(join(dir, 'rec'), 'old');
  await segment(other, T0, 1, other.newSection());
  for (const s of store.segments()) bytes += await dirBytes(s.dir);
});

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'seamd', 'archive', 'list', '-c', cfg, ...args], {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
  });
  return { code, out, err };
}

describe('seamd archive list', () => {
  it('--json: spans, the gap with its reason, size, retention', async () => {
    const { code, out } = await cli('--json');
    expect(code).toBe(0);
    const doc = JSON.parse(out) as ArchiveListing;
    expect(doc.paths.map((p) => p.path)).toEqual(['live', 'old']);
    const live = doc.paths[0]!;
    expect(live.retentionSec).toBe(7200);
    expect(doc.paths[1]!.retentionSec).toBeNull();
    expect(live.segments).toBe(2);
    expect(live.bytes).toBe(bytes);
    expect(live.oldest).toBe(new Date(T0).toISOString());
    expect(live.spans.map((s) => [s.fromMs, s.toMs])).toEqual([
      [T0, end(T0, 3)],
      [BACK, end(BACK, 2)],
    ]);
    expect(live.gaps).toEqual([
      {
        from: new Date(end(T0, 3)).toISOString(),
        to: new Date(BACK).toISOString(),
        fromMs: end(T0, 3),
        toMs: BACK,
        seconds: (BACK - end(T0, 3)) / 1000,
        reason: 'origin closed the session',
      },
    ]);
    expect(doc.clips).toEqual([]);
    expect(doc.programmes).toEqual([]);
  });

  it('text: one header per path, spans and gaps in time order', async () => {
    const { code, out } = await cli('live');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^live: 2 segments, .* 2 spans, 1 gap, retention 2h$/);
    expect(lines[1]).toBe(
      '  kept       2026-12-01 14:00:00Z - 2026-12-01 14:00:02Z  3s  ' +
        lines[1]!.split('  ').pop(),
    );
    expect(lines[2]).toMatch(
      /^ {2}gap {8}2026-12-01 14:00:02Z - 2026-12-01 14:01:05Z {2}1m2s {2}origin closed the session$/,
    );
    expect(lines[3]).toMatch(/^ {2}kept {7}2026-12-01 14:01:05Z - 2026-12-01 14:01:06Z/);
    expect(lines).toHaveLength(4);
  });

  it('an unknown path is exit 1, a bad name exit 2', async () => {
    expect((await cli('nope')).code).toBe(1);
    expect((await cli('nope')).err).toContain('no archive of "nope"');
    expect((await cli('../etc')).code).toBe(2);
  });

  it('prints the clips and programmes a provider gives, for the paths shown', async () => {
    let out = '';
    const program = new Command('seamd').exitOverride();
    registerArchive(program, {
      stdout: (t) => (out += t),
      readConfig: (p) => loadConfigFile(p ?? cfg),
      fail: (code, message) => new CliExit(code, message),
      namedSpans: () =>
        Promise.resolve([
          {
            kind: 'programme',
            name: 'news',
            path: 'live',
            fromMs: T0 + 1000,
            toMs: T0 + 2000,
            url: 'rtsp://h/live/news/20261201T140001Z',
          },
          {
            kind: 'clip',
            name: 'goal',
            path: 'live',
            fromMs: BACK,
            toMs: BACK + 1000,
            url: 'rtsp://h/clips/goal',
            pinnedBytes: 2_000_000,
          },
          { kind: 'clip', name: 'x', path: 'old', fromMs: T0, toMs: T0, url: 'rtsp://h/clips/x' },
        ]),
    });
    await program.parseAsync(['node', 'seamd', 'archive', 'list', 'live', '-c', cfg]);
    expect(out).toContain('programme  2026-12-01 14:00:01Z - 2026-12-01 14:00:02Z  news');
    expect(out).toContain('clip       2026-12-01 14:01:05Z - 2026-12-01 14:01:06Z  goal');
    expect(out).toContain('keeps 2.0 MB past retention');
    expect(out).not.toContain('clips/x');
    out = '';
    await program.parseAsync(['node', 'seamd', 'archive', 'list', 'live', '--json', '-c', cfg]);
    const doc = JSON.parse(out) as ArchiveListing;
    expect(doc.clips.map((c) => c.name)).toEqual(['goal']);
    expect(doc.programmes.map((c) => c.name)).toEqual(['news']);
  });
});
