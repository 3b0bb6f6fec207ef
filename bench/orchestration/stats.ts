/** Step boundaries of one chain run (epoch ms), in the order the steps ran. */
export interface Interval {
  start: number;
  end: number;
}

/** What one configuration's runs come to. */
export interface ChainStats {
  runs: number;
  /** Median over runs of (end of last step − start of first) / steps, ms. */
  perStepMs: number;
  /** Step-to-step gap (next start − previous end) over every pair of every run, ms. */
  gapMedianMs: number;
  gapP95Ms: number;
}

/** Nearest-rank quantile (q in 0..1) of a non-empty list. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  const value = sorted[rank];
  if (value === undefined) throw new Error('quantile of an empty list');
  return value;
}

export function chainStats(runs: Interval[][]): ChainStats {
  const perStep: number[] = [];
  const gaps: number[] = [];
  for (const steps of runs) {
    const first = steps[0];
    const last = steps.at(-1);
    if (!first || !last) throw new Error('a run without steps');
    perStep.push((last.end - first.start) / steps.length);
    steps.slice(1).forEach((next, i) => gaps.push(next.start - (steps[i]?.end ?? next.start)));
  }
  return {
    runs: runs.length,
    perStepMs: quantile(perStep, 0.5),
    gapMedianMs: quantile(gaps, 0.5),
    gapP95Ms: quantile(gaps, 0.95),
  };
}
