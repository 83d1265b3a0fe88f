/**
 * Deterministic, seeded packet-loss models for the loss harness (tests, fake origins, benches).
 * Same spec and seed → the same drop sequence, on every platform.
 *
 * Spec grammar (`parseLossSpec`), fields separated by ':':
 * - `none`                                       never drops
 * - `bernoulli:<pct>[:seed=<n>]`                 independent loss with probability pct/100
 * - `ge:<pct>[:burst=<len>][:seed=<n>]`          Gilbert-Elliott with a mean loss and mean burst
 *                                                length (default burst 4)
 * - `ge:p=<p>:r=<r>[:good=<l>][:bad=<l>][:seed=<n>]` Gilbert-Elliott with explicit transition
 *                                                and per-state loss probabilities
 * The seed defaults to 1. A model's `name` is a spec that parses back to the same model.
 */
import { ConfigError } from '../errors.js';

export interface LossModel {
  /** True when the next packet is to be dropped. */
  drop(): boolean;
  readonly name: string;
}

/** mulberry32: a tiny 32-bit seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkProbability(what: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${what} must be within 0..1 (got ${v})`);
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError(`seed must be an integer within 0..4294967295 (got ${seed})`);
}

export function noLoss(): LossModel {
  return { name: 'none', drop: () => false };
}

/** Independent losses: each packet is dropped with probability pct / 100. */
export function bernoulli(pct: number, seed: number): LossModel {
  if (!(pct >= 0 && pct <= 100)) throw new RangeError(`loss % must be within 0..100 (got ${pct})`);
  checkSeed(seed);
  const rnd = mulberry32(seed);
  const p = pct / 100;
  return { name: `bernoulli:${pct}:seed=${seed}`, drop: () => rnd() < p };
}

export interface GilbertElliottOptions {
  /** P(good → bad) per packet. */
  p: number;
  /** P(bad → good) per packet. */
  r: number;
  /** Loss probability in the good state (default 0). */
  lossInGood?: number;
  /** Loss probability in the bad state (default 1). */
  lossInBad?: number;
  seed: number;
}

function geModel(opts: GilbertElliottOptions, name: string): LossModel {
  const { p, r, seed } = opts;
  const good = opts.lossInGood ?? 0;
  const bad = opts.lossInBad ?? 1;
  checkProbability('p', p);
  checkProbability('r', r);
  checkProbability('lossInGood', good);
  checkProbability('lossInBad', bad);
  checkSeed(seed);
  const rnd = mulberry32(seed);
  let inBad = false;
  return {
    name,
    drop: () => {
      // the packet sees the current state, then the chain steps (two draws per packet, always)
      const lost = rnd() < (inBad ? bad : good);
      const u = rnd();
      inBad = inBad ? u >= r : u < p;
      return lost;
    },
  };
}

/**
 * Two-state Markov (Gilbert-Elliott) loss, starting in the good state. With the default
 * per-state losses (0, 1) the mean loss is p / (p + r) and the mean loss burst is 1 / r packets.
 */
export function gilbertElliott(opts: GilbertElliottOptions): LossModel {
  const good = opts.lossInGood ?? 0;
  const bad = opts.lossInBad ?? 1;
  return geModel(opts, `ge:p=${opts.p}:r=${opts.r}:good=${good}:bad=${bad}:seed=${opts.seed}`);
}

/** The (p, r) of a Gilbert model (losses only in the bad state) for a mean loss and burst. */
export function gilbertParams(
  meanLossPct: number,
  meanBurstLength: number,
): { p: number; r: number } {
  if (!(meanLossPct >= 0 && meanLossPct < 100))
    throw new RangeError(`mean loss % must be within 0..100 (exclusive) (got ${meanLossPct})`);
  if (!(meanBurstLength >= 1))
    throw new RangeError(`mean burst length must be ≥ 1 (got ${meanBurstLength})`);
  const m = meanLossPct / 100;
  const r = 1 / meanBurstLength;
  const p = (r * m) / (1 - m);
  if (p > 1) {
    const maxPct = (100 * meanBurstLength) / (meanBurstLength + 1);
    throw new RangeError(
      `mean loss ${meanLossPct}% is not reachable with mean burst ${meanBurstLength} ` +
        `(at most ${maxPct.toFixed(2)}%)`,
    );
  }
  return { p, r };
}

/** Gilbert-Elliott with p, r chosen for a target mean loss (%) and mean loss-burst length. */
export function gilbertElliottForMean(
  meanLossPct: number,
  meanBurstLength: number,
  seed: number,
): LossModel {
  const { p, r } = gilbertParams(meanLossPct, meanBurstLength);
  return geModel({ p, r, seed }, `ge:${meanLossPct}:burst=${meanBurstLength}:seed=${seed}`);
}

export const DEFAULT_SEED = 1;
export const DEFAULT_BURST = 4;

function specError(spec: string, why: string): ConfigError {
  return new ConfigError(
    'CONFIG_INVALID',
    `bad loss spec ${JSON.stringify(spec)}: ${why} ` +
      `(expected none, bernoulli:<pct>[:seed=<n>], ge:<pct>[:burst=<len>][:seed=<n>] ` +
      `or ge:p=<p>:r=<r>[:good=<l>][:bad=<l>][:seed=<n>])`,
  );
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a loss spec (see the module comment); throws a ConfigError naming the problem. */
export function parseLossSpec(s: string): LossModel {
  const spec = s.trim();
  const [kind = '', ...rest] = spec.split(':');
  const kv = new Map<string, number>();
  let pct: number | undefined;
  for (const [i, field] of rest.entries()) {
    const eq = field.indexOf('=');
    const key = eq < 0 ? '' : field.slice(0, eq).trim().toLowerCase();
    const text = (eq < 0 ? field : field.slice(eq + 1)).trim();
    if (!NUMBER.test(text)) throw specError(s, `${JSON.stringify(field)} is not a number`);
    const value = Number(text);
    if (key === '') {
      if (i !== 0) throw specError(s, `unexpected positional field ${JSON.stringify(field)}`);
      pct = value;
    } else {
      if (kv.has(key)) throw specError(s, `${key} given twice`);
      kv.set(key, value);
    }
  }
  const allow = (keys: string[]): void => {
    for (const k of kv.keys())
      if (!keys.includes(k)) throw specError(s, `unknown key ${JSON.stringify(k)} for ${kind}`);
  };
  const seed = kv.get('seed') ?? DEFAULT_SEED;
  try {
    switch (kind.toLowerCase()) {
      case 'none':
        if (rest.length > 0) throw specError(s, 'none takes no fields');
        return noLoss();
      case 'bernoulli':
        allow(['seed']);
        if (pct === undefined) throw specError(s, 'missing loss %');
        return bernoulli(pct, seed);
      case 'ge':
        if (pct !== undefined) {
          allow(['burst', 'seed']);
          return gilbertElliottForMean(pct, kv.get('burst') ?? DEFAULT_BURST, seed);
        }
        allow(['p', 'r', 'good', 'bad', 'seed']);
        {
          const p = kv.get('p');
          const r = kv.get('r');
          if (p === undefined || r === undefined)
            throw specError(s, 'missing loss % (or p= and r=)');
          return gilbertElliott({
            p,
            r,
            lossInGood: kv.get('good'),
            lossInBad: kv.get('bad'),
            seed,
          });
        }
      default:
        throw specError(s, `unknown model ${JSON.stringify(kind)}`);
    }
  } catch (err) {
    if (err instanceof RangeError) throw specError(s, err.message);
    throw err;
  }
}
