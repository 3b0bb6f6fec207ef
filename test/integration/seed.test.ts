import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type SeedSink } from '../../datagen/generate';
import { planAttacks } from '../../datagen/incidents';
import { resolveSeedOptions, type SeedOptionsInput } from '../../datagen/options';
import { pgCopySink } from '../../datagen/pg-sink';
import { populatedTables, seed, SeedRefusedError } from '../../datagen/seed';
import { buildWorld } from '../../datagen/world';
import { extractQuery, SOURCE_TABLES, sourceTable } from '../../schema/source/tables';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db';

const END = '2026-01-31';
const base: SeedOptionsInput = { scale: 'small', days: 30, endDate: END, seed: 'alpha' };
const options = (extra: Partial<SeedOptionsInput> = {}) => resolveSeedOptions({ ...base, ...extra });
const EVENT_TABLES = SOURCE_TABLES.filter((t) => t.kind === 'event').map((t) => t.name);

let db: ScratchDb;
beforeAll(async () => {
  db = await createScratchDb('seed_test');
});
afterAll(async () => db?.drop());

async function count(table: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(`select count(*) as n from ${table}`);
  return Number(rows[0]?.n);
}

/** One md5 per table over every row, independent of physical order. */
async function checksums(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of SOURCE_TABLES) {
    const { rows } = await db.pool.query<{ md5: string }>(
      `select md5(string_agg(x::text, ',' order by x::text)) as md5 from ${t.name} x`,
    );
    out[t.name] = rows[0]?.md5 ?? '';
  }
  return out;
}

/** Makes the sink fail once `table` has passed `after` rows to it, the way a crashed generator would. */
function failingAfter(table: string, after: number): (sink: SeedSink) => SeedSink {
  return (sink) => ({
    copy(t, batches) {
      if (t.name !== table) return sink.copy(t, batches);
      return sink.copy(
        t,
        (function* () {
          let rows = 0;
          for (const b of batches) {
            rows += b.rows;
            if (rows > after) throw new Error(`injected failure after ${after} ${table} rows`);
            yield b;
          }
        })(),
      );
    },
  });
}

/** Rewrites one row so PostgreSQL itself rejects it (a status code the CHECK constraint forbids). */
function invalidRowIn(table: string): (sink: SeedSink) => SeedSink {
  return (sink) => ({
    copy(t, batches) {
      if (t.name !== table) return sink.copy(t, batches);
      return sink.copy(
        t,
        (function* () {
          let first = true;
          for (const b of batches) {
            if (first) {
              first = false;
              const [row = '', ...rest] = b.text.split('\n');
              const fields = row.split('\t');
              fields[5] = '999';
              yield { text: [fields.join('\t'), ...rest].join('\n'), rows: b.rows };
            } else yield b;
          }
        })(),
      );
    },
  });
}

describe('analytics seed (small)', { timeout: 180_000 }, () => {
  let first: Record<string, string>;

  it('writes counts in the expected ranges, all inside the window', async () => {
    const result = await seed(db.pool, options());
    for (const t of SOURCE_TABLES) expect(await count(t.name), t.name).toBe(result.counts[t.name]);
    expect(result.counts.users).toBe(1000);
    expect(result.counts.tenants).toBe(25);
    expect(result.counts.permissions).toBe(16);
    const events = EVENT_TABLES.reduce((sum, t) => sum + result.counts[t], 0);
    expect(events).toBeGreaterThan(170_000);
    expect(events).toBeLessThan(230_000);
    expect(result.counts.sessions).toBeGreaterThan(8_000);
    expect(result.counts.activity_events).toBeGreaterThan(result.counts.api_requests);
    for (const t of EVENT_TABLES) expect(result.counts[t], t).toBeGreaterThan(1_000);
    expect(result.counts.legal_holds).toBeGreaterThan(0);

    for (const t of SOURCE_TABLES) {
      if (t.kind !== 'event') continue;
      const { rows } = await db.pool.query<{ early: string; late: string }>(
        `select count(*) filter (where ${t.timestampColumn} < '2026-01-02T00:00:00Z') as early,
                count(*) filter (where ${t.timestampColumn} >= '2026-02-01T00:00:00Z') as late from ${t.name}`,
      );
      expect(rows[0], t.name).toEqual({ early: '0', late: '0' });
    }
    // users.last_login_at is the latest session start, as the application would record it.
    const { rows: logins } = await db.pool.query<{ n: string }>(
      `select count(*) as n from users u
        where u.last_login_at is distinct from (select max(started_at) from sessions s where s.user_id = u.user_id)`,
    );
    expect(logins[0]?.n).toBe('0');
    first = await checksums();
  });

  it('refuses to seed over existing data without --reset, leaving it untouched', async () => {
    const err = await seed(db.pool, options({ seed: 'other' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedRefusedError);
    expect((err as Error).message).toMatch(/already holds User Module data.*--reset/);
    expect(await checksums()).toEqual(first);
  });

  it('is deterministic: the same seed gives identical tables, another seed different ones', async () => {
    await seed(db.pool, options({ reset: true }));
    expect(await checksums()).toEqual(first);

    await seed(db.pool, options({ reset: true, seed: 'beta' }));
    const other = await checksums();
    for (const t of ['tenants', 'users', 'sessions', 'auth_events', 'activity_events', 'api_requests']) {
      expect(other[t], t).not.toBe(first[t]);
    }
    // The static catalogue does not depend on the seed: equal checksums there show the comparison is fair.
    expect(other.permissions).toBe(first.permissions);
  });

  it('gives the same rows when a table is split over several COPY statements', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query(`truncate ${SOURCE_TABLES.map((t) => t.name).join(', ')}`);
      const counts = await generate(options(), pgCopySink(client, 997));
      await client.query('commit');
      expect(counts.activity_events).toBeGreaterThan(10 * 997);
    } finally {
      client.release();
    }
    expect(await checksums()).toEqual(first);
  });

  it('a failed reseed rolls back to the previous data, and a failed first seed leaves nothing', async () => {
    await expect(
      seed(db.pool, { ...options({ reset: true }) }, { wrapSink: failingAfter('activity_events', 5_000) }),
    ).rejects.toThrow(/injected failure after 5000 activity_events rows/);
    expect(await checksums()).toEqual(first);

    await db.pool.query(`truncate ${SOURCE_TABLES.map((t) => t.name).join(', ')}`);
    await expect(seed(db.pool, options(), { wrapSink: failingAfter('permission_checks', 100) })).rejects.toThrow(
      /injected failure/,
    );
    const client = await db.pool.connect();
    try {
      expect(await populatedTables(client)).toEqual([]);
    } finally {
      client.release();
    }

    await expect(seed(db.pool, options(), { wrapSink: invalidRowIn('api_requests') })).rejects.toThrow(
      /api_requests_status_code_check/,
    );
    for (const t of SOURCE_TABLES) expect(await count(t.name), t.name).toBe(0);
    await seed(db.pool, options());
    expect(await checksums()).toEqual(first);
  });

  it('contains the planned brute-force and credential-stuffing attacks, and nothing that looks like one', async () => {
    const attacks = planAttacks(buildWorld(options()));
    const plannedBrute = attacks.filter((a) => a.kind === 'brute_force').map((a) => a.ip);
    const plannedStuffing = attacks.filter((a) => a.kind === 'credential_stuffing').map((a) => a.ip);
    expect(plannedBrute.length).toBeGreaterThanOrEqual(2);
    expect(plannedStuffing.length).toBeGreaterThanOrEqual(1);

    // Brute force: one address, one account, dozens of failures within an hour.
    const { rows: brute } = await db.pool.query<{ ip: string }>(
      `select distinct host(ip) as ip from auth_events
        where event_type = 'login_failure' and user_id is not null
        group by ip, user_id, date_trunc('hour', occurred_at) having count(*) >= 20`,
    );
    // Credential stuffing: one address trying many different emails, mostly of no account at all.
    const { rows: stuffing } = await db.pool.query<{ ip: string }>(
      `select host(ip) as ip from auth_events where event_type = 'login_failure'
        group by ip
       having count(distinct attempted_email) >= 100 and avg((user_id is null)::int) > 0.7`,
    );
    expect(brute.map((r) => r.ip).sort()).toEqual([...plannedBrute].sort());
    expect(stuffing.map((r) => r.ip).sort()).toEqual([...plannedStuffing].sort());
    const { rows: lockouts } = await db.pool.query<{ n: string }>(
      `select count(*) as n from auth_events where failure_reason = 'account_locked'`,
    );
    expect(Number(lockouts[0]?.n)).toBeGreaterThan(0);
  });

  it('follows office hours and the working week in each user’s local time', async () => {
    const { rows } = await db.pool.query<{ business: string; night: string; weekday: string; weekend: string }>(
      `with local as (
         select e.occurred_at at time zone u.timezone as t from activity_events e join users u using (user_id)
       )
       select count(*) filter (where extract(hour from t) between 9 and 16) / 8.0 as business,
              count(*) filter (where extract(hour from t) between 0 and 5) / 6.0 as night,
              count(*) filter (where extract(isodow from t) between 1 and 5) / 5.0 as weekday,
              count(*) filter (where extract(isodow from t) in (6, 7)) / 2.0 as weekend
         from local`,
    );
    const r = rows[0];
    expect(Number(r?.business)).toBeGreaterThan(10 * Number(r?.night));
    expect(Number(r?.weekday)).toBeGreaterThan(3 * Number(r?.weekend));
  });

  it('has long tails: session lengths and API latencies', async () => {
    const { rows } = await db.pool.query<{ p50: number; p99: number; lat50: number; lat999: number }>(
      `select (select percentile_cont(0.5) within group (order by extract(epoch from ended_at - started_at))
                 from sessions where ended_at is not null) as p50,
              (select percentile_cont(0.99) within group (order by extract(epoch from ended_at - started_at))
                 from sessions where ended_at is not null) as p99,
              (select percentile_cont(0.5) within group (order by duration_ms) from api_requests) as lat50,
              (select percentile_cont(0.999) within group (order by duration_ms) from api_requests) as lat999`,
    );
    const r = rows[0];
    expect(Number(r?.p99)).toBeGreaterThan(10 * Number(r?.p50));
    expect(Number(r?.lat999)).toBeGreaterThan(20 * Number(r?.lat50));
  });

  it('extracts one day through the timestamp index', async () => {
    const table = sourceTable('activity_events');
    const sql = extractQuery(table, '2026-01-15');
    const { rows: plan } = await db.pool.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${sql}`);
    expect(JSON.stringify(plan)).toContain('activity_events_occurred_at_idx');
    const { rows } = await db.pool.query<{ n: string; out: string }>(
      `select count(*) as n, count(*) filter (where (occurred_at at time zone 'UTC')::date <> '2026-01-15') as out
         from (${sql}) x`,
    );
    expect(Number(rows[0]?.n)).toBeGreaterThan(1000);
    expect(rows[0]?.out).toBe('0');
  });
});
