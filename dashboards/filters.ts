import { z } from 'zod';

/** The widest range one request may ask for: a year and a day (a leap year's days plus today). */
export const MAX_RANGE_DAYS = 366;
/** The default range: this many days ending on the newest day with data. */
export const DEFAULT_RANGE_DAYS = 30;

const DAY_MS = 86_400_000;
export const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, n: number) => new Date(dayMs(day) + n * DAY_MS).toISOString().slice(0, 10);
/** Days from `from` to `to`, both included. */
export const spanDays = (from: string, to: string) => Math.round((dayMs(to) - dayMs(from)) / DAY_MS) + 1;

const isCalendarDay = (value: string) => {
  const ms = dayMs(value);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === value;
};

const day = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what} must be a day as YYYY-MM-DD`)
    .refine(isCalendarDay, `${what} is not a calendar day`)
    .describe(`${what} (YYYY-MM-DD, UTC), included`);

/**
 * The query string of `GET /dashboards/api/<name>`: every field optional. Without `from`/`to` the range is the
 * `DEFAULT_RANGE_DAYS` days ending on the newest day with data; an empty or absent `tenant` means all tenants.
 */
export const dashboardQuerySchema = z
  .strictObject({
    tenant: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_.:-]*$/, 'tenant must be a tenant id (letters, digits, . _ : -)')
      .optional()
      .describe('Tenant id (dim_tenants.tenant_id); empty or absent: all tenants.'),
    from: day('from').optional(),
    to: day('to').optional(),
  })
  .superRefine((q, ctx) => {
    if (!q.from || !q.to || !isCalendarDay(q.from) || !isCalendarDay(q.to)) return;
    if (q.from > q.to)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `from (${q.from}) is after to (${q.to})` });
    else if (spanDays(q.from, q.to) > MAX_RANGE_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `the range covers ${spanDays(q.from, q.to)} days; at most ${MAX_RANGE_DAYS}`,
      });
    }
  });

export type DashboardQuery = z.output<typeof dashboardQuerySchema>;
