import { performance } from 'node:perf_hooks';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Rows and rows/s for one table, on stderr at most once a second, then a closing line. */
export class TableProgress {
  private readonly started = performance.now();
  private lastReport = this.started;

  constructor(
    private readonly table: string,
    private readonly log?: (line: string) => void,
  ) {}

  update(rows: number): void {
    if (!this.log) return;
    const now = performance.now();
    if (now - this.lastReport < 1000) return;
    this.lastReport = now;
    this.log(
      `  ${this.table.padEnd(21)} ${fmt(rows).padStart(12)} rows  ${fmt(this.rate(rows, now)).padStart(9)} rows/s`,
    );
  }

  done(rows: number): number {
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    this.log?.(
      `  ${this.table.padEnd(21)} ${fmt(rows).padStart(12)} rows  ${fmt(this.rate(rows, now)).padStart(9)} rows/s  ` +
        `(${seconds.toFixed(1)} s)`,
    );
    return seconds;
  }

  private rate(rows: number, now: number): number {
    return rows / Math.max((now - this.started) / 1000, 1e-3);
  }
}
