import { z } from 'zod';

const DAY_MS = 86_400_000;

/** A real calendar day `YYYY-MM-DD`; spelled out because zod's iso helpers misbehave in the workflow sandbox. */
export const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date as YYYY-MM-DD', abort: true })
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
  }, 'not a calendar date');

/** `YYYY-MM-DD` of an instant (UTC). */
export const isoDayOf = (t: number | Date): string => new Date(t).toISOString().slice(0, 10);

/** Midnight UTC of a day, ms since the epoch. */
export const dayStartMs = (day: string): number => Date.parse(`${day}T00:00:00Z`);

export const addDays = (day: string, n: number): string => isoDayOf(dayStartMs(day) + n * DAY_MS);

/** Days from `from` to `to`, inclusive (UTC calendar); empty when `from` is after `to`. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = dayStartMs(from); t <= dayStartMs(to); t += DAY_MS) out.push(isoDayOf(t));
  return out;
}

/** Inclusive number of days from `from` to `to`. */
export const dayCount = (from: string, to: string): number =>
  Math.round((dayStartMs(to) - dayStartMs(from)) / DAY_MS) + 1;
