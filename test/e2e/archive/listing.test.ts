/**
 * The archive's listing against the real origin's live mount, archived with no viewer: the
 * origin stopped for a few seconds → `/api/archive`, `seamd archive list --json` (read from the
 * directory while the daemon runs) and the metrics show the gap between two spans, with the
 * reason the archiver logged; the console's archive panel (headless Chromium) draws the spans
 * and the gap, and its time picker, set inside the gap, gives the `?at=` URL and clock range.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import type { ArchiveListing } from '../../../src/store/archive-view.js';
import type { ArchiveDocument } from '../../../src/telemetry/archive-api.js';
import { originOutage, REPO_ROOT, startOrigin, type Origin } from '../../helpers/origin.js';
import { startSeamd, waitForLine, type Seamd } from '../../helpers/seamd.js';
import { fileTempDir } from '../../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const dir = fileTempDir('seamd-archive-list-');
const YAML = (origin: Origin) => `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, http: 127.0.0.1:0 }
recordings: { dir: ${join(dir, 'rec')} }
paths:
  live: { origin: ${origin.url('live')}, archive: { retention: 90s, segment: 3s } }
`;

let origin: Origin;
let seamd: Seamd;
let browser: Browser | undefined;
let base = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh`);
  origin = await startOrigin();
  const yaml = YAML(origin);
  writeFileSync(join(dir, 'seamd.yaml'), yaml);
  seamd = await startSeamd(yaml);
  base = `http://127.0.0.1:${seamd.handle.addresses.http?.port ?? 0}`;
}, 30000);

afterAll(async () => {
  await browser?.close();
  await seamd?.stop();
  await origin?.stop();
});

async function api(): Promise<ArchiveDocument> {
  const res = await fetch(`${base}/api/archive`);
  expect(res.status).toBe(200);
  return (await res.json()) as ArchiveDocument;
}

describe('the archive listing after an origin outage', () => {
  let gapFrom = 0;
  let gapTo = 0;

  it('lists the gap in /api/archive, seamd archive list --json and the metrics', async () => {
    await sleep(5000);
    const before = (await api()).paths[0];
    expect(before?.spans).toHaveLength(1);
    expect(before?.gaps).toEqual([]);
    const outage = await originOutage(origin, 3000);
    origin = outage.origin;
    const { stoppedAt } = outage;
    await waitForLine(seamd, 'archive.gap', (l) => Boolean(l.to), 30_000);
    const logged = seamd.events('archive.gap').find((l) => l.to);
    const lost = seamd.events('archive.gap').find((l) => !l.to);
    expect(logged).toBeDefined();
    await sleep(2000);

    const doc = await api();
    expect(doc.rtsp?.port).toBe(seamd.port);
    const live = doc.paths.find((p) => p.path === 'live')!;
    expect(live.retentionSec).toBe(90);
    expect(live.spans.length).toBe(2);
    expect(live.gaps).toHaveLength(1);
    const gap = live.gaps[0]!;
    gapFrom = gap.fromMs;
    gapTo = gap.toMs;
    // The gap is the outage the archiver logged (its `from` is the last packet kept).
    expect(Math.abs(gap.fromMs - Date.parse(String(lost!.from)))).toBeLessThan(1000);
    expect(Math.abs(gap.toMs - Date.parse(String(logged!.to)))).toBeLessThan(1000);
    expect(gap.fromMs).toBeLessThanOrEqual(stoppedAt + 500);
    expect(gap.seconds).toBeGreaterThan(2.5);
    expect(gap.reason).toBe(String(lost!.reason));
    expect(live.oldestMs).toBe(live.spans[0]!.fromMs);
    expect(live.bytes).toBeGreaterThan(0);

    let out = '';
    const code = await runCli(
      ['node', 'seamd', 'archive', 'list', '--json', '-c', join(dir, 'seamd.yaml')],
      { stdout: (t) => (out += t), stderr: () => undefined },
    );
    expect(code).toBe(0);
    const listed = JSON.parse(out) as ArchiveListing;
    const onDisk = listed.paths.find((p) => p.path === 'live')!;
    expect(onDisk.gaps).toHaveLength(1);
    expect(onDisk.gaps[0]!.fromMs).toBe(gap.fromMs);
    expect(onDisk.gaps[0]!.toMs).toBe(gap.toMs);
    expect(onDisk.gaps[0]!.reason).toBe(gap.reason);
    expect(onDisk.open).toBe(true);
    expect(onDisk.oldestMs).toBe(live.oldestMs);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('seamd_archive_gaps_total{path="live"} 1');
    expect(metrics).toMatch(/seamd_archive_bytes\{path="live"\} [1-9]\d*/);
    expect(metrics).toContain(`seamd_archive_oldest_seconds{path="live"} ${live.oldestMs! / 1000}`);
    console.log(JSON.stringify({ gap, spans: live.spans.map((s) => s.seconds) }));
  }, 60000);

  it('draws the spans and the gap in the console, and picks a time in the gap', async () => {
    expect(gapTo).toBeGreaterThan(gapFrom);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
    await page.setViewport({ width: 1400, height: 1700 });
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction(
      `document.querySelectorAll('[data-path="live"] [data-kind="gap"]').length === 1`,
      { timeout: 15000, polling: 250 },
    );
    const bar = (await page.evaluate(`(() => {
      const box = document.querySelector('[data-path="live"]').getBoundingClientRect();
      return [...document.querySelectorAll('[data-path="live"] [data-kind]')].map((d) => {
        const r = d.getBoundingClientRect();
        return { kind: d.dataset.kind, from: Number(d.dataset.from), to: Number(d.dataset.to),
          left: r.left - box.left, width: r.width, boxWidth: box.width, title: d.title };
      });
    })()`)) as Array<{
      kind: string;
      from: number;
      to: number;
      left: number;
      width: number;
      boxWidth: number;
      title: string;
    }>;
    const spans = bar.filter((b) => b.kind === 'span');
    const gap = bar.find((b) => b.kind === 'gap')!;
    expect(spans).toHaveLength(2);
    expect(gap.from).toBe(gapFrom);
    expect(gap.to).toBe(gapTo);
    // Drawn in time order across the bar: span, gap, span; the gap ~3 s of a 90 s window.
    expect(spans[0]!.left + spans[0]!.width).toBeLessThanOrEqual(gap.left + 1);
    expect(gap.left + gap.width).toBeLessThanOrEqual(spans[1]!.left + 1);
    expect(gap.width / gap.boxWidth).toBeGreaterThan(2 / 90);
    expect(gap.width / gap.boxWidth).toBeLessThan(20 / 90);
    expect(gap.title).toContain('gap');

    // A time inside the gap: the URL and the clock range for it, and where it plays from.
    const mid = new Date(Math.floor((gapFrom + gapTo) / 2000) * 1000).toISOString();
    await page.evaluate(`(() => {
      const set = (id, v) => {
        const i = document.getElementById(id);
        i.value = v;
        i.dispatchEvent(new Event('input', { bubbles: true }));
      };
      set('archive-date', '${mid.slice(0, 10)}');
      set('archive-time', '${mid.slice(11, 19)}');
    })()`);
    const picked = (await page.evaluate(`({
      url: document.getElementById('archive-url').value,
      clock: document.getElementById('archive-clock').value,
      place: document.getElementById('archive-place').textContent,
    })`)) as { url: string; clock: string; place: string };
    expect(picked.url).toBe(`rtsp://127.0.0.1:${seamd.port}/live?at=${mid.replace('.000Z', 'Z')}`);
    expect(picked.clock).toBe(`clock=${mid.replace(/[-:]/g, '').replace('.000Z', 'Z')}-`);
    expect(picked.place).toContain('in a gap');
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    const panel = await page.$('#archive');
    await panel?.screenshot({ path: join(REPO_ROOT, 'test-results', 'console-archive.png') });
    expect(errors).toEqual([]);
  }, 40000);
});
