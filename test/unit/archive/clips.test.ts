/**
 * Clips and schedules: config validation (bad cron, from >= to, unknown or unarchived path: the
 * key is named, `config check` exits 2), the clips file (add/list/rm through the CLI, atomic
 * writes, read again after a restart), programme computation (property: every programme lies in
 * the span and starts on the cron; none is missed) and pinning against retention.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { parseConfigText } from '../../../src/daemon/config.js';
import { ClipBook } from '../../../src/source/clips.js';
import { CLIPS_FILE, readClipsFile, writeClipsFile } from '../../../src/store/clips-file.js';
import type { NewRecordingMeta } from '../../../src/store/meta.js';
import { cronProblem, isProgrammeStart, programmesWithin } from '../../../src/store/programmes.js';
import { ArchiveStore } from '../../../src/store/segments.js';
import { memoryLogger } from '../../helpers/log.js';
import { rtpPacket } from '../../helpers/rtp.js';
import { fileTempDir, tempDir } from '../../helpers/tmp.js';
import { configProblems } from '../../helpers/config.js';

const T0 = Date.UTC(2026, 11, 1, 14, 0, 0);
const BASE = `paths:\n  radio1: { origin: rtsp://o/live, archive: { retention: 1h } }\n  plain: rtsp://o/x\n`;

describe('config: clips and schedule', () => {
  it('parses clips (ISO with a zone, or the RFC 2326 form) and schedules', () => {
    const c = parseConfigText(
      BASE +
        'clips:\n  a: { path: radio1, from: 2026-12-01T14:15:00Z, to: "20261201T143000Z" }\n' +
        'schedule:\n  q: { path: radio1, cron: "0,15,30,45 * * * *", duration: 15m }\n',
      'x',
    );
    expect(c.clips).toEqual({
      a: { path: 'radio1', fromMs: T0 + 15 * 60_000, toMs: T0 + 30 * 60_000 },
    });
    expect(c.schedule).toEqual({
      q: { path: 'radio1', cron: '0,15,30,45 * * * *', durationMs: 900_000 },
    });
  });

  it.each([
    [
      'schedule:\n  q: { path: radio1, cron: "61 * * * *", duration: 15m }',
      /^seamd\.yaml: schedule\.q\.cron: bad cron expression "61 \* \* \* \*": .*61/,
    ],
    [
      'schedule:\n  q: { path: radio1, cron: "* * *", duration: 15m }',
      /^seamd\.yaml: schedule\.q\.cron: bad cron expression .*expected 5 fields/,
    ],
    [
      'clips:\n  a: { path: radio1, from: 2026-12-01T14:30:00Z, to: 2026-12-01T14:15:00Z }',
      /^seamd\.yaml: clips\.a\.to: from \(2026-12-01T14:30:00\.000Z\) must be before to/,
    ],
    [
      'clips:\n  a: { path: radio1, from: 2026-12-01T14:30:00Z, to: 2026-12-01T14:30:00Z }',
      /^seamd\.yaml: clips\.a\.to: from .* must be before to/,
    ],
    [
      'clips:\n  a: { path: radio2, from: 2026-12-01T14:15:00Z, to: 2026-12-01T14:30:00Z }',
      /^seamd\.yaml: clips\.a\.path: no path named "radio2"/,
    ],
    [
      'schedule:\n  q: { path: plain, cron: "* * * * *", duration: 1m }',
      /^seamd\.yaml: schedule\.q\.path: path "plain" has no archive section/,
    ],
    [
      'clips:\n  a: { path: radio1, from: "2026-12-01 14:15", to: 2026-12-01T14:30:00Z }',
      /^seamd\.yaml: clips\.a\.from: expected an ISO 8601 time with a zone/,
    ],
    [
      'clips:\n  a: { path: radio1, from: 2026-12-01T14:15:00Z, to: 2026-12-01T14:30:00Z, x: 1 }',
      /^seamd\.yaml: clips\.a: unknown key "x"/,
    ],
  ])('%s', (text, message) => {
    const got = configProblems(BASE + text);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(message);
  });

  it('seamd config check exits 2 naming the key', async () => {
    const dir = fileTempDir('seamd-clipcfg-');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, BASE + 'schedule:\n  q: { path: radio1, cron: "nope", duration: 15m }\n');
    let err = '';
    const code = await runCli(['node', 'seamd', 'config', 'check', '-c', file], {
      stdout: () => undefined,
      stderr: (t) => void (err += t),
      exit: () => undefined,
      startDaemon: () => Promise.reject(new Error('not here')),
      installSignalHandlers: () => () => undefined,
      logDestination: undefined,
    });
    expect(code).toBe(2);
    expect(err).toMatch(/schedule\.q\.cron: bad cron expression "nope"/);
  });
});

function cli(config: string) {
  return async (...args: string[]) => {
    let out = '';
    let err = '';
    const code = await runCli(['node', 'seamd', 'clips', ...args, '-c', config], {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      exit: () => undefined,
      startDaemon: () => Promise.reject(new Error('not here')),
      installSignalHandlers: () => () => undefined,
      logDestination: undefined,
    });
    return { code, out, err };
  };
}

describe('the clips file and seamd clips', () => {
  it('round-trips, written atomically (no temporary file left)', async () => {
    const dir = await tempDir();
    const clips = [
      { name: 'b', path: 'radio1', fromMs: T0 + 1000, toMs: T0 + 2000 },
      { name: 'a', path: 'radio1', fromMs: T0, toMs: T0 + 500 },
    ];
    await writeClipsFile(dir, clips);
    expect(await readClipsFile(dir)).toEqual([clips[1], clips[0]]);
    expect(readdirSync(dir)).toEqual([CLIPS_FILE]);
    expect(await readClipsFile(join(dir, 'missing'))).toEqual([]);
    await writeFile(
      join(dir, CLIPS_FILE),
      '{"version":1,"clips":{"x":{"path":"p","from":"2026-12-01T14:00:00Z","to":"2026-12-01T13:00:00Z"}}}',
    );
    await expect(readClipsFile(dir)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });

  it('add, list, rm; usage errors exit 2; config clips win on a name clash', async () => {
    const dir = fileTempDir('seamd-clipcli-');
    const config = join(dir, 'seamd.yaml');
    writeFileSync(
      config,
      `recordings: { dir: ${join(dir, 'rec')} }\n${BASE}` +
        'clips:\n  cfg: { path: radio1, from: 2026-12-01T10:00:00Z, to: 2026-12-01T10:05:00Z }\n',
    );
    const run = cli(config);
    const from = '2026-12-01T14:15:00Z';
    const to = '2026-12-01T14:20:00Z';
    const ok = await run('add', 'news', '--path', 'radio1', '--from', from, '--to', to);
    expect(ok).toMatchObject({ code: 0, out: 'clip news added: radio1 for 300.0 s\n' });
    expect((await run('add', 'news', '--path', 'radio1', '--from', from, '--to', to)).code).toBe(2);
    expect((await run('add', 'x', '--path', 'nope', '--from', from, '--to', to)).err).toMatch(
      /no path named "nope"/,
    );
    expect((await run('add', 'x', '--path', 'plain', '--from', from, '--to', to)).code).toBe(2);
    expect((await run('add', 'x', '--path', 'radio1', '--from', to, '--to', from)).code).toBe(2);
    expect((await run('add', 'x', '--path', 'radio1', '--from', 'soon', '--to', to)).code).toBe(2);
    expect((await run('add', '.x', '--path', 'radio1', '--from', from, '--to', to)).code).toBe(2);
    const clash = await run('add', 'cfg', '--path', 'radio1', '--from', from, '--to', to);
    expect(clash.code).toBe(0);
    expect(clash.out).toMatch(/the config's clip wins/);
    const list = await run('list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      /^cfg {2}radio1 {2}2026-12-01T10:00:00\.000Z \.\. .*config\)\n {2}pinned: nothing/m,
    );
    expect(list.out).toMatch(/^cfg .*file\)\n {2}shadowed: the config's clip of this name wins/m);
    expect(list.out).toMatch(/^news {2}radio1 {2}2026-12-01T14:15:00\.000Z/m);
    expect((await run('rm', 'news')).code).toBe(0);
    expect((await run('rm', 'news')).code).toBe(1);
    expect((await run('rm', 'cfg')).code).toBe(0); // the file's one
    expect((await run('rm', 'cfg')).err).toMatch(/is in the config/);
    expect(await readClipsFile(join(dir, 'rec'))).toEqual([]);
  });
});

describe('programmes', () => {
  it('quarter hours within a span, wholly inside it', () => {
    const s = { name: 'q', path: 'radio1', cron: '0,15,30,45 * * * *', durationMs: 900_000 };
    const got = programmesWithin(s, T0 + 60_000, T0 + 3_600_000);
    expect(got.map((p) => new Date(p.fromMs).toISOString())).toEqual([
      '2026-12-01T14:15:00.000Z',
      '2026-12-01T14:30:00.000Z',
      '2026-12-01T14:45:00.000Z',
    ]);
    expect(programmesWithin(s, T0, T0 + 900_000)).toHaveLength(1);
    expect(programmesWithin(s, T0, T0 + 899_999)).toHaveLength(0);
    expect(isProgrammeStart(s.cron, T0 + 900_000)).toBe(true);
    expect(isProgrammeStart(s.cron, T0 + 900_500)).toBe(false);
    expect(cronProblem('*/10 * * * * *')).toBeUndefined();
  });

  it('property: every programme lies in the span, starts on the cron, and none is missed', () => {
    const cron = fc.oneof(
      fc
        .uniqueArray(fc.integer({ min: 0, max: 59 }), { minLength: 1, maxLength: 6 })
        .map((m) => `${m.join(',')} * * * *`),
      fc.integer({ min: 1, max: 30 }).map((n) => `*/${n} * * * *`),
      fc
        .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }))
        .map(([m, h]) => `${m} ${h} * * *`),
    );
    fc.assert(
      fc.property(
        cron,
        fc.integer({ min: 0, max: 3 * 86_400_000 }),
        fc.integer({ min: 0, max: 3 * 3_600_000 }),
        fc.integer({ min: 1, max: 120 }).map((m) => m * 60_000),
        (expr, offset, length, durationMs) => {
          const from = T0 + offset;
          const to = from + length;
          const s = { name: 's', path: 'p', cron: expr, durationMs };
          const got = programmesWithin(s, from, to);
          for (const p of got) {
            expect(p.fromMs).toBeGreaterThanOrEqual(from);
            expect(p.toMs).toBeLessThanOrEqual(to);
            expect(p.toMs - p.fromMs).toBe(durationMs);
            expect(isProgrammeStart(expr, p.fromMs)).toBe(true);
          }
          // Brute force over every minute of the span.
          const want: number[] = [];
          for (let t = Math.ceil(from / 60_000) * 60_000; t + durationMs <= to; t += 60_000) {
            if (isProgrammeStart(expr, t)) want.push(t);
          }
          expect(got.map((p) => p.fromMs)).toEqual(want);
        },
      ),
      { numRuns: 50 },
    );
  });
});

const META: NewRecordingMeta = {
  originUrl: 'rtsp://origin/live',
  path: 'radio1',
  sdp: 'v=0\r\n',
  sdpIdentity: 'x',
  live: true,
  tracks: [{ index: 0, clockRate: 90_000, payloadTypes: [96], media: 'video' }],
};

async function segment(store: ArchiveStore, startMs: number, seconds: number) {
  const seg = await store.startSegment(META, startMs, 1);
  for (let f = 0; f < seconds * 25; f++) {
    const p = rtpPacket({ seq: f, ts: f * 3600 });
    seg.writer!.append(0, f, p, startMs + f * 40, f % 25 === 0);
  }
  await store.finishSegment(seg);
  return seg;
}

describe('pinning', () => {
  it('retention drops every segment but the ones a clip points into; they go once it is removed', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'radio1');
    const segs = [];
    for (let i = 0; i < 5; i++) segs.push(await segment(store, T0 + i * 10_000, 10));
    const { log, events } = memoryLogger('debug');
    const book = new ClipBook({ recordingsDir: dir, log, storeOf: () => store, pollMs: 0 });
    // A clip from the middle of segment 1 into segment 2, kept in the file (survives a restart).
    await writeClipsFile(dir, [
      { name: 'c', path: 'radio1', fromMs: T0 + 15_000, toMs: T0 + 22_000 },
    ]);
    await book.start();
    expect(events('clip.add')).toHaveLength(1);
    const restarted = new ClipBook({ recordingsDir: dir, log, storeOf: () => store, pollMs: 0 });
    await restarted.start();
    expect(restarted.clips().map((c) => c.name)).toEqual(['c']);

    const spans = book.namedSpans(T0 + 60_000);
    expect(spans).toEqual([
      {
        kind: 'clip',
        name: 'c',
        path: 'radio1',
        fromMs: T0 + 15_000,
        toMs: T0 + 22_000,
        url: 'rtsp://seamd/clips/c',
        pinnedBytes: segs[1]!.bytes + segs[2]!.bytes,
      },
    ]);
    // Everything is past retention; only segments 1 and 2 stay.
    const removed = await store.expire(
      () => true,
      (s) => book.keep('radio1', s),
    );
    expect(removed.map((s) => s.name)).toEqual([segs[0]!.name, segs[3]!.name, segs[4]!.name]);
    expect(store.segments().map((s) => s.name)).toEqual([segs[1]!.name, segs[2]!.name]);
    expect(book.keep('other', segs[1]!)).toBe(false);

    await writeClipsFile(dir, []);
    await book.refresh();
    expect(events('clip.rm')).toHaveLength(1);
    const rest = await store.expire(
      () => true,
      (s) => book.keep('radio1', s),
    );
    expect(rest).toHaveLength(2);
  });

  it('programmes of schedules within the kept span; URL targets', async () => {
    const dir = await tempDir();
    const store = await ArchiveStore.open(dir, 'radio1');
    await segment(store, T0 - 5000, 40);
    const { log } = memoryLogger();
    const book = new ClipBook({
      recordingsDir: dir,
      log,
      storeOf: (p) => (p === 'radio1' ? store : undefined),
      pollMs: 0,
      urlBase: () => 'rtsp://h:8554',
    });
    await book.update({}, { tens: { path: 'radio1', cron: '*/10 * * * * *', durationMs: 8000 } });
    const spans = book.namedSpans(T0 + 60_000);
    expect(spans.map((s) => [s.kind, s.name, s.fromMs - T0, s.toMs - T0, s.url])).toEqual([
      ['programme', 'tens', 0, 8000, 'rtsp://h:8554/radio1/tens/20261201T140000Z'],
      ['programme', 'tens', 10_000, 18_000, 'rtsp://h:8554/radio1/tens/20261201T140010Z'],
      ['programme', 'tens', 20_000, 28_000, 'rtsp://h:8554/radio1/tens/20261201T140020Z'],
    ]);
    expect(book.namedSpans(T0, 'other')).toEqual([]);
    expect(book.target(['radio1', 'tens', '20261201T140010Z'])).toEqual({
      kind: 'programme',
      name: 'tens',
      path: 'radio1',
      fromMs: T0 + 10_000,
      toMs: T0 + 18_000,
    });
    expect(book.target(['radio1', 'tens', '20261201T140011Z'])).toBeUndefined();
    expect(book.target(['other', 'tens', '20261201T140010Z'])).toBeUndefined();
    expect(book.target(['clips', 'none'])).toBeUndefined();
  });
});
