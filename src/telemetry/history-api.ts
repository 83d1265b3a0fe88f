/**
 * `GET /api/history?from=&to=&step=`: the query's parameters checked and the answer built
 * (pure, time passed in). `from` and `to` are unix seconds, or ≤ 0 for seconds before now
 * (`from=-600`); defaults: the last 5 minutes, to now. `step` is the bucket in seconds
 * (default 1, or 60 beyond an hour); a multiple of 60 reads the per-minute ring.
 */
import { MAX_POINTS, type HistoryAnswer, type HistoryQuery, type HistoryStore } from './history.js';

export interface HistoryDocument extends HistoryAnswer {
  /** Unix seconds when answered. */
  readonly now: number;
  /** Memory the store holds (fixed). */
  readonly bytes: number;
  /** How far back each ring reaches (seconds). */
  readonly spans: { readonly seconds: number; readonly minutes: number };
}

export type HistoryRequest = { ok: true; query: HistoryQuery } | { ok: false; message: string };

function int(params: URLSearchParams, name: string): number | undefined | null {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  return /^-?\d{1,12}$/.test(v) ? Number(v) : null;
}

export function historyRequest(params: URLSearchParams, nowSec: number): HistoryRequest {
  const now = Math.floor(nowSec);
  const f = int(params, 'from');
  const t = int(params, 'to');
  const s = int(params, 'step');
  if (f === null || t === null || s === null) {
    return { ok: false, message: 'from, to and step are integers (seconds)' };
  }
  const from = f === undefined ? now - 300 : f <= 0 ? now + f : f;
  const to = t === undefined ? now : t <= 0 ? now + t : t;
  if (to < from) return { ok: false, message: 'to is before from' };
  const step = s ?? (to - from >= 3600 ? 60 : 1);
  if (step < 1) return { ok: false, message: 'step must be at least 1' };
  const points = Math.floor((to - from) / step) + 1;
  if (points > MAX_POINTS) {
    return {
      ok: false,
      message: `${points} points asked, at most ${MAX_POINTS}: use a larger step`,
    };
  }
  return { ok: true, query: { from, to, step } };
}

export function historyDocument(
  store: HistoryStore,
  query: HistoryQuery,
  nowSec: number,
): HistoryDocument {
  return {
    now: Math.floor(nowSec),
    bytes: store.bytes,
    spans: store.spans,
    ...store.query(query),
  };
}
