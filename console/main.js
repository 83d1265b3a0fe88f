// The console: polls the documented APIs (status every second, history incrementally, the
// decisions timeline after the last entry seen, recordings and the archive every 5 s) and redraws
// the panels.
import { ArchivePanel } from './archive.js';
import { buildCharts, HistoryWindow, WINDOW_SEC } from './charts.js';
import {
  appendEvents,
  networksTable,
  originsTable,
  recordingsTable,
  seamingTable,
  summaries,
  viewerTable,
} from './panels.js';

const POLL_MS = 1000;
const RECORDINGS_EVERY = 5;
const ARCHIVE_EVERY = 5;

async function getJson(path) {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function start() {
  const root = document;
  const table = (name) => root.querySelector(`[data-table="${name}"]`);
  const win = new HistoryWindow();
  const charts = buildCharts(root);
  const timeline = root.querySelector('[data-list="decisions"]');
  const state = root.getElementById('state');
  const clock = root.getElementById('clock');
  const input = root.getElementById('lookup-ip');
  const archive = new ArchivePanel(root.getElementById('archive'));
  let query = new URLSearchParams(location.hash.slice(1)).get('viewer') ?? '';
  input.value = query;
  let afterSeq = 0;
  let round = 0;
  let busy = false;

  root.getElementById('lookup').addEventListener('submit', (ev) => {
    ev.preventDefault();
    query = input.value.trim();
    history.replaceState(null, '', query ? `#viewer=${encodeURIComponent(query)}` : '#');
    void poll();
  });
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const from = win.last === undefined ? -WINDOW_SEC : win.last - 3;
      const [status, hist, events] = await Promise.all([
        getJson(`/api/status?compact&viewers=${encodeURIComponent(query)}`),
        getJson(`/api/history?from=${from}&step=1`),
        getJson(`/api/events?after=${afterSeq}`),
      ]);
      win.merge(hist);
      for (const c of charts) c.update(win);
      summaries(root, status);
      seamingTable(table('seaming'), status);
      originsTable(table('origins'), status);
      networksTable(table('networks'), status);
      viewerTable(table('viewer'), status, query);
      appendEvents(timeline, events.events);
      if (events.events.length > 0) afterSeq = events.events[events.events.length - 1].seq;
      if (round++ % RECORDINGS_EVERY === 0) {
        recordingsTable(table('recordings'), (await getJson('/api/recordings')).recordings);
      }
      if (round % ARCHIVE_EVERY === 1) archive.update(await getJson('/api/archive'));
      clock.textContent = new Date(status.at).toLocaleTimeString();
      state.textContent = 'live';
      state.className = 'ok';
    } catch (err) {
      state.textContent = `no answer: ${err instanceof Error ? err.message : String(err)}`;
      state.className = 'bad';
    } finally {
      busy = false;
    }
  }

  void poll();
  setInterval(() => void poll(), POLL_MS);
}

start();
