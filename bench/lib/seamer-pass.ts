/**
 * The loops of bench/sequencer.ts that call a Seamer. The bench imports this module once per
 * implementation it compares (a distinct query string makes a distinct module instance), so that
 * each implementation gets loops with their own type feedback: a loop shared by two Seamer classes
 * is optimized for whichever ran first and taxes the other.
 */

/** What the bench uses of a Seamer (the same in every version compared). */
export interface SeamerLike {
  addLeg(leg: string): void;
  push(leg: string, track: number, packet: Buffer, nowMs: number): ReadonlyArray<{ kind: string }>;
}

export interface PassInput {
  /** A fresh seamer with the legs added. */
  make: () => SeamerLike;
  legNames: readonly string[];
  /** Arrival a: leg arrLeg[a] delivers packet arrIdx[a]. */
  arrLeg: readonly number[];
  arrIdx: readonly number[];
  /** Leg k's packet for index i (header written). */
  prepare: (k: number, i: number) => Buffer;
}

/** One pass over all arrivals; returns packets output. The clock advances 1 ms per packet. */
export function passSeamer(inp: PassInput): number {
  const s = inp.make();
  const { legNames, arrLeg, arrIdx, prepare } = inp;
  const n = arrLeg.length;
  let out = 0;
  for (let a = 0; a < n; a++) {
    const k = arrLeg[a] as number;
    const i = arrIdx[a] as number;
    const evs = s.push(legNames[k] as string, 0, prepare(k, i), i);
    for (let e = 0; e < evs.length; e++) if (evs[e]?.kind === 'packet') out++;
  }
  return out;
}

/** Per-call wall time (ns) of push, split by whether the call output a packet. */
export function pushTimes(inp: PassInput): { first: Float64Array; dup: Float64Array } {
  const s = inp.make();
  const { legNames, arrLeg, arrIdx, prepare } = inp;
  const n = arrLeg.length;
  const first = new Float64Array(n);
  const dup = new Float64Array(n);
  let nf = 0;
  let nd = 0;
  for (let a = 0; a < n; a++) {
    const k = arrLeg[a] as number;
    const i = arrIdx[a] as number;
    const p = prepare(k, i);
    const t0 = process.hrtime.bigint();
    const evs = s.push(legNames[k] as string, 0, p, i);
    const t1 = process.hrtime.bigint();
    const ns = Number(t1 - t0);
    if (evs.length > 0 && evs[0]?.kind === 'packet') first[nf++] = ns;
    else dup[nd++] = ns;
  }
  return { first: first.subarray(0, nf), dup: dup.subarray(0, nd) };
}
