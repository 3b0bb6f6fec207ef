import type { Rng } from './prng';

/** Standard normal by Box-Muller; the second variate is dropped so a draw never depends on an earlier one. */
export function normal(rng: Rng): number {
  const u1 = 1 - rng.next();
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Long right tail (session lengths, latencies): median e^mu, mean e^(mu + sigma²/2). */
export function lognormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(mu + sigma * normal(rng));
}

export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

/** Knuth's method for small means (the generator's per user-day rates); a rounded normal above 30. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Pareto with minimum 1: the extreme tail (the odd very slow request). */
export function pareto(rng: Rng, alpha: number): number {
  return Math.pow(1 - rng.next(), -1 / alpha);
}

/** floor(x) or floor(x)+1 with the probability that keeps the mean exactly x. */
export function randomRound(rng: Rng, x: number): number {
  const base = Math.floor(x);
  return rng.next() < x - base ? base + 1 : base;
}

/** Weights ∝ 1/rank^s, normalised: tenant sizes follow it (a few giants, a long tail of small ones). */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += w[k] = 1 / Math.pow(k + 1, s);
  for (let k = 0; k < n; k++) w[k] = (w[k] ?? 0) / sum;
  return w;
}

/** Cumulative distribution of non-negative weights, ending exactly at 1. */
export function cumulative(weights: ArrayLike<number>): Float64Array {
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i] ?? 0;
  if (!(sum > 0)) throw new Error('cumulative(): weights must have a positive sum');
  let acc = 0;
  for (let i = 0; i < weights.length; i++) cdf[i] = acc += (weights[i] ?? 0) / sum;
  cdf[weights.length - 1] = 1;
  return cdf;
}

/** The index whose cdf interval holds u ∈ [0, 1) (binary search). */
export function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] ?? 1) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Splits `total` into integer parts proportional to `weights`, each at least `min` (largest remainders):
 * deterministic sizes rather than sampled ones, so small scales still get the intended shape.
 */
export function apportion(total: number, weights: ArrayLike<number>, min = 0): Int32Array {
  const n = weights.length;
  const parts = new Int32Array(n);
  const spare = total - min * n;
  if (spare < 0) throw new Error(`apportion(): ${total} cannot give ${n} parts at least ${min} each`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] ?? 0;
  const remainders: { i: number; r: number }[] = [];
  let given = 0;
  for (let i = 0; i < n; i++) {
    const exact = (spare * (weights[i] ?? 0)) / sum;
    const whole = Math.floor(exact);
    parts[i] = min + whole;
    given += whole;
    remainders.push({ i, r: exact - whole });
  }
  remainders.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; k < spare - given; k++) {
    const entry = remainders[k % n];
    if (entry) parts[entry.i] = (parts[entry.i] ?? 0) + 1;
  }
  return parts;
}

export const logistic = (x: number): number => 1 / (1 + Math.exp(-x));
