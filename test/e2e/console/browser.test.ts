/**
 * The console in a real browser: Debian's chromium, headless, driven by puppeteer-core (nothing
 * downloaded). Real players watch through seamd from the real origin: ffmpeg over UDP losing 5%
 * on its last mile (seeded, before seamd's socket send) and ffmpeg over TCP on one path; a raw
 * TCP player on a second path whose origin loses 40% on its first leg while a mirror is clean
 * (the built-in rule fails over). The page must load without console errors, every panel must
 * show data, the viewer lookup by IP must find the UDP viewer with its ~5% loss, and the
 * failover must appear in the decisions timeline. A screenshot goes to test-results/console.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bernoulli } from '../../../src/seam/loss-model.js';
import { longClip, REPO_ROOT, startOrigin, type Origin } from '../../helpers/origin.js';
import { ffmpegDecode } from '../../helpers/players.js';
import { playAll } from '../../helpers/raw-client.js';
import { startSeamd, type Seamd } from '../../helpers/seamd.js';
import { fileTempDir } from '../../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT = join(REPO_ROOT, 'test-results', 'console.png');

let origin: Origin;
let mirror: Origin;
let seamd: Seamd;
let browser: Browser;
let base = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh`);
  const clip = await longClip();
  [origin, mirror] = await Promise.all([
    startOrigin({ longClip: clip }),
    startOrigin({ longClip: clip }),
  ]);
  seamd = await startSeamd(
    `
listen: { rtsp: 127.0.0.1:0, rtp: 127.0.0.1:0, http: 127.0.0.1:0 }
upstream: { transport: udp }
telemetry: { windowSec: 5 }
recordings: { dir: ${fileTempDir()} }
paths:
  watch: ${origin.url('long')}
  cam:
    origin: ${origin.url('long')}
    mirrors: [${mirror.url('long')}]
`,
    {
      lossFor: (req, leg) =>
        req.pathName === 'cam' && leg === 0 ? bernoulli(40, 4242) : undefined,
      viewerLossFor: (_address, port) => bernoulli(5, 7000 + port),
    },
  );
  base = `http://127.0.0.1:${seamd.handle.addresses.http?.port ?? 0}`;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}, 60000);

afterAll(async () => {
  await browser?.close();
  await seamd?.stop();
  await Promise.all([origin?.stop(), mirror?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `expr` (JavaScript run in the page) is true. */
async function waitFor(page: Page, what: string, expr: string, timeoutMs: number) {
  try {
    await page.waitForFunction(expr, { timeout: timeoutMs, polling: 250 });
  } catch {
    throw new Error(`the console never showed ${what}`);
  }
}

/** What the page shows, read in the page (plain JavaScript: the test has no DOM types). */
const READ_PAGE = `(() => {
  const charts = Object.fromEntries(
    [...document.querySelectorAll('[data-chart]')].map((c) => [c.dataset.chart, Number(c.dataset.series ?? 0)]),
  );
  const rows = (name) =>
    [...document.querySelectorAll('[data-table="' + name + '"] tbody tr')]
      .map((tr) => [...tr.children].map((td) => td.textContent ?? ''))
      .filter((cells) => cells.length > 1);
  return {
    charts,
    origins: rows('origins'),
    networks: rows('networks'),
    seaming: rows('seaming'),
    viewer: rows('viewer'),
    recordings: rows('recordings'),
    decisions: [...document.querySelectorAll('[data-list="decisions"] li')].map((li) => li.textContent ?? ''),
  };
})()`;

interface PageView {
  charts: Record<string, number>;
  origins: string[][];
  networks: string[][];
  seaming: string[][];
  viewer: string[][];
  recordings: string[][];
  decisions: string[];
}

describe('the console in chromium while players watch', () => {
  it('loads cleanly, fills every panel, finds the lossy viewer and shows the failover', async () => {
    const udp = ffmpegDecode(seamd.url('watch'), 'udp', { durationSec: 19 });
    const tcp = ffmpegDecode(seamd.url('watch'), 'tcp', { durationSec: 19 });
    const cam = playAll({ host: '127.0.0.1', port: seamd.port }, seamd.url('cam'), 'tcp', {
      maxMs: 19000,
    });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.setViewport({ width: 1400, height: 1700 });
    await sleep(2000);
    const res = await page.goto(`${base}/`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");

    await waitFor(
      page,
      'the page live',
      `document.getElementById('state')?.textContent === 'live'`,
      10000,
    );
    await waitFor(
      page,
      'the failover in the decisions timeline',
      `document.querySelector('[data-event="source.failover"]') !== null`,
      20000,
    );
    // the UDP viewer's loss comes from its receiver reports over telemetry.windowSec
    await page.type('#lookup-ip', '127.0.0');
    await page.click('#lookup button');
    await waitFor(
      page,
      "the UDP viewer's loss",
      `[...document.querySelectorAll('[data-table="viewer"] tbody tr')].some(
        (tr) => tr.children[2]?.textContent?.includes('udp') && /%/.test(tr.children[3]?.textContent ?? ''))`,
      15000,
    );
    await sleep(3000);
    const seen = (await page.evaluate(READ_PAGE)) as PageView;
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await Promise.all([udp, tcp, cam]);

    console.log(
      JSON.stringify({
        charts: seen.charts,
        viewer: seen.viewer,
        decisions: seen.decisions.slice(0, 6),
      }),
    );
    expect(errors).toEqual([]);
    for (const chart of ['viewers', 'joins', 'bandwidth', 'legs', 'viewerLoss', 'seaming'])
      expect(seen.charts[chart], chart).toBeGreaterThan(0);
    expect(seen.origins.length).toBeGreaterThan(0);
    expect(seen.networks.map((r) => r[0])).toContain('127.0.0.0/24');
    // one source per on-demand viewer: watch appears twice
    expect([...new Set(seen.seaming.map((r) => r[0]))].sort()).toEqual(['cam', 'watch']);
    expect(seen.recordings.length).toBeGreaterThan(0);

    const udpRow = seen.viewer.find((r) => r[2]?.includes('udp'));
    expect(udpRow?.[0]).toBe('127.0.0.1');
    expect(udpRow?.[9]).toBe('watch');
    const loss = Number.parseFloat(udpRow?.[3] ?? '');
    expect(loss).toBeGreaterThan(2);
    expect(loss).toBeLessThan(9);
    expect(seen.viewer.some((r) => r[2]?.includes('tcp'))).toBe(true);

    const failover = seen.decisions.find((d) => d.includes('source.failover'));
    expect(failover).toContain(`127.0.0.1:${origin.port}`);
    expect(failover).toContain(mirror.url('long'));
    expect(seen.decisions.some((d) => d.includes('telemetry.decision'))).toBe(true);
    expect(seen.decisions.some((d) => d.includes('leg.open'))).toBe(true);
  }, 90000);
});
