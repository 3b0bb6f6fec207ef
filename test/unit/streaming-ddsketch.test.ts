import { describe, expect, it } from 'vitest';
import { lognormal } from '../../datagen/distributions';
import { Xoshiro128 } from '../../datagen/prng';
import { DDSketch, mergeSketchJson, quantilesOfSketchJson, RELATIVE_ACCURACY } from '../../streaming/ddsketch';

/** DDSketch: quantiles within the relative accuracy of exact ones, and merges that are exact. */
const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

describe('DDSketch', () => {
  it('answers quantiles within 1 % of the exact ones on skewed data', () => {
    const rng = new Xoshiro128(42);
    const values = Array.from({ length: 50_000 }, () => lognormal(rng, Math.log(80), 1.1));
    const sketch = new DDSketch();
    for (const v of values) sketch.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
      const want = exact(sorted, q);
      const got = sketch.quantile(q)!;
      expect(Math.abs(got - want) / want, `q=${q}`).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
    expect(sketch.count).toBe(50_000);
  });

  it('merges exactly: per-minute sketches merged equal the sketch of the hour', () => {
    const rng = new Xoshiro128(7);
    const hour = new DDSketch();
    let merged = new DDSketch().toJSON();
    for (let minute = 0; minute < 60; minute++) {
      const m = new DDSketch();
      for (let i = 0; i < 200; i++) {
        const v = Math.round(lognormal(rng, Math.log(40 + minute), 0.8));
        m.add(v);
        hour.add(v);
      }
      merged = mergeSketchJson(merged, m.toJSON());
    }
    expect(merged).toBe(hour.toJSON());
    expect(quantilesOfSketchJson(merged, [0.5, 0.95])).toEqual([hour.quantile(0.5), hour.quantile(0.95)]);
  });

  it('counts zeros, refuses negative values and other accuracies, and is empty-safe', () => {
    const s = new DDSketch().add(0, 3).add(10);
    expect(s.quantile(0.5)).toBe(0);
    expect(s.quantile(1)).toBeCloseTo(10, 0);
    expect(() => s.add(-1)).toThrow(RangeError);
    expect(() => s.add(Number.NaN)).toThrow(RangeError);
    expect(new DDSketch().quantile(0.5)).toBeUndefined();
    expect(() => DDSketch.fromJSON('{"a":0.02,"z":0,"b":[]}')).toThrow(/relative accuracy/);
    expect(DDSketch.fromJSON(s.toJSON()).toJSON()).toBe(s.toJSON());
  });
});
