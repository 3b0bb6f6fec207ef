/**
 * Calendar-day arithmetic for retention, in UTC and on `YYYY-MM-DD` strings (which sort like the days they name).
 * Pure: used by the planner, the workflow (its sandbox has no date library) and the CLI.
 */
const DAY_MS = 86_400_000;
const SHAPE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar day written `YYYY-MM-DD`. */
export function isCalendarDay(day: string): boolean {
  if (!SHAPE.test(day)) return false;
  const t = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === day;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Start of `day` (00:00 UTC). */
export function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

/**
 * The first day still kept under a retention of `keepDays` as of `asOf`: anything dated before it is past retention
 * (`d < asOf - keepDays`), so `keepDays` whole days before `asOf`, and `asOf` itself, are kept.
 */
export function retentionCutoff(asOf: string, keepDays: number): string {
  return addDays(asOf, -keepDays);
}

/**
 * The lake partition an object key belongs to: the first segment is the table, the first `dt=YYYY-MM-DD` segment
 * after it the day (`users/dt=2026-11-27/part-0.parquet`, `users/dt=2026-11-27/_gen=…/part-0.parquet`). Undefined for
 * keys outside a partition, or under a `_`/`.` top-level area (scratch, health probes).
 */
export function partitionOfKey(key: string): { table: string; prefix: string; day: string } | undefined {
  const segments = key.split('/');
  const table = segments[0] ?? '';
  if (table === '' || table.startsWith('_') || table.startsWith('.')) return undefined;
  const i = segments.findIndex((s, idx) => idx > 0 && s.startsWith('dt='));
  if (i < 1 || i === segments.length - 1) return undefined;
  const day = segments[i]!.slice(3);
  if (!isCalendarDay(day)) return undefined;
  return { table, prefix: segments.slice(0, i + 1).join('/'), day };
}
