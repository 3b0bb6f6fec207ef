import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coalescer } from '../../activities/gdpr/batcher';
import {
  eraseUserFromObjects,
  eraseUsersFromObjects,
  type ObjectErasureResult,
} from '../../activities/gdpr/lake-erasure';
import { scanObjectsForUser, scanObjectsForUsers } from '../../activities/gdpr/lake-scan';
import { PlatformError } from '../../adapters/errors';
import { DuckDbLakeRewriter } from '../../adapters/lake/duckdb-rewriter';
import { createInProcessLock } from '../../adapters/lock/in-process';
import { FsObjectStore } from '../../adapters/object-store/fs';
import { rowsToParquet } from '../../adapters/parquet';
import type { ObjectStore, Zone } from '../../adapters/ports';
import type { ErasureSubject } from '../../schema/erasure';
import { tableByName, userAnalytics } from '../../schema/warehouse';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { scanWarehouse, scanWarehouseMany } from '../../activities/gdpr';
import { ParquetFixtures } from '../helpers/parquet-fixtures';

/**
 * Batched GDPR erasure over lake objects (real FsObjectStore, real DuckDB rewriter): one pass for several people must
 * change exactly what their separate erasures change, match each person only with their own identifiers (never one
 * person's email in another's tenant), and report each person's own counts, so each erasure is still verified alone.
 *
 * Tenants 1 and 2 each have a user with the same email (emails are unique per tenant, not globally): a batch that
 * erases tenant 1's one and some other person of tenant 2 must leave tenant 2's namesake untouched. (User ids are the
 * User Module's global key, validated to belong to the requesting tenant before anything is erased; see
 * activities/gdpr/README.md.)
 */
const DAY = '2026-11-27';
const ERASED_AT = '2026-12-01T09:30:00.000Z';
const SHARED = 'shared@x.test';
type KnownErasure = ErasureSubject & { email: string };
const A22: KnownErasure = { tenantId: '1', userId: '22', email: SHARED, token: '-9022', erasedAt: ERASED_AT };
const A7: KnownErasure = { tenantId: '1', userId: '7', email: 'a7@one.test', token: '-9007', erasedAt: ERASED_AT };
const B5: KnownErasure = { tenantId: '2', userId: '5', email: 'b5@two.test', token: '-9005', erasedAt: ERASED_AT };
/** Tenant 2's user with the same email as A22: never erased here. */
const B9 = { tenantId: '2', userId: '9', email: SHARED };

const rewriter = new DuckDbLakeRewriter();
const fx = new ParquetFixtures();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gdpr-batch-test-'));
let duck: { instance: DuckDBInstance; conn: DuckDBConnection };
let counter = 0;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  duck = { instance, conn: await instance.connect() };
});
afterAll(async () => {
  await rewriter.close();
  duck?.conn.closeSync();
  duck?.instance.closeSync();
  await fx.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function newStore(): ObjectStore {
  const root = fs.mkdtempSync(path.join(scratch, 'lake-'));
  return new FsObjectStore({
    raw: path.join(root, 'raw'),
    processed: path.join(root, 'processed'),
    archive: path.join(root, 'archive'),
  });
}

const at = `${DAY}T10:00:00.000Z`;
const activity = (event_id: string, tenant_id: string, user_id: string) => ({
  event_id,
  event_date: DAY,
  tenant_id,
  user_id,
  occurred_at: at,
  feature: 'search',
  action: 'run',
  metadata: `{"by":"${tenant_id}/${user_id}"}`,
});
const authEvent = (event_id: string, tenant_id: string, user_id: string | null, email: string) => ({
  event_id,
  event_date: DAY,
  tenant_id,
  user_id,
  occurred_at: at,
  event_type: user_id ? 'login_success' : 'login_failure',
  attempted_email: email,
  ip: `10.${tenant_id}.0.${event_id}`,
  user_agent: 'UA',
});

async function warehouseFile(table: string, rows: Record<string, unknown>[]): Promise<string> {
  const file = path.join(fx.dir, `wh-${++counter}.parquet`);
  await rowsToParquet(rows, tableByName(table), file);
  return file;
}

/** Both tenants' users in raw (source tables, BIGINT ids) and processed (warehouse tables, STRING ids) partitions. */
async function buildLake(store: ObjectStore): Promise<void> {
  await store.replacePartition('raw', `users/dt=${DAY}`, [
    {
      name: 'part-0.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES (22::BIGINT, 1::BIGINT, '${SHARED}', 'A Twenty-Two'), (7, 1, 'a7@one.test', 'A Seven'),
          (9, 2, '${SHARED}', 'B Nine'), (5, 2, 'b5@two.test', 'B Five'))
         t(user_id, tenant_id, email, full_name)`,
      ),
    },
  ]);
  await store.replacePartition('raw', `auth_events/dt=${DAY}`, [
    {
      name: 'part-0.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES (1::BIGINT, 1::BIGINT, 22::BIGINT, '${SHARED}', '10.0.0.1'),
          (2, 2, 9, '${SHARED}', '10.0.0.2'), (3, 2, NULL, '${SHARED}', '10.0.0.3'),
          (4, 1, 7, 'a7@one.test', '10.0.0.4'), (5, 2, 5, 'b5@two.test', '10.0.0.5'))
         t(event_id, tenant_id, user_id, attempted_email, ip)`,
      ),
    },
  ]);
  await store.replacePartition('processed', `fact_user_activities/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      path: await warehouseFile('fact_user_activities', [
        activity('a1', '1', '22'),
        activity('a2', '2', '9'),
        activity('a3', '1', '7'),
      ]),
    },
    {
      name: 'part-00001.parquet',
      path: await warehouseFile('fact_user_activities', [activity('a4', '2', '5'), activity('a5', '2', '9')]),
    },
  ]);
  await store.replacePartition('processed', `fact_auth_events/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      path: await warehouseFile('fact_auth_events', [
        authEvent('1', '1', '22', SHARED),
        authEvent('2', '2', '9', SHARED),
        // A failed login in tenant 2 with the shared email: tenant 2's namesake's, not A22's.
        authEvent('3', '2', null, SHARED),
        authEvent('5', '2', '5', 'b5@two.test'),
      ]),
    },
  ]);
}

async function fileRows(store: ObjectStore, zone: Zone, key: string): Promise<Record<string, unknown>[]> {
  const file = path.join(scratch, `read-${++counter}.parquet`);
  await store.download(zone, key, file);
  const reader = await duck.conn.runAndReadAll(`SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
  return reader.getRowObjectsJson();
}

/** Every row of every partition, by zone/partition (committed generation, files in key order). */
async function lakeRows(store: ObjectStore): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [zone, prefix] of [
    ['raw', `users/dt=${DAY}`],
    ['raw', `auth_events/dt=${DAY}`],
    ['processed', `fact_user_activities/dt=${DAY}`],
    ['processed', `fact_auth_events/dt=${DAY}`],
  ] as Array<[Zone, string]>) {
    const snapshot = await store.readPartition(zone, prefix);
    const rows: Record<string, unknown>[] = [];
    for (const key of snapshot?.keys ?? []) rows.push(...(await fileRows(store, zone, key)));
    out[`${zone}/${prefix}`] = rows;
  }
  return out;
}

const counts = (r: ObjectErasureResult) =>
  Object.fromEntries(
    Object.entries(r.zones).map(([z, v]) => [z, [v.objectsRewritten, v.rowsDeleted, v.rowsTokenised]]),
  );

describe('batched lake erasure', () => {
  it('one pass for several subjects changes exactly what their separate erasures change, with their own counts', async () => {
    const lock = createInProcessLock();
    const batched = newStore();
    const alone = newStore();
    await buildLake(batched);
    await buildLake(alone);

    const batchResults = await eraseUsersFromObjects({ store: batched, rewriter }, [A22, A7, B5], {
      lock,
      tmpDir: scratch,
    });
    const aloneResults: ObjectErasureResult[] = [];
    for (const s of [A22, A7, B5]) {
      aloneResults.push(await eraseUserFromObjects({ store: alone, rewriter }, s, { lock, tmpDir: scratch }));
    }
    expect(await lakeRows(batched)).toEqual(await lakeRows(alone));
    expect(batchResults.map(counts)).toEqual(aloneResults.map(counts));
    // Each subject changed something of its own (the counts are not one subject's copied to the others).
    expect(batchResults.map((r) => r.zones.raw.objectsRewritten + r.zones.processed.objectsRewritten)).toEqual([
      4, 3, 4,
    ]);

    // Each is verified on its own: nothing of any erased subject is left, as the batched and the single scan agree.
    const scans = await scanObjectsForUsers({ store: batched, rewriter }, [A22, A7, B5], { tmpDir: scratch });
    for (const [i, s] of [A22, A7, B5].entries()) {
      expect(scans[i]!.map((z) => [z.store, z.occurrences])).toEqual([
        ['objects.raw', 0],
        ['objects.processed', 0],
        ['objects.archive', 0],
      ]);
      expect(scans[i]).toEqual(await scanObjectsForUser({ store: batched, rewriter }, s, { tmpDir: scratch }));
    }
  });

  it("matches each subject only in its own tenant: a batch never erases another tenant's namesake", async () => {
    const store = newStore();
    await buildLake(store);
    const before = await lakeRows(store);
    // Tenant 1's A22 and tenant 2's B5 in one batch: tenant 2's rows with A22's email (B9's) must stay, as they
    // would if each ran alone (a batch matching "tenant in (1, 2) and email in (…)" would take them).
    const namesake = (rows: Record<string, unknown>[]) =>
      rows.filter((r) => String(r.tenant_id) === '2' && !['5', B5.token].includes(String(r.user_id)));
    await eraseUsersFromObjects({ store, rewriter }, [A22, B5], { lock: createInProcessLock(), tmpDir: scratch });
    const after = await lakeRows(store);
    for (const [partition, rows] of Object.entries(after)) {
      expect(namesake(rows), partition).toEqual(namesake(before[partition]!));
      expect(namesake(rows).length, partition).toBeGreaterThan(0);
      // The erased subjects' own ids are gone from their tenant's rows.
      const ids = rows.map((r) => `${String(r.tenant_id)}/${String(r.user_id)}`);
      expect(
        ids.filter((id) => id === '1/22' || id === '2/5'),
        partition,
      ).toEqual([]);
    }
    expect(
      after[`raw/users/dt=${DAY}`]!.filter((r) => r.email === SHARED).map((r) => [
        String(r.tenant_id),
        String(r.user_id),
      ]),
    ).toEqual([['2', '9']]);
    // Verification is per subject and per tenant for emails: A22 is clean although its email lives on in tenant 2,
    // and tenant 2's namesake is still found.
    const [a22, b9] = await scanObjectsForUsers({ store, rewriter }, [A22, B9], { tmpDir: scratch });
    expect(a22!.reduce((n, z) => n + z.occurrences, 0)).toBe(0);
    expect(b9!.find((z) => z.store === 'objects.processed')!.occurrences).toBeGreaterThan(0);
  });

  it("one subject's failure fails only its own request; the others are erased and verify clean, it does not", async () => {
    const store = newStore();
    await buildLake(store);
    const lock = createInProcessLock();
    const batches: number[] = [];
    // The pass the worker's activities use, through the coalescer, with one malformed subject in the batch.
    const lake = new Coalescer(
      'lake_erasure',
      (subjects: ErasureSubject[]) => eraseUsersFromObjects({ store, rewriter }, subjects, { lock, tmpDir: scratch }),
      { windowMs: 50, onBatch: (_p, n) => batches.push(n) },
    );
    const broken = { ...B5, token: 'not-a-pseudonym' };
    const settled = await Promise.allSettled([lake.submit(A22), lake.submit(broken), lake.submit(A7)]);
    expect(batches[0]).toBe(3);
    expect(settled[0].status).toBe('fulfilled');
    expect(settled[2].status).toBe('fulfilled');
    expect(settled[1]).toMatchObject({ status: 'rejected' });
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(PlatformError);

    // Verification stays per subject: the two erased come back clean, the failed one still shows its rows, so its
    // workflow can never be certified on the strength of the others' results.
    const scans = await scanObjectsForUsers({ store, rewriter }, [A22, B5, A7], { tmpDir: scratch });
    const total = (i: number) => scans[i]!.reduce((n, z) => n + z.occurrences, 0);
    expect(total(0)).toBe(0);
    expect(total(2)).toBe(0);
    expect(total(1)).toBeGreaterThan(0);
  });
});

describe('batched warehouse erasure (DuckDB)', () => {
  /** A warehouse file with the lake's processed rows loaded into fact_user_activities and fact_auth_events. */
  async function newWarehouse(): Promise<DuckDbWarehouse> {
    const wh = new DuckDbWarehouse(path.join(fs.mkdtempSync(path.join(scratch, 'wh-')), 'warehouse.duckdb'));
    await wh.ensureDataset(userAnalytics);
    await wh.replacePartition({
      dataset: userAnalytics,
      table: 'fact_user_activities',
      date: DAY,
      jobKey: 'test:fua',
      parquetFiles: [
        await warehouseFile('fact_user_activities', [
          activity('a1', '1', '22'),
          activity('a2', '2', '9'),
          activity('a3', '1', '7'),
          activity('a4', '2', '5'),
        ]),
      ],
    });
    await wh.replacePartition({
      dataset: userAnalytics,
      table: 'fact_auth_events',
      date: DAY,
      jobKey: 'test:fae',
      parquetFiles: [
        await warehouseFile('fact_auth_events', [
          authEvent('1', '1', '22', SHARED),
          authEvent('2', '2', '9', SHARED),
          authEvent('3', '2', null, SHARED),
          authEvent('5', '2', '5', 'b5@two.test'),
        ]),
      ],
    });
    return wh;
  }
  const rowsOf = async (wh: DuckDbWarehouse) => ({
    fua: await wh.query(`select * from ${userAnalytics.name}.fact_user_activities order by event_id`),
    fae: await wh.query(`select * from ${userAnalytics.name}.fact_auth_events order by event_id`),
  });

  it('one statement per table for the batch leaves what one-by-one erasure leaves, with each subject’s counts', async () => {
    const batched = await newWarehouse();
    const alone = await newWarehouse();
    try {
      const batchResults = await batched.eraseUsers({ dataset: userAnalytics, subjects: [A22, A7, B5] });
      const aloneResults = [];
      for (const subject of [A22, A7, B5])
        aloneResults.push(await alone.eraseUser({ dataset: userAnalytics, subject }));
      expect(await rowsOf(batched)).toEqual(await rowsOf(alone));
      expect(batchResults).toEqual(aloneResults);
      const affected = (i: number, table: string) => batchResults[i]!.find((r) => r.table === table)?.affected;
      expect([0, 1, 2].map((i) => affected(i, 'fact_auth_events'))).toEqual([1, 0, 1]);
      // Tenant 2's namesake (same email as A22) and its failed login keep their rows as they were.
      const { fae } = await rowsOf(batched);
      expect(fae.filter((r) => r.event_id === '2' || r.event_id === '3').map((r) => r.attempted_email)).toEqual([
        SHARED,
        SHARED,
      ]);
      // Verification per subject, batched and alone alike: the erased are clean, the namesake is still there.
      const scans = await scanWarehouseMany(batched, userAnalytics, [A22, A7, B5, B9]);
      expect(scans.map((s) => s.occurrences)).toEqual([0, 0, 0, 3]);
      expect(await scanWarehouse(batched, userAnalytics, B9)).toEqual(scans[3]);
    } finally {
      await batched.close();
      await alone.close();
    }
  });
});
