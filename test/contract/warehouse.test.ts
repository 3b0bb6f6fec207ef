import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import type { Warehouse } from '../../adapters/ports';
import type { ErasureSubject, TableErasure } from '../../schema/erasure';
import type { Dataset } from '../../schema/warehouse/types';
import { ParquetFixtures } from '../helpers/parquet-fixtures';
import { warehouseHarnesses } from '../helpers/warehouse-harnesses';

/** A small dataset of the same shape as user_analytics: a day-partitioned, tenant-clustered fact and a dimension. */
const dataset: Dataset = {
  name: 'contract_ua',
  description: 'Warehouse contract suite',
  tables: [
    {
      name: 'fact_events',
      kind: 'fact',
      description: 'one row per event',
      primaryKey: ['event_id'],
      partitionColumn: 'event_date',
      clusterBy: ['tenant_id'],
      columns: [
        { name: 'event_id', type: 'STRING', mode: 'REQUIRED', description: 'event id' },
        { name: 'event_date', type: 'DATE', mode: 'REQUIRED', description: 'partition day' },
        { name: 'tenant_id', type: 'STRING', mode: 'REQUIRED', description: 'tenant' },
        { name: 'user_id', type: 'STRING', description: 'actor', pii: true, erasure: 'tokenise' },
        { name: 'ip_address', type: 'STRING', description: 'client ip', pii: true, erasure: 'anonymise' },
        { name: 'duration_ms', type: 'INT64', description: 'duration' },
        { name: 'score', type: 'FLOAT64', description: 'score' },
        { name: 'occurred_at', type: 'TIMESTAMP', description: 'event time' },
      ],
    },
    {
      name: 'dim_users',
      kind: 'dimension',
      description: 'one row per user',
      primaryKey: ['user_id'],
      columns: [
        { name: 'user_id', type: 'STRING', mode: 'REQUIRED', description: 'user', erasure: 'delete_row' },
        { name: 'tenant_id', type: 'STRING', mode: 'REQUIRED', description: 'tenant' },
        { name: 'email', type: 'STRING', description: 'email', pii: true, erasure: 'delete_row' },
        { name: 'is_active', type: 'BOOL', description: 'active' },
      ],
    },
  ],
};
/** The contract dataset's erasure rules (schema/erasure's shape): facts keep the row under the token, the dimension row goes. */
const ERASURE_RULES: TableErasure[] = [
  {
    store: 'warehouse',
    table: 'fact_events',
    references: { user_id: 'tokenise' },
    owner: 'user_id',
    anonymise: ['ip_address'],
    emails: [],
  },
  {
    store: 'warehouse',
    table: 'dim_users',
    references: { user_id: 'delete_row' },
    anonymise: [],
    emails: ['email'],
    tenantColumn: 'tenant_id',
  },
];
const ERASED: ErasureSubject = {
  tenantId: 't1',
  userId: 'u1',
  email: 'B2@x.io',
  token: 'tok_8f3a',
  erasedAt: '2026-12-01T09:30:00.000Z',
};
const FACT = 'fact_events';
const DIM = 'dim_users';
const DAY1 = '2026-11-27';
const DAY2 = '2026-11-28';

async function expectPlatformError(promise: Promise<unknown>, type: string, mentions?: string): Promise<PlatformError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${type} PlatformError`).toBeInstanceOf(PlatformError);
  const platformError = err as PlatformError;
  expect(platformError.type, platformError.message).toBe(type);
  expect(platformError.nonRetryable).toBe(true);
  if (mentions) expect(platformError.message).toContain(mentions);
  return platformError;
}

/** SELECT producing fact rows for `day`: ids `<tag>-0..n-1`, tenants t1/t2, users u0..u2. */
const factRows = (day: string, n: number, tag = 'e') =>
  `SELECT '${tag}-' || i AS event_id, DATE '${day}' AS event_date, 't' || (i % 2 + 1) AS tenant_id,
          'u' || (i % 3) AS user_id, '10.0.0.' || i AS ip_address, (i * 10)::BIGINT AS duration_ms,
          i / 4 AS score, TIMESTAMPTZ '${day} 08:00:00+00' + to_seconds(i) AS occurred_at
   FROM range(${n}) t(i)`;

describe.each(warehouseHarnesses)('Warehouse contract: $name', ({ capabilities, missing, setup }) => {
  if (missing) console.warn(`skipping: ${missing}`);
  const fixtures = new ParquetFixtures();
  let warehouse: Warehouse;
  let stage: (file: string) => Promise<string>;
  let teardown: () => Promise<void>;
  const load = async (select: string) => [await stage(await fixtures.write(select))];
  const factCount = async (day: string) => (await warehouse.partitionStats(dataset, FACT, day)).rows;

  beforeAll(async () => {
    if (missing) return;
    ({ warehouse, stage, teardown } = await setup());
    await warehouse.ensureDataset(dataset);
  });
  afterAll(async () => {
    await warehouse?.close();
    await teardown?.();
    await fixtures.close();
  });

  describe.skipIf(Boolean(missing))('schema and partitions', () => {
    it('answers ping', async () => {
      expect((await warehouse.ping()).detail).toBeTruthy();
    });

    it('creates the dataset idempotently', async () => {
      await warehouse.ensureDataset(dataset);
      expect((await warehouse.tableStats(dataset, DIM)).rows).toBe(0);
    });

    it('replaces one day; re-running it leaves the same rows (no duplicates)', async () => {
      const files = await load(factRows(DAY1, 5));
      const first = await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY1,
        parquetFiles: files,
        jobKey: 'k-day1-a',
      });
      expect(first.rows).toBe(5);
      const again = await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY1,
        parquetFiles: files,
        jobKey: 'k-day1-b',
      });
      expect(again.rows).toBe(5);
      expect(await factCount(DAY1)).toBe(5);
    });

    it('replaces only its own day', async () => {
      await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY2,
        parquetFiles: await load(factRows(DAY2, 4, 'd2')),
        jobKey: 'k-day2',
      });
      await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY1,
        parquetFiles: await load(factRows(DAY1, 3)),
        jobKey: 'k-day1-c',
      });
      expect(await factCount(DAY1)).toBe(3);
      expect(await factCount(DAY2)).toBe(4);
      expect((await warehouse.tableStats(dataset, FACT)).rows).toBe(7);
    });

    it.skipIf(!capabilities.deterministicJobIds)('reuses the job of a retried load (same jobKey)', async () => {
      const files = await load(factRows(DAY2, 4, 'd2'));
      const a = await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY2,
        parquetFiles: files,
        jobKey: 'retried',
      });
      const b = await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY2,
        parquetFiles: files,
        jobKey: 'retried',
      });
      expect(b.jobIds).toEqual(a.jobIds);
      expect(b.rows).toBe(4);
    });

    it.skipIf(!capabilities.atomicPartitionReplace)('never shows a reader a half-replaced day', async () => {
      const small = await load(factRows(DAY1, 3));
      const big = await load(factRows(DAY1, 6));
      await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY1,
        parquetFiles: small,
        jobKey: 'atomic-start',
      });
      let writing = true;
      const seen = new Set<number>();
      const reader = (async () => {
        while (writing) seen.add(await factCount(DAY1));
      })();
      for (let i = 0; i < 4; i++) {
        await warehouse.replacePartition({
          dataset,
          table: FACT,
          date: DAY1,
          parquetFiles: i % 2 ? small : big,
          jobKey: `atomic-${i}`,
        });
      }
      writing = false;
      await reader;
      for (const n of seen) expect([3, 6]).toContain(n);
      expect(await factCount(DAY1)).toBe(3);
    });

    it('returns rows in one JSON-safe shape', async () => {
      const rows = await warehouse.query(
        `SELECT event_id, event_date, duration_ms, score, occurred_at, user_id IS NOT NULL AS has_user
         FROM contract_ua.fact_events WHERE event_date = @day AND event_id = @id`,
        { day: { type: 'DATE', value: DAY1 }, id: 'e-2' },
      );
      expect(rows).toEqual([
        {
          event_id: 'e-2',
          event_date: DAY1,
          duration_ms: 20,
          score: 0.5,
          occurred_at: `${DAY1}T08:00:02.000000Z`,
          has_user: true,
        },
      ]);
    });
  });

  describe.skipIf(Boolean(missing))('refusals leave the warehouse unchanged', () => {
    const unchanged = async (action: () => Promise<unknown>, type: string, mentions: string) => {
      const before = await factCount(DAY1);
      const total = (await warehouse.tableStats(dataset, FACT)).rows;
      await expectPlatformError(action(), type, mentions);
      expect(await factCount(DAY1)).toBe(before);
      expect((await warehouse.tableStats(dataset, FACT)).rows).toBe(total);
    };

    it.each(['2026-02-30', '27-11-2026', "2026-11-27'; DROP TABLE contract_ua.fact_events; --", ''])(
      'refuses the date %j',
      async (date) => {
        const files = await load(factRows(DAY1, 2));
        await unchanged(
          () => warehouse.replacePartition({ dataset, table: FACT, date, parquetFiles: files, jobKey: 'bad-date' }),
          ErrorType.InvalidInput,
          JSON.stringify(date),
        );
      },
    );

    it('refuses an unknown table, naming it', async () => {
      const files = await load(factRows(DAY1, 2));
      await unchanged(
        () =>
          warehouse.replacePartition({
            dataset,
            table: 'fact_events; DROP TABLE x',
            date: DAY1,
            parquetFiles: files,
            jobKey: 'k',
          }),
        ErrorType.UnknownTable,
        'fact_events; DROP TABLE x',
      );
      await expectPlatformError(warehouse.tableStats(dataset, 'nope'), ErrorType.UnknownTable, 'nope');
    });

    it('refuses a partition replace on an unpartitioned table', async () => {
      await expectPlatformError(
        warehouse.replacePartition({ dataset, table: DIM, date: DAY1, parquetFiles: ['x'], jobKey: 'k' }),
        ErrorType.InvalidInput,
        DIM,
      );
    });

    it('refuses Parquet with a column the table lacks', async () => {
      const files = await load(`SELECT *, 'x' AS surprise FROM (${factRows(DAY1, 2)})`);
      await unchanged(
        () => warehouse.replacePartition({ dataset, table: FACT, date: DAY1, parquetFiles: files, jobKey: 'k' }),
        ErrorType.UnknownColumn,
        'surprise',
      );
    });

    it('refuses Parquet whose column type does not fit', async () => {
      const files = await load(
        `SELECT * REPLACE (CAST(event_date AS VARCHAR) AS event_date) FROM (${factRows(DAY1, 2)})`,
      );
      await unchanged(
        () => warehouse.replacePartition({ dataset, table: FACT, date: DAY1, parquetFiles: files, jobKey: 'k' }),
        ErrorType.InvalidInput,
        'event_date',
      );
    });

    it('refuses Parquet missing a required column', async () => {
      const files = await load(`SELECT * EXCLUDE (tenant_id) FROM (${factRows(DAY1, 2)})`);
      await unchanged(
        () => warehouse.replacePartition({ dataset, table: FACT, date: DAY1, parquetFiles: files, jobKey: 'k' }),
        ErrorType.InvalidInput,
        'tenant_id',
      );
    });

    it('refuses rows of another day', async () => {
      const files = await load(`${factRows(DAY1, 2)} UNION ALL ${factRows(DAY2, 1, 'other')}`);
      await unchanged(
        () => warehouse.replacePartition({ dataset, table: FACT, date: DAY1, parquetFiles: files, jobKey: 'k' }),
        ErrorType.InvalidInput,
        DAY1,
      );
    });

    it('refuses a file that is not Parquet, and a missing one', async () => {
      const notParquet = path.join(fixtures.dir, 'not.parquet');
      fs.writeFileSync(notParquet, 'just text, long enough to look like something');
      await unchanged(
        async () =>
          warehouse.replacePartition({
            dataset,
            table: FACT,
            date: DAY1,
            parquetFiles: [await stage(notParquet)],
            jobKey: 'k',
          }),
        ErrorType.InvalidInput,
        'not.parquet',
      );
      const gone = (await load(factRows(DAY1, 1)))[0]?.replace(/fixture-\d+/, 'gone') ?? '';
      await unchanged(
        () => warehouse.replacePartition({ dataset, table: FACT, date: DAY1, parquetFiles: [gone], jobKey: 'k' }),
        ErrorType.NotFound,
        'gone',
      );
    });
  });

  describe.skipIf(Boolean(missing))('queries', () => {
    it('keeps injection-looking values as data', async () => {
      const evil = "t'); DROP TABLE contract_ua.fact_events; --";
      await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY2,
        parquetFiles: await load(
          `SELECT * REPLACE ('${evil.replace(/'/g, "''")}' AS tenant_id) FROM (${factRows(DAY2, 2, 'evil')})`,
        ),
        jobKey: 'evil',
      });
      const rows = await warehouse.query('SELECT count(*) AS n FROM contract_ua.fact_events WHERE tenant_id = @t', {
        t: evil,
      });
      expect(rows).toEqual([{ n: 2 }]);
      const none = await warehouse.query('SELECT count(*) AS n FROM contract_ua.fact_events WHERE tenant_id = @t', {
        t: "' OR 1=1 --",
      });
      expect(none).toEqual([{ n: 0 }]);
      expect(await factCount(DAY1)).toBeGreaterThan(0);
    });

    it('treats @ inside strings and comments as text', async () => {
      const rows = await warehouse.query("SELECT '@not_a_param' AS s, @x AS x -- @nor_this", { x: 1 });
      expect(rows).toEqual([{ s: '@not_a_param', x: 1 }]);
    });

    it('binds typed and NULL parameters', async () => {
      const rows = await warehouse.query('SELECT @d AS d, @n IS NULL AS n_null, @b AS b, @f AS f', {
        d: { type: 'DATE', value: '2026-01-31' },
        n: { type: 'STRING', value: null },
        b: true,
        f: 1.25,
      });
      expect(rows).toEqual([{ d: '2026-01-31', n_null: true, b: true, f: 1.25 }]);
    });

    it.runIf(capabilities.defaultDataset)('resolves unqualified table names in the default dataset', async () => {
      await warehouse.replacePartition({
        dataset,
        table: FACT,
        date: DAY1,
        parquetFiles: await load(factRows(DAY1, 3, 'default-dataset')),
        jobKey: 'default-dataset',
      });
      const qualified = await warehouse.query('SELECT count(*) AS n FROM contract_ua.fact_events');
      const unqualified = await warehouse.query(
        'SELECT count(*) AS n FROM fact_events',
        {},
        { defaultDataset: 'contract_ua' },
      );
      expect(unqualified).toEqual(qualified);
      expect(Number(qualified[0]?.n)).toBeGreaterThan(0);
    });

    it('refuses a default dataset that is not an identifier', async () => {
      await expectPlatformError(
        warehouse.query('SELECT 1 AS a', {}, { defaultDataset: "x'; DROP TABLE y; --" }),
        ErrorType.InvalidInput,
        'dataset',
      );
    });

    it('refuses missing and unused parameters', async () => {
      await expectPlatformError(warehouse.query('SELECT @a AS a'), ErrorType.InvalidInput, '@a');
      await expectPlatformError(warehouse.query('SELECT 1 AS a', { b: 1 }), ErrorType.InvalidInput, '@b');
    });

    it('is read-only unless asked to write', async () => {
      await expectPlatformError(
        warehouse.query('DELETE FROM contract_ua.fact_events WHERE true'),
        ErrorType.InvalidInput,
        'DELETE',
      );
      await expectPlatformError(
        warehouse.query('SELECT 1 AS a; DROP TABLE contract_ua.fact_events'),
        ErrorType.InvalidInput,
        'one statement',
      );
      await expectPlatformError(
        warehouse.query('WITH x AS (SELECT 1) DELETE FROM contract_ua.fact_events WHERE true'),
        ErrorType.InvalidInput,
      );
      expect(await factCount(DAY1)).toBeGreaterThan(0);
      await warehouse.query(
        'DELETE FROM contract_ua.fact_events WHERE event_id = @id',
        { id: 'no-such-id' },
        { write: true },
      );
    });
  });

  describe.skipIf(Boolean(missing))('dimensions and erasure', () => {
    const users = (rows: [string, string, string | null, boolean][]) =>
      rows
        .map(
          ([id, tenant, email, active]) =>
            `SELECT '${id}' AS user_id, '${tenant}' AS tenant_id, ${email === null ? 'NULL::VARCHAR' : `'${email}'`} AS email, ${active} AS is_active`,
        )
        .join(' UNION ALL ');

    it('merges a dimension on its primary key, idempotently', async () => {
      await warehouse.mergeDimension({
        dataset,
        table: DIM,
        parquetFiles: await load(
          users([
            ['u0', 't1', 'a@x.io', true],
            ['u1', 't1', 'b@x.io', true],
          ]),
        ),
        jobKey: 'dim-1',
      });
      const second = await load(
        users([
          ['u1', 't1', 'b2@x.io', false],
          ['u2', 't2', null, true],
        ]),
      );
      const merged = await warehouse.mergeDimension({ dataset, table: DIM, parquetFiles: second, jobKey: 'dim-2' });
      expect(merged.rows).toBe(3);
      const again = await warehouse.mergeDimension({ dataset, table: DIM, parquetFiles: second, jobKey: 'dim-2b' });
      expect(again.rows).toBe(3);
      const rows = await warehouse.query(
        'SELECT user_id, email, is_active FROM contract_ua.dim_users ORDER BY user_id',
      );
      expect(rows).toEqual([
        { user_id: 'u0', email: 'a@x.io', is_active: true },
        { user_id: 'u1', email: 'b2@x.io', is_active: false },
        { user_id: 'u2', email: null, is_active: true },
      ]);
    });

    it.runIf(capabilities.nativeMerge)('keeps the values of columns a merge source does not carry', async () => {
      const partial = (active: boolean) => load(`SELECT 'u0' AS user_id, 't1' AS tenant_id, ${active} AS is_active`);
      await warehouse.mergeDimension({ dataset, table: DIM, parquetFiles: await partial(false), jobKey: 'partial-1' });
      expect(await warehouse.query("SELECT email, is_active FROM contract_ua.dim_users WHERE user_id = 'u0'")).toEqual([
        { email: 'a@x.io', is_active: false },
      ]);
      await warehouse.mergeDimension({ dataset, table: DIM, parquetFiles: await partial(true), jobKey: 'partial-2' });
    });

    it('refuses a merge source with repeated keys, unchanged', async () => {
      const files = await load(
        users([
          ['u9', 't1', 'x@x.io', true],
          ['u9', 't1', 'y@x.io', true],
        ]),
      );
      await expectPlatformError(
        warehouse.mergeDimension({ dataset, table: DIM, parquetFiles: files, jobKey: 'dim-dup' }),
        ErrorType.InvalidInput,
        'user_id',
      );
      expect((await warehouse.tableStats(dataset, DIM)).rows).toBe(3);
    });

    it('erases one user by the schema rules, idempotently', async () => {
      const beforeFacts = (await warehouse.tableStats(dataset, FACT)).rows;
      const results = await warehouse.eraseUser({ dataset, subject: ERASED, rules: ERASURE_RULES });
      const byTable = Object.fromEntries(results.map((r) => [r.table, r]));
      expect(byTable[DIM]).toMatchObject({ action: 'delete_row', affected: 1, remaining: 0 });
      expect(byTable[FACT]?.action).toBe('update');
      expect(byTable[FACT]?.affected).toBeGreaterThan(0);
      expect(byTable[FACT]?.remaining).toBe(0);
      expect((await warehouse.tableStats(dataset, FACT)).rows).toBe(beforeFacts);
      const tokenised = await warehouse.query(
        'SELECT count(*) AS n, count(ip_address) AS ips FROM contract_ua.fact_events WHERE user_id = @t',
        { t: 'tok_8f3a' },
      );
      expect(tokenised).toEqual([{ n: byTable[FACT]?.affected, ips: 0 }]);
      const rerun = await warehouse.eraseUser({ dataset, subject: ERASED, rules: ERASURE_RULES });
      expect(rerun.every((r) => r.affected === 0 && r.remaining === 0)).toBe(true);
      expect(await warehouse.query('SELECT user_id FROM contract_ua.dim_users ORDER BY user_id')).toEqual([
        { user_id: 'u0' },
        { user_id: 'u2' },
      ]);
    });

    it('clears a reference, re-keys the dimension row and matches emails only in the tenant', async () => {
      // u2 holds facts in both tenants; the rule clears user_id.
      const rules: TableErasure[] = [
        {
          store: 'warehouse',
          table: FACT,
          references: { user_id: 'clear' },
          anonymise: [],
          emails: [],
        },
        {
          store: 'warehouse',
          table: DIM,
          references: { user_id: 'tokenise' },
          owner: 'user_id',
          anonymise: ['email'],
          emails: ['email'],
          tenantColumn: 'tenant_id',
        },
      ];
      const u2 = await warehouse.query("SELECT count(*) AS n FROM contract_ua.fact_events WHERE user_id = 'u2'");
      // u0's email, asked for in tenant t2: not the same person, so u0's row keeps it.
      const results = await warehouse.eraseUser({
        dataset,
        subject: { ...ERASED, userId: 'u2', tenantId: 't2', email: 'A@X.IO', token: '-22' },
        rules,
      });
      const byTable = Object.fromEntries(results.map((r) => [r.table, r]));
      expect(byTable[FACT]).toMatchObject({ action: 'update', affected: u2[0]?.n, remaining: 0 });
      expect(await warehouse.query("SELECT count(*) AS n FROM contract_ua.fact_events WHERE user_id = 'u2'")).toEqual([
        { n: 0 },
      ]);
      expect(await warehouse.query('SELECT user_id, email FROM contract_ua.dim_users ORDER BY user_id')).toEqual([
        { user_id: '-22', email: null },
        { user_id: 'u0', email: 'a@x.io' },
      ]);
    });
  });

  describe.skipIf(Boolean(missing))('stats and evolution', () => {
    it.runIf(capabilities.tableBytes)('reports stored bytes', async () => {
      expect((await warehouse.tableStats(dataset, FACT)).bytes).toBeGreaterThan(0);
    });

    it.runIf(capabilities.addColumns)('adds a new NULLABLE column on ensureDataset', async () => {
      const evolved: Dataset = {
        ...dataset,
        tables: dataset.tables.map((t) =>
          t.name === DIM
            ? { ...t, columns: [...t.columns, { name: 'locale', type: 'STRING', description: 'locale' }] }
            : t,
        ),
      };
      await warehouse.ensureDataset(evolved);
      const rows = await warehouse.query('SELECT count(locale) AS n FROM contract_ua.dim_users');
      expect(rows).toEqual([{ n: 0 }]);
    });
  });
});
