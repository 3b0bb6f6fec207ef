import { z } from 'zod';
import { isIsoDay } from '../schema/source/tables';
import { seedFromString } from './prng';

/** Preset sizes; `--users` / `--events` override either number. */
export const SCALES = {
  small: { users: 1_000, events: 200_000 },
  medium: { users: 50_000, events: 5_000_000 },
  large: { users: 1_000_000, events: 50_000_000 },
} as const;

export type Scale = keyof typeof SCALES;

const count = (max: number) => z.coerce.number().int().min(1).max(max);

/** What `analytics seed` accepts (strings from the command line are coerced). */
export const seedOptionsSchema = z.object({
  /** @default 'small' */
  scale: z.enum(['small', 'medium', 'large']).default('small'),
  /** Users in total, across tenants. @default the scale's */
  users: count(10_000_000).optional(),
  /** Events in total, across every event table (sessions included). @default the scale's */
  events: count(1_000_000_000).optional(),
  /** Days of events, ending on `endDate`. @default 30 */
  days: count(3_660).default(30),
  /** Any text; the same seed gives the same rows. @default '1' */
  seed: z.union([z.string().min(1), z.number()]).default('1'),
  /** Last day of data (UTC), YYYY-MM-DD. @default yesterday (UTC) */
  endDate: z.string().refine(isIsoDay, 'expected a calendar date as YYYY-MM-DD').optional(),
  /** Truncate every User Module table first (in the seed's transaction). @default false */
  reset: z.boolean().default(false),
});

export type SeedOptionsInput = z.input<typeof seedOptionsSchema>;

/** Fully resolved: what `generate()` needs and nothing it would have to guess. */
export interface GenerateOptions {
  users: number;
  events: number;
  days: number;
  /** The 32-bit seed every random stream derives from. */
  seed: number;
  /** Text the seed came from, for messages. */
  seedText: string;
  endDate: string;
}

export interface ResolvedSeedOptions extends GenerateOptions {
  scale: Scale;
  reset: boolean;
}

export class SeedOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedOptionsError';
  }
}

const flag = (key: PropertyKey | undefined) =>
  `--${String(key ?? 'options').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Validates raw options (CLI strings or test objects); a bad one throws naming the flag. */
export function resolveSeedOptions(raw: SeedOptionsInput, today: Date = new Date()): ResolvedSeedOptions {
  const parsed = seedOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const got = (raw as Record<string, unknown>)[String(i.path[0])];
      return `${flag(i.path[0])}: ${i.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    });
    throw new SeedOptionsError(`invalid seed options:\n  ${lines.join('\n  ')}`);
  }
  const o = parsed.data;
  const yesterday = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 1));
  const seedText = String(o.seed);
  return {
    scale: o.scale,
    users: o.users ?? SCALES[o.scale].users,
    events: o.events ?? SCALES[o.scale].events,
    days: o.days,
    seed: seedFromString(seedText),
    seedText,
    endDate: o.endDate ?? yesterday.toISOString().slice(0, 10),
    reset: o.reset,
  };
}
