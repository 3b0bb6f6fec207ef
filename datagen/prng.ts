/**
 * Seeded randomness for the sample-data generator. Everything derives from the user's seed through these
 * functions, so a seed reproduces the data byte for byte (Math.random is never used).
 */

/** Uniform random numbers; the distributions only need this. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
}

/** murmur3's finaliser: every input bit affects every output bit. */
export function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit hash of up to four integers (order matters): derives independent sub-seeds from the main seed. */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b | 0, 0x27d4eb2d) ^ (b / 4294967296));
  h = mix32(h ^ Math.imul(c | 0, 0x165667b1) ^ (c / 4294967296));
  h = mix32(h ^ Math.imul(d | 0, 0x61c88647) ^ (d / 4294967296));
  return h;
}

/** A uniform float in [0, 1) from the same inputs as hash32, for stateless per-entity draws. */
export function hashUnit(a: number, b = 0, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 4294967296;
}

/** FNV-1a, so `--seed demo` is as valid as `--seed 42` (numbers are hashed as their decimal text). */
export function seedFromString(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return mix32(h);
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

/**
 * xoshiro128** (Blackman & Vigna): 128-bit state, fast with 32-bit integer ops, good statistical quality.
 * Reseedable in place because the generator derives a fresh stream per day and per session.
 */
export class Xoshiro128 implements Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    this.reseed(seed);
  }

  /** A generator in an exact state (known-answer tests against the reference implementation). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = s0 | 0;
    g.s1 = s1 | 0;
    g.s2 = s2 | 0;
    g.s3 = s3 | 0;
    return g;
  }

  /** Fills the state with splitmix32 so nearby seeds give unrelated streams. */
  reseed(seed: number): this {
    let z = seed | 0;
    const step = () => {
      z = (z + 0x9e3779b9) | 0;
      let t = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      return t ^ (t >>> 15);
    };
    this.s0 = step();
    this.s1 = step();
    this.s2 = step();
    this.s3 = step();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    return this;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
