import { describe, expect, it } from 'vitest';
import {
  apportion,
  cumulative,
  exponential,
  lognormal,
  normal,
  pick,
  poisson,
  randomRound,
  zipfWeights,
} from '../../datagen/distributions';
import { hash32, hashUnit, seedFromString, Xoshiro128 } from '../../datagen/prng';

const N = 200_000;
const sample = (f: () => number, n = N) => Array.from({ length: n }, f);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('Xoshiro128', () => {
  it('matches the reference xoshiro128** outputs from state {1, 2, 3, 4}', () => {
    const g = Xoshiro128.fromState(1, 2, 3, 4);
    expect([g.nextU32(), g.nextU32(), g.nextU32()]).toEqual([11520, 0, 5927040]);
  });

  it('replays a seed exactly, and different seeds give different streams', () => {
    const g1 = new Xoshiro128(42);
    const g2 = new Xoshiro128(42);
    const g3 = new Xoshiro128(43);
    const s1 = sample(() => g1.nextU32(), 1000);
    expect(sample(() => g2.nextU32(), 1000)).toEqual(s1);
    expect(sample(() => g3.nextU32(), 1000)).not.toEqual(s1);
    expect(new Xoshiro128(7).reseed(42).nextU32()).toBe(new Xoshiro128(42).nextU32());
  });

  it('is uniform on [0, 1): chi-square over 100 buckets', () => {
    const g = new Xoshiro128(seedFromString('uniform'));
    const buckets = new Array<number>(100).fill(0);
    let outside = 0;
    for (let i = 0; i < N; i++) {
      const x = g.next();
      if (!(x >= 0 && x < 1)) outside++;
      else buckets[Math.floor(x * 100)]! += 1;
    }
    expect(outside).toBe(0);
    const expected = N / 100;
    const chi2 = buckets.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 99.9th percentile is about 148.
    expect(chi2).toBeLessThan(148);
  });

  it('int(n) covers [0, n) only', () => {
    const g = new Xoshiro128(1);
    const seen = new Set(sample(() => g.int(7), 5000));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('hashing', () => {
  it('is deterministic, order-sensitive and spreads nearby inputs', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(hash32(1, 2, 3)).not.toBe(hash32(1, 3, 2));
    expect(hash32(1, 2 ** 40)).not.toBe(hash32(1, 2 ** 40 + 2 ** 32));
    const units = sample(
      (() => {
        let i = 0;
        return () => hashUnit(9, i++);
      })(),
      50_000,
    );
    expect(mean(units)).toBeCloseTo(0.5, 2);
    expect(seedFromString('42')).toBe(seedFromString('42'));
    expect(seedFromString('42')).not.toBe(seedFromString('43'));
  });
});

describe('distributions', () => {
  const g = new Xoshiro128(seedFromString('distributions'));

  it('normal has mean 0 and variance 1', () => {
    const xs = sample(() => normal(g));
    expect(mean(xs)).toBeCloseTo(0, 1);
    expect(variance(xs)).toBeCloseTo(1, 1);
  });

  it('lognormal has median e^mu and a long right tail', () => {
    const xs = sample(() => lognormal(g, Math.log(18), 1.1));
    expect(median(xs) / 18).toBeGreaterThan(0.97);
    expect(median(xs) / 18).toBeLessThan(1.03);
    expect(mean(xs)).toBeGreaterThan(1.5 * median(xs));
  });

  it('exponential has the requested mean', () => {
    expect(mean(sample(() => exponential(g, 3))) / 3).toBeCloseTo(1, 1);
  });

  it('poisson has mean = variance = lambda, small and large', () => {
    for (const lambda of [0.3, 4, 50]) {
      const xs = sample(() => poisson(g, lambda), 100_000);
      expect(Math.abs(mean(xs) - lambda) / lambda, `mean at ${lambda}`).toBeLessThan(0.03);
      expect(Math.abs(variance(xs) - lambda) / lambda, `variance at ${lambda}`).toBeLessThan(0.06);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    }
    expect(poisson(g, 0)).toBe(0);
  });

  it('randomRound keeps the mean', () => {
    expect(mean(sample(() => randomRound(g, 2.3)))).toBeCloseTo(2.3, 1);
  });

  it('zipf weights decrease by rank and sum to 1', () => {
    const w = Array.from(zipfWeights(50, 1.1));
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    for (let i = 1; i < w.length; i++) expect(w[i]!).toBeLessThan(w[i - 1]!);
    expect(w[0]! / w[9]!).toBeCloseTo(10 ** 1.1, 6);
  });

  it('pick follows the weights of a cumulative distribution', () => {
    const cdf = cumulative([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let i = 0; i < N; i++) counts[pick(cdf, g.next())]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeCloseTo(3, 1);
    expect(() => cumulative([0, 0])).toThrow(/positive sum/);
  });

  it('apportion splits exactly, proportionally, with a minimum', () => {
    const parts = Array.from(apportion(1000, zipfWeights(25, 1.1), 1));
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.min(...parts)).toBeGreaterThanOrEqual(1);
    expect(parts[0]).toBe(Math.max(...parts));
    expect(() => apportion(3, [1, 1, 1, 1], 1)).toThrow();
  });
});
