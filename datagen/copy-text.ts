/**
 * Row encoding for `COPY ... FROM STDIN` in PostgreSQL's text format. Generated values never contain tabs,
 * newlines or backslashes (see catalog.ts), so fields are written without escaping.
 */

export const NULL = '\\N';
export const DAY_MS = 86_400_000;

/** A run of encoded rows handed to a sink in one piece. */
export interface CopyBatch {
  text: string;
  rows: number;
}

const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();

/**
 * `YYYY-MM-DD HH:MM:SS.mmm+00` for an integer epoch-ms. Faster than Date#toISOString (called tens of millions
 * of times at the large scale): the date part is cached per day and the time of day comes from lookup tables.
 */
export function formatTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = `${new Date(day * DAY_MS).toISOString().slice(0, 10)} `;
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${pad2[hours]}:${pad2[minutes]}:${pad2[seconds]}.${pad3[rest - seconds * 1000]}+00`;
}

/** Accumulates rows into ~64 KiB batches: large enough to amortise a write, small enough to stream. */
export class BatchWriter {
  private text = '';
  private rows = 0;

  constructor(private readonly limit = 64 * 1024) {}

  /** Appends one row given as its tab-joined fields (without the newline). */
  row(fields: string): void {
    this.text += fields + '\n';
    this.rows++;
  }

  get full(): boolean {
    return this.text.length >= this.limit;
  }

  take(): CopyBatch {
    const batch = { text: this.text, rows: this.rows };
    this.text = '';
    this.rows = 0;
    return batch;
  }

  get pending(): number {
    return this.rows;
  }
}
