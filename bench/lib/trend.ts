/**
 * Growth over time for the endurance run: the least-squares slope of a series, the scatter
 * around that line, and the verdict (growth over the judged window beyond both the scatter and
 * a fixed floor).
 */

export interface Fit {
  /** Units per hour. */
  slopePerHour: number;
  /** Standard deviation of the residuals around the fitted line (units). */
  residualSd: number;
  /** The fitted line's rise over the window (slope × window length, units). */
  rise: number;
  n: number;
}

/** Least squares of `v` against `tSec` (seconds). */
export function fit(tSec: readonly number[], v: readonly number[]): Fit {
  const n = Math.min(tSec.length, v.length);
  if (n < 2) return { slopePerHour: 0, residualSd: 0, rise: 0, n };
  let mt = 0;
  let mv = 0;
  for (let i = 0; i < n; i++) {
    mt += tSec[i] ?? 0;
    mv += v[i] ?? 0;
  }
  mt /= n;
  mv /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    const dt = (tSec[i] ?? 0) - mt;
    sxy += dt * ((v[i] ?? 0) - mv);
    sxx += dt * dt;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = (v[i] ?? 0) - (mv + slope * ((tSec[i] ?? 0) - mt));
    ss += r * r;
  }
  const span = (tSec[n - 1] ?? 0) - (tSec[0] ?? 0);
  return {
    slopePerHour: slope * 3600,
    residualSd: Math.sqrt(ss / Math.max(1, n - 2)),
    rise: slope * span,
    n,
  };
}

export interface Verdict {
  fit: Fit;
  /** The allowed rise over the window: max(3 × residual sd, floor). */
  allowed: number;
  grew: boolean;
}

/**
 * Growth is a rise of the fitted line over the judged window larger than three times the
 * scatter around it and larger than `floor` (what this metric may move for reasons that are not
 * a leak: allocator and GC behaviour, a cache filling to its bound). Fewer than 4 samples judge
 * nothing.
 */
export function judge(tSec: readonly number[], v: readonly number[], floor: number): Verdict {
  const f = fit(tSec, v);
  const allowed = Math.max(3 * f.residualSd, floor);
  return { fit: f, allowed, grew: f.n >= 4 && f.rise > allowed };
}
