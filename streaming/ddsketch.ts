/**
 * DDSketch (Masson, Rim, Lee, VLDB 2019): a quantile sketch with a relative-error guarantee and exact merges. A
 * value v > 0 goes to bucket ceil(log_γ v) with γ = (1 + α) / (1 − α); every value of a bucket is within α of the
 * bucket's representative 2γ^i / (γ + 1). Buckets are counts, so merging two sketches adds counts: the merge of
 * per-minute sketches is exactly the sketch of the hour. Values ≤ `MIN_INDEXABLE` (latencies of 0 ms) count in a
 * zero bucket. Pure and deterministic: `toJSON` sorts the buckets, so equal sketches serialise to equal strings.
 */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const MIN_INDEXABLE = 1e-9;

interface SketchJson {
  /** Relative accuracy the buckets were made with: merging sketches of different accuracy is refused. */
  a: number;
  /** Count of values ≤ MIN_INDEXABLE. */
  z: number;
  /** Bucket index → count, as [index, count] pairs sorted by index. */
  b: [number, number][];
}

export class DDSketch {
  private readonly buckets = new Map<number, number>();
  private zero = 0;
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(value: number, count = 1): this {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`DDSketch takes finite values >= 0, got ${value}`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
    if (value <= MIN_INDEXABLE) this.zero += count;
    else {
      const index = Math.ceil(Math.log(value) / LOG_GAMMA);
      this.buckets.set(index, (this.buckets.get(index) ?? 0) + count);
    }
    this.total += count;
    return this;
  }

  merge(other: DDSketch): this {
    for (const [i, c] of other.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
    this.zero += other.zero;
    this.total += other.total;
    return this;
  }

  /** The q-quantile (0 ≤ q ≤ 1) within RELATIVE_ACCURACY of an exact one; undefined for an empty sketch. */
  quantile(q: number): number | undefined {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.total === 0) return undefined;
    const rank = q * (this.total - 1);
    if (rank < this.zero) return 0;
    let seen = this.zero;
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(i)!;
      if (seen > rank) return (2 * GAMMA ** i) / (GAMMA + 1);
    }
    const last = Math.max(...this.buckets.keys());
    return (2 * GAMMA ** last) / (GAMMA + 1);
  }

  toJSON(): string {
    const b = [...this.buckets.entries()].sort((x, y) => x[0] - y[0]);
    const json: SketchJson = { a: RELATIVE_ACCURACY, z: this.zero, b };
    return JSON.stringify(json);
  }

  static fromJSON(text: string): DDSketch {
    const json = JSON.parse(text) as SketchJson;
    if (json.a !== RELATIVE_ACCURACY) {
      throw new Error(`sketch of relative accuracy ${json.a} cannot merge with ${RELATIVE_ACCURACY}`);
    }
    const s = new DDSketch();
    s.zero = json.z;
    s.total = json.z;
    for (const [i, c] of json.b) {
      s.buckets.set(i, c);
      s.total += c;
    }
    return s;
  }
}

/** Merges two serialised sketches into one serialised sketch (what a window's row and a rollup do). */
export function mergeSketchJson(a: string, b: string): string {
  return DDSketch.fromJSON(a).merge(DDSketch.fromJSON(b)).toJSON();
}

/** Quantiles of a serialised sketch, in the order asked; undefined entries for an empty one. */
export function quantilesOfSketchJson(s: string, qs: readonly number[]): (number | undefined)[] {
  const sketch = DDSketch.fromJSON(s);
  return qs.map((q) => sketch.quantile(q));
}
