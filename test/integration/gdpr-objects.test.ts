import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessLock } from '../../adapters/lock/in-process';
import { createRedisLock } from '../../adapters/lock/redis';
import { lakePartitionLock, type PartitionLock as Lock } from '../../adapters/ports';
import {
  eraseUserFromObjects as eraseWith,
  type EraseObjectsOptions,
  type ObjectErasureResult,
} from '../../activities/gdpr/lake-erasure';
import { scanObjectsForUser as scanWith, type ScanObjectsOptions } from '../../activities/gdpr/lake-scan';
import { DuckDbLakeRewriter } from '../../adapters/lake/duckdb-rewriter';
import type { ErasureSubject } from '../../schema/erasure';
import { GcsObjectStore } from '../../adapters/object-store/gcs';
import { FsObjectStore } from '../../adapters/object-store/fs';
import { PlatformError } from '../../adapters/errors';
import { rowsToParquet } from '../../adapters/parquet';
import type { ObjectStore, Zone } from '../../adapters/ports';
import { tableByName } from '../../schema/warehouse';
import { fakeGcsBinary, findEmulator, startFakeGcs, type RunningEmulator } from '../helpers/emulators';
import { ParquetFixtures } from '../helpers/parquet-fixtures';
import { TEST_ENV } from '../test-env';

/**
 * GDPR erasure over lake objects on a real ObjectStore (a temp FsObjectStore; GCS on fake-gcs-server when the
 * emulator is installed): a small lake with two users in source (raw), warehouse (processed, staging) and archived
 * objects; one user is erased and every row is checked.
 */

const ERASED_AT = '2026-12-01T09:30:00.000Z';
const ERASED: ErasureSubject = {
  tenantId: '1',
  userId: '22',
  email: 'Erased.Person@Example.test',
  token: '-9001',
  erasedAt: ERASED_AT,
};
const OTHER: ErasureSubject = {
  tenantId: '1',
  userId: '7',
  email: 'other.person@example.test',
  token: '-7007',
  erasedAt: ERASED_AT,
};

/** The DuckDB LakeRewriter the worker wires, shared by the calls below. */
const rewriter = new DuckDbLakeRewriter();
const eraseUserFromObjects = (store: ObjectStore, subject: ErasureSubject, options: EraseObjectsOptions) =>
  eraseWith({ store, rewriter }, subject, options);
const scanObjectsForUser = (
  store: ObjectStore,
  subject: { tenantId: string; userId: string; email?: string },
  options?: ScanObjectsOptions,
) => scanWith({ store, rewriter }, subject, options);
const DAY = '2026-11-27';

const fx = new ParquetFixtures();
let duck: { instance: DuckDBInstance; conn: DuckDBConnection };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gdpr-objects-test-'));
let fileCounter = 0;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  duck = { instance, conn: await instance.connect() };
  await duck.conn.run("SET TimeZone = 'UTC'");
});
afterAll(async () => {
  await rewriter.close();
  duck?.conn.closeSync();
  duck?.instance.closeSync();
  await fx.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function warehouseFile(table: string, rows: Record<string, unknown>[]): Promise<string> {
  const file = path.join(fx.dir, `wh-${++fileCounter}.parquet`);
  await rowsToParquet(rows, tableByName(table), file);
  return file;
}

/** A local copy of an object (downloaded when the store is remote). */
async function localCopy(store: ObjectStore, zone: Zone, key: string): Promise<string> {
  const file = path.join(scratch, `read-${++fileCounter}.parquet`);
  await store.download(zone, key, file);
  return file;
}

async function fileRows(file: string): Promise<Record<string, unknown>[]> {
  const reader = await duck.conn.runAndReadAll(`SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
  return reader.getRowObjectsJson();
}

async function fileSchema(file: string): Promise<string[]> {
  const reader = await duck.conn.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`,
  );
  return reader.getRowObjectsJson().map((r) => `${r.column_name as string}:${r.column_type as string}`);
}

async function objectRows(store: ObjectStore, zone: Zone, key: string) {
  return fileRows(await localCopy(store, zone, key));
}

/** Rows of a partition's committed generation, file by file in key order. */
async function partitionRows(store: ObjectStore, zone: Zone, prefix: string) {
  const snapshot = await store.readPartition(zone, prefix);
  if (!snapshot) throw new Error(`no partition ${zone}/${prefix}`);
  const out: Record<string, unknown>[] = [];
  for (const key of snapshot.keys) out.push(...(await objectRows(store, zone, key)));
  return out;
}

async function generation(store: ObjectStore, zone: Zone, prefix: string): Promise<string> {
  const snapshot = await store.readPartition(zone, prefix);
  if (!snapshot) throw new Error(`no partition ${zone}/${prefix}`);
  return snapshot.generation;
}

/** Bytes of a partition's file by name. */
async function partitionFile(store: ObjectStore, zone: Zone, prefix: string, name: string): Promise<Buffer> {
  const snapshot = await store.readPartition(zone, prefix);
  const key = snapshot?.keys.find((k) => k.endsWith(`/${name}`));
  if (!key) throw new Error(`no ${name} in ${zone}/${prefix}`);
  return Buffer.from(await store.get(zone, key));
}

const pick = (rows: Record<string, unknown>[], ...columns: string[]) =>
  rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));

/** Partitions the fixtures write, and ones no erasure of ERASED may touch. */
const PARTITIONS = {
  raw: [
    `users/dt=${DAY}`,
    'users/dt=2026-11-26',
    `auth_events/dt=${DAY}`,
    `collaboration_events/dt=${DAY}`,
    `sessions/dt=${DAY}`,
    'activity_events/dt=2026-11-26',
  ],
  processed: [
    `fact_user_activities/dt=${DAY}`,
    `fact_auth_events/dt=${DAY}`,
    `fact_team_collaborations/dt=${DAY}`,
    `dim_users/dt=${DAY}`,
    `rpt_engagement_daily/dt=${DAY}`,
  ],
};
const UNTOUCHED: Array<[Zone, string]> = [
  ['raw', 'activity_events/dt=2026-11-26'],
  ['processed', `rpt_engagement_daily/dt=${DAY}`],
];

const users = (...rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) t(user_id, tenant_id, email, full_name)`;

/** The lake: both users (and a few bystanders) in every kind of object the erasure must handle. */
async function buildLake(store: ObjectStore): Promise<void> {
  const usersSnapshot = users(
    `(7::BIGINT, 1::BIGINT, 'other.person@example.test', 'Other Person')`,
    `(22, 1, 'erased.person@example.test', 'Erased Person')`,
    `(220, 2, 'someone@example.test', 'Some One')`,
  );
  await store.replacePartition('raw', `users/dt=${DAY}`, [
    { name: 'part-0.parquet', path: await fx.write(usersSnapshot) },
  ]);
  await store.replacePartition('raw', 'users/dt=2026-11-26', [
    { name: 'part-0.parquet', path: await fx.write(usersSnapshot) },
  ]);
  await store.replacePartition('raw', `auth_events/dt=${DAY}`, [
    {
      name: 'part-0.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES (1::BIGINT, 1::BIGINT, 22::BIGINT, 'erased.person@example.test', 'login_success', '10.0.0.22'),
          (2, 1, 7, 'other.person@example.test', 'login_success', '10.0.0.7'),
          (3, 1, NULL, 'ERASED.PERSON@EXAMPLE.TEST', 'login_failure', '10.0.0.99'),
          (4, 1, NULL, 'nobody@example.test', 'login_failure', '10.0.0.22'))
         t(event_id, tenant_id, user_id, attempted_email, event_type, ip)`,
      ),
    },
  ]);
  await store.replacePartition('raw', `collaboration_events/dt=${DAY}`, [
    {
      name: 'part-0.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES (1::BIGINT, 1::BIGINT, 7::BIGINT, 22::BIGINT, 'mention'), (2, 1, 7, 5, 'mention'),
          (3, 1, 22, 7, 'assign'), (4, 1, 220, 7, 'assign')) t(event_id, tenant_id, actor_user_id, target_user_id, kind)`,
      ),
    },
  ]);
  await store.replacePartition('raw', `sessions/dt=${DAY}`, [
    {
      name: 'part-0.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES ('s1', 22::BIGINT, TIMESTAMPTZ '2026-11-27 08:00:00+00'),
          ('s2', 7, TIMESTAMPTZ '2026-11-27 09:00:00+00')) t(session_id, user_id, started_at)`,
      ),
    },
    {
      name: 'part-1.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES ('s3', 7::BIGINT, TIMESTAMPTZ '2026-11-27 10:00:00+00'),
          ('s4', 220, TIMESTAMPTZ '2026-11-27 11:00:00+00')) t(session_id, user_id, started_at)`,
      ),
    },
  ]);
  await store.replacePartition('raw', 'activity_events/dt=2026-11-26', [
    {
      name: 'part-0.parquet',
      path: await fx.write(`SELECT * FROM (VALUES ('e1', 7::BIGINT), ('e2', 220)) t(event_id, user_id)`),
    },
  ]);

  const at = `${DAY}T10:00:00.000Z`;
  await store.replacePartition('processed', `fact_user_activities/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      path: await warehouseFile('fact_user_activities', [
        {
          event_id: 'a1',
          event_date: DAY,
          tenant_id: '1',
          user_id: '22',
          occurred_at: at,
          feature: 'search',
          action: 'run',
          metadata: '{"q":"x"}',
        },
        {
          event_id: 'a2',
          event_date: DAY,
          tenant_id: '1',
          user_id: '7',
          occurred_at: at,
          feature: 'search',
          action: 'run',
          metadata: '{"q":"y"}',
        },
      ]),
    },
  ]);
  await store.replacePartition('processed', `fact_auth_events/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      path: await warehouseFile('fact_auth_events', [
        {
          event_id: '1',
          event_date: DAY,
          tenant_id: '1',
          user_id: '22',
          occurred_at: at,
          event_type: 'login_success',
          attempted_email: 'erased.person@example.test',
          ip: '10.0.0.22',
          user_agent: 'UA-1',
        },
        {
          event_id: '3',
          event_date: DAY,
          tenant_id: '1',
          user_id: null,
          occurred_at: at,
          event_type: 'login_failure',
          failure_reason: 'bad_password',
          attempted_email: 'ERASED.PERSON@EXAMPLE.TEST',
          ip: '10.0.0.99',
          user_agent: 'UA-3',
        },
        {
          event_id: '2',
          event_date: DAY,
          tenant_id: '1',
          user_id: '7',
          occurred_at: at,
          event_type: 'login_success',
          attempted_email: 'other.person@example.test',
          ip: '10.0.0.7',
          user_agent: 'UA-2',
        },
      ]),
    },
  ]);
  await store.replacePartition('processed', `fact_team_collaborations/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      path: await warehouseFile('fact_team_collaborations', [
        {
          event_id: 'c1',
          event_date: DAY,
          tenant_id: '1',
          team_id: 't1',
          user_id: '7',
          target_user_id: '22',
          occurred_at: at,
          kind: 'mention',
        },
        {
          event_id: 'c2',
          event_date: DAY,
          tenant_id: '1',
          team_id: 't1',
          user_id: '22',
          target_user_id: '7',
          occurred_at: at,
          kind: 'assign',
        },
        {
          event_id: 'c3',
          event_date: DAY,
          tenant_id: '1',
          team_id: 't1',
          user_id: '7',
          target_user_id: '5',
          occurred_at: at,
          kind: 'assign',
        },
      ]),
    },
  ]);
  await store.replacePartition('processed', `dim_users/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      path: await warehouseFile('dim_users', [
        {
          user_id: '7',
          tenant_id: '1',
          email: 'other.person@example.test',
          full_name: 'Other Person',
          status: 'active',
        },
        {
          user_id: '22',
          tenant_id: '1',
          email: 'erased.person@example.test',
          full_name: 'Erased Person',
          status: 'active',
        },
        // Same person under another id (a re-created account): found by the email.
        {
          user_id: '23',
          tenant_id: '1',
          email: 'ERASED.Person@example.TEST',
          full_name: 'E. Person',
          status: 'deleted',
        },
      ]),
    },
  ]);
  await store.replacePartition('processed', `rpt_engagement_daily/dt=${DAY}`, [
    {
      name: 'part-00000.parquet',
      // dau = 22: a count equal to the id must not count as an occurrence.
      path: await warehouseFile('rpt_engagement_daily', [
        { report_date: DAY, tenant_id: '1', dau: 22, wau: 30, mau: 40, stickiness: 0.55, total_users: 220 },
      ]),
    },
  ]);
  // Spark staging output: plain objects (an empty Hadoop _SUCCESS, no partition manifest).
  const staging = '_staging/0123456789abcdef/attempt-1';
  await store.putFile(
    'processed',
    `${staging}/fact_session_metrics/part-00000-c000.snappy.parquet`,
    await warehouseFile('fact_session_metrics', [
      {
        session_id: 's1',
        event_date: DAY,
        tenant_id: '1',
        user_id: '22',
        started_at: at,
        device: 'desktop',
        ip: '10.0.0.22',
        user_agent: 'UA-1',
      },
      {
        session_id: 's2',
        event_date: DAY,
        tenant_id: '1',
        user_id: '7',
        started_at: at,
        device: 'mobile',
        ip: '10.0.0.7',
        user_agent: 'UA-2',
      },
    ]),
  );
  await store.put('processed', `${staging}/fact_session_metrics/_SUCCESS`, new Uint8Array());
  await store.put('processed', `${staging}/_SUMMARY.json`, Buffer.from('{"tables":{"fact_session_metrics":2}}'));
  // Archived objects keep their origin key; no manifest came with them.
  await store.putFile(
    'archive',
    'fact_api_requests/dt=2026-11-20/part-00000.parquet',
    await warehouseFile('fact_api_requests', [
      {
        event_id: 'r1',
        event_date: '2026-11-20',
        tenant_id: '1',
        user_id: '22',
        occurred_at: at,
        endpoint: '/v1/jobs',
        method: 'GET',
        status_code: 200,
        duration_ms: 22,
      },
      {
        event_id: 'r2',
        event_date: '2026-11-20',
        tenant_id: '1',
        user_id: '7',
        occurred_at: at,
        endpoint: '/v1/jobs',
        method: 'GET',
        status_code: 200,
        duration_ms: 31,
      },
    ]),
  );
  await store.putFile(
    'archive',
    'api_requests/dt=2026-11-20/part-0.parquet',
    await fx.write(
      `SELECT * FROM (VALUES (1::BIGINT, 22::BIGINT, '/v1/jobs'), (2, 7, '/v1/jobs')) t(request_id, user_id, endpoint)`,
    ),
  );
}

/** Objects the rewrite has no rules for: a table nobody knows, and a JSON export. */
async function plantUnexpected(store: ObjectStore): Promise<void> {
  await store.replacePartition('processed', `mystery/dt=${DAY}`, [
    {
      name: 'part-0.parquet',
      path: await fx.write(
        `SELECT * FROM (VALUES ('22', 'hello'), ('7', 'write to erased.person@example.test')) t(owner_ref, notes)`,
      ),
    },
  ]);
  await store.put('archive', 'exports/summary.json', Buffer.from('{"report":"x","reviewer_id": 22}'));
}

async function expectErasedLake(store: ObjectStore, result: ObjectErasureResult): Promise<void> {
  const t = ERASED.token;
  // Source tables (schema/erasure SOURCE_ERASURE, as in PostgreSQL): the identity row becomes the tombstone under
  // the pseudonym with its personal columns NULL; the person's own rows are re-keyed with personal columns NULL;
  // a login attempt naming their email (in their tenant) loses its personal columns; a collaboration that targets
  // them keeps its row with target_user_id NULL. Nothing is deleted.
  expect(pick(await partitionRows(store, 'raw', `users/dt=${DAY}`), 'user_id', 'email', 'full_name')).toEqual([
    { user_id: '7', email: 'other.person@example.test', full_name: 'Other Person' },
    { user_id: t, email: null, full_name: null },
    { user_id: '220', email: 'someone@example.test', full_name: 'Some One' },
  ]);
  expect((await partitionRows(store, 'raw', 'users/dt=2026-11-26')).map((r) => r.user_id)).toEqual(['7', t, '220']);
  expect(
    pick(await partitionRows(store, 'raw', `auth_events/dt=${DAY}`), 'event_id', 'user_id', 'attempted_email', 'ip'),
  ).toEqual([
    { event_id: '1', user_id: t, attempted_email: null, ip: null },
    { event_id: '2', user_id: '7', attempted_email: 'other.person@example.test', ip: '10.0.0.7' },
    { event_id: '3', user_id: null, attempted_email: null, ip: null },
    { event_id: '4', user_id: null, attempted_email: 'nobody@example.test', ip: '10.0.0.22' },
  ]);
  expect(
    pick(
      await partitionRows(store, 'raw', `collaboration_events/dt=${DAY}`),
      'event_id',
      'actor_user_id',
      'target_user_id',
    ),
  ).toEqual([
    { event_id: '1', actor_user_id: '7', target_user_id: null },
    { event_id: '2', actor_user_id: '7', target_user_id: '5' },
    { event_id: '3', actor_user_id: t, target_user_id: '7' },
    { event_id: '4', actor_user_id: '220', target_user_id: '7' },
  ]);
  expect(pick(await partitionRows(store, 'raw', `sessions/dt=${DAY}`), 'session_id', 'user_id')).toEqual([
    { session_id: 's1', user_id: t },
    { session_id: 's2', user_id: '7' },
    { session_id: 's3', user_id: '7' },
    { session_id: 's4', user_id: '220' },
  ]);
  expect(
    pick(await objectRows(store, 'archive', 'api_requests/dt=2026-11-20/part-0.parquet'), 'request_id', 'user_id'),
  ).toEqual([
    { request_id: '1', user_id: t },
    { request_id: '2', user_id: '7' },
  ]);

  // Warehouse tables (WAREHOUSE_ERASURE): the same plan with the pseudonym's decimal string.
  expect(
    pick(await partitionRows(store, 'processed', `fact_user_activities/dt=${DAY}`), 'event_id', 'user_id', 'metadata'),
  ).toEqual([
    { event_id: 'a1', user_id: t, metadata: null },
    { event_id: 'a2', user_id: '7', metadata: '{"q":"y"}' },
  ]);
  expect(
    pick(
      await partitionRows(store, 'processed', `fact_auth_events/dt=${DAY}`),
      'event_id',
      'user_id',
      'attempted_email',
      'ip',
      'user_agent',
      'failure_reason',
    ),
  ).toEqual([
    { event_id: '1', user_id: t, attempted_email: null, ip: null, user_agent: null, failure_reason: null },
    { event_id: '3', user_id: null, attempted_email: null, ip: null, user_agent: null, failure_reason: 'bad_password' },
    {
      event_id: '2',
      user_id: '7',
      attempted_email: 'other.person@example.test',
      ip: '10.0.0.7',
      user_agent: 'UA-2',
      failure_reason: null,
    },
  ]);
  expect(
    pick(
      await partitionRows(store, 'processed', `fact_team_collaborations/dt=${DAY}`),
      'event_id',
      'user_id',
      'target_user_id',
    ),
  ).toEqual([
    { event_id: 'c1', user_id: '7', target_user_id: null },
    { event_id: 'c2', user_id: t, target_user_id: '7' },
    { event_id: 'c3', user_id: '7', target_user_id: '5' },
  ]);
  // dim_users: the tombstone (status deleted, deleted at the request time); another account found by the email
  // loses its personal columns.
  const dim = await partitionRows(store, 'processed', `dim_users/dt=${DAY}`);
  expect(pick(dim, 'user_id', 'email', 'full_name', 'status')).toEqual([
    { user_id: '7', email: 'other.person@example.test', full_name: 'Other Person', status: 'active' },
    { user_id: t, email: null, full_name: null, status: 'deleted' },
    { user_id: '23', email: null, full_name: null, status: 'deleted' },
  ]);
  expect(new Date(String(dim[1]?.deleted_at)).toISOString()).toBe(ERASED_AT);
  expect(dim[2]?.deleted_at).toBeNull();
  expect(
    pick(
      await objectRows(
        store,
        'processed',
        '_staging/0123456789abcdef/attempt-1/fact_session_metrics/part-00000-c000.snappy.parquet',
      ),
      'session_id',
      'user_id',
      'ip',
      'user_agent',
      'device',
    ),
  ).toEqual([
    { session_id: 's1', user_id: t, ip: null, user_agent: null, device: 'desktop' },
    { session_id: 's2', user_id: '7', ip: '10.0.0.7', user_agent: 'UA-2', device: 'mobile' },
  ]);
  expect(
    pick(
      await objectRows(store, 'archive', 'fact_api_requests/dt=2026-11-20/part-00000.parquet'),
      'event_id',
      'user_id',
    ),
  ).toEqual([
    { event_id: 'r1', user_id: t },
    { event_id: 'r2', user_id: '7' },
  ]);

  expect(result.zones.raw).toMatchObject({ objectsRewritten: 5, rowsDeleted: 0, rowsTokenised: 7, unclassified: [] });
  expect(result.zones.processed).toMatchObject({
    objectsRewritten: 5,
    rowsDeleted: 0,
    rowsTokenised: 8,
    unclassified: [],
  });
  expect(result.zones.archive).toMatchObject({
    objectsRewritten: 2,
    rowsDeleted: 0,
    rowsTokenised: 2,
    unclassified: [],
  });
}

interface Harness {
  name: string;
  missing?: string;
  setup: () => Promise<{ newStore: () => Promise<ObjectStore>; teardown: () => Promise<void> }>;
}
const fakeGcs = findEmulator(fakeGcsBinary);
let bucketCounter = 0;
const harnesses: Harness[] = [
  {
    name: 'local fs',
    setup: () =>
      Promise.resolve({
        newStore: () => {
          const root = fs.mkdtempSync(path.join(scratch, 'lake-'));
          const zone = (z: string) => path.join(root, z);
          return Promise.resolve(
            new FsObjectStore({ raw: zone('raw'), processed: zone('processed'), archive: zone('archive') }),
          );
        },
        teardown: () => Promise.resolve(),
      }),
  },
  {
    name: 'GCS on fake-gcs-server',
    missing: fakeGcs.missing,
    setup: async () => {
      const emulator: RunningEmulator = await startFakeGcs(fakeGcs.binary);
      return {
        newStore: async () => {
          const n = ++bucketCounter;
          const store = new GcsObjectStore({
            projectId: 'test',
            apiEndpoint: emulator.endpoint,
            buckets: { raw: `raw-${n}`, processed: `processed-${n}`, archive: `archive-${n}` },
          });
          await store.ensureBuckets();
          return store;
        },
        teardown: () => emulator.stop(),
      };
    },
  },
];

describe.each(harnesses)('erasing a user from lake objects: $name', ({ missing, setup }) => {
  if (missing) console.warn(`skipping: ${missing}`);
  let newStore: () => Promise<ObjectStore>;
  let teardown: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (missing) return;
    ({ newStore, teardown } = await setup());
  });
  afterAll(async () => {
    await teardown?.();
  });

  it.skipIf(Boolean(missing))(
    'removes exactly the user rows, keeps schemas, other files and untouched partitions, and is idempotent',
    async () => {
      const store = await newStore();
      await buildLake(store);
      const untouchedBefore = await Promise.all(UNTOUCHED.map(([z, p]) => generation(store, z, p)));
      const sessionsPart1 = await partitionFile(store, 'raw', `sessions/dt=${DAY}`, 'part-1.parquet');
      const schemaBefore = await fileSchema(
        await localCopy(
          store,
          'processed',
          (await store.readPartition('processed', `fact_auth_events/dt=${DAY}`))!.keys[0]!,
        ),
      );
      const rawSchemaBefore = await fileSchema(
        await localCopy(store, 'raw', (await store.readPartition('raw', `auth_events/dt=${DAY}`))!.keys[0]!),
      );
      const progress: Array<{ scanned: number; total: number; rewritten: number }> = [];

      const result = await eraseUserFromObjects(store, ERASED, {
        lock: createInProcessLock(),
        tmpDir: scratch,
        onProgress: (p) => progress.push(p),
      });

      await expectErasedLake(store, result);
      // Untouched partitions keep their generation; the other file of a rewritten partition is byte-identical.
      expect(await Promise.all(UNTOUCHED.map(([z, p]) => generation(store, z, p)))).toEqual(untouchedBefore);
      expect(await partitionFile(store, 'raw', `sessions/dt=${DAY}`, 'part-1.parquet')).toEqual(sessionsPart1);
      // Column names and types survive the rewrite.
      expect(
        await fileSchema(
          await localCopy(
            store,
            'processed',
            (await store.readPartition('processed', `fact_auth_events/dt=${DAY}`))!.keys[0]!,
          ),
        ),
      ).toEqual(schemaBefore);
      expect(
        await fileSchema(
          await localCopy(store, 'raw', (await store.readPartition('raw', `auth_events/dt=${DAY}`))!.keys[0]!),
        ),
      ).toEqual(rawSchemaBefore);
      // Progress went from nothing to everything.
      const last = progress[progress.length - 1]!;
      expect(last.scanned).toBe(last.total);
      expect(last.rewritten).toBe(12);
      expect(result.zones.processed.objectsScanned).toBe(
        last.total - result.zones.raw.objectsScanned - result.zones.archive.objectsScanned,
      );

      // A second run finds nothing to do and changes nothing.
      const generations = async () =>
        Promise.all((['raw', 'processed'] as const).flatMap((z) => PARTITIONS[z].map((p) => generation(store, z, p))));
      const before = await generations();
      const again = await eraseUserFromObjects(store, ERASED, { lock: createInProcessLock(), tmpDir: scratch });
      for (const z of Object.values(again.zones)) {
        expect(z).toMatchObject({ objectsRewritten: 0, rowsDeleted: 0, rowsTokenised: 0 });
      }
      expect(await generations()).toEqual(before);
      await store.close();
    },
  );

  it.skipIf(Boolean(missing))(
    'scan finds the user before, nothing after, and what the rewrite could not classify',
    async () => {
      const store = await newStore();
      await buildLake(store);
      await plantUnexpected(store);
      const before = await scanObjectsForUser(store, ERASED, { tmpDir: scratch });
      expect(before.map((s) => s.store)).toEqual(['objects.raw', 'objects.processed', 'objects.archive']);
      for (const zone of before) expect(zone.occurrences).toBeGreaterThan(0);
      // The other user is there too, and a bystander whose id is a substring of the user's is not confused with it.
      expect(
        (await scanObjectsForUser(store, { tenantId: '1', userId: '2' }, { tmpDir: scratch })).map(
          (s) => s.occurrences,
        ),
      ).toEqual([0, 0, 0]);

      const result = await eraseUserFromObjects(store, ERASED, { lock: createInProcessLock(), tmpDir: scratch });
      // On GCS the key names the partition's committed generation (`…/_gen=<id>/part-0.parquet`).
      const mystery = new RegExp(`^mystery/dt=${DAY}/(_gen=[^/]+/)?part-0\\.parquet$`);
      expect(result.zones.processed.unclassified).toEqual([expect.stringMatching(mystery)]);
      expect(result.zones.archive.unclassified).toEqual(['exports/summary.json']);

      const after = await scanObjectsForUser(store, ERASED, { tmpDir: scratch });
      expect(after.find((s) => s.store === 'objects.raw')?.occurrences).toBe(0);
      // owner_ref = '22', the email inside free text, and "reviewer_id": 22 in JSON: data the rewrite missed.
      expect(after.find((s) => s.store === 'objects.processed')).toMatchObject({
        occurrences: 2,
        examples: [expect.stringMatching(mystery)],
      });
      expect(after.find((s) => s.store === 'objects.archive')).toMatchObject({
        occurrences: 1,
        examples: ['exports/summary.json'],
      });
      // Token and examples never carry personal data.
      expect(JSON.stringify(after)).not.toMatch(/erased\.person/i);

      await store.deletePrefix('processed', 'mystery/');
      await store.delete('archive', 'exports/summary.json');
      const clean = await scanObjectsForUser(store, ERASED, { tmpDir: scratch });
      expect(clean.map((s) => s.occurrences)).toEqual([0, 0, 0]);
      expect(clean.every((s) => s.examples.length === 0)).toBe(true);
      // The other user is still everywhere.
      const other = await scanObjectsForUser(store, OTHER, { tmpDir: scratch });
      for (const zone of other) expect(zone.occurrences).toBeGreaterThan(0);
      await store.close();
    },
  );
});

describe('erasing lake objects (local fs)', () => {
  const newStore = () => {
    const root = fs.mkdtempSync(path.join(scratch, 'lake-'));
    return new FsObjectStore({
      raw: path.join(root, 'raw'),
      processed: path.join(root, 'processed'),
      archive: path.join(root, 'archive'),
    });
  };

  it('finds a distinctive id in any column, as a whole token only', async () => {
    const store = newStore();
    const subject = { tenantId: 't-1', userId: 'usr-7f3a9c21' };
    await store.replacePartition('raw', 'odd_table/dt=2026-11-27', [
      {
        name: 'part-0.parquet',
        path: await fx.write(
          `SELECT * FROM (VALUES ('see usr-7f3a9c21.', 1::BIGINT), ('usr-7f3a9c210', 2), ('xusr-7f3a9c21', 3)) t(free_text, n)`,
        ),
      },
    ]);
    await store.put('archive', 'notes/log.txt', Buffer.from('moved usr-7f3a9c21 and usr-7f3a9c2100'));
    const found = await scanObjectsForUser(store, subject, { tmpDir: scratch });
    expect(found.map((s) => [s.store, s.occurrences])).toEqual([
      ['objects.raw', 1],
      ['objects.processed', 0],
      ['objects.archive', 1],
    ]);
  });

  async function expectBothErased(lock: Lock): Promise<void> {
    const store = newStore();
    await buildLake(store);
    const results = await Promise.all([
      eraseUserFromObjects(store, ERASED, { lock, tmpDir: scratch }),
      eraseUserFromObjects(store, OTHER, { lock, tmpDir: scratch }),
    ]);
    expect(results).toHaveLength(2);
    for (const subject of [ERASED, OTHER]) {
      const left = await scanObjectsForUser(store, subject, { tmpDir: scratch });
      expect(left.map((s) => [s.store, s.occurrences, s.examples])).toEqual([
        ['objects.raw', 0, []],
        ['objects.processed', 0, []],
        ['objects.archive', 0, []],
      ]);
    }
    // Both changes landed in the shared partitions: each user's own rows carry their own pseudonym, references to
    // them from the other's rows are cleared.
    expect(
      pick(
        await partitionRows(store, 'processed', `fact_team_collaborations/dt=${DAY}`),
        'event_id',
        'user_id',
        'target_user_id',
      ),
    ).toEqual([
      { event_id: 'c1', user_id: OTHER.token, target_user_id: null },
      { event_id: 'c2', user_id: ERASED.token, target_user_id: null },
      { event_id: 'c3', user_id: OTHER.token, target_user_id: '5' },
    ]);
    expect((await partitionRows(store, 'raw', `users/dt=${DAY}`)).map((r) => r.user_id)).toEqual([
      OTHER.token,
      ERASED.token,
      '220',
    ]);
    expect((await partitionRows(store, 'raw', `sessions/dt=${DAY}`)).map((r) => r.user_id)).toEqual([
      ERASED.token,
      OTHER.token,
      OTHER.token,
      '220',
    ]);
  }

  it('two concurrent erasures of users sharing partitions both land (in-process lock)', async () => {
    await expectBothErased(createInProcessLock());
  });

  it('two concurrent erasures of users sharing partitions both land (Redis lock)', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: Number(TEST_ENV.REDIS_PORT), lazyConnect: true });
    try {
      await redis.connect();
      const prefix = `test:gdpr-objects:${process.pid}:${Date.now()}:`;
      await expectBothErased(createRedisLock(redis, { keyPrefix: prefix, ttlMs: 5_000 }));
      expect(await redis.keys(`${prefix}*`)).toEqual([]); // every lock released
    } finally {
      redis.disconnect();
    }
  });

  it('re-reads a partition under the lock, so a rewrite committed after its scan is not undone', async () => {
    const store = newStore();
    await buildLake(store);
    const inner = createInProcessLock();
    let raced = 0;
    // Another erasure commits between this erasure's lock-free scan and its locked rewrite of each partition.
    const racingLock: Lock = async (resource, fn, options) => {
      if (raced++ === 0) await eraseUserFromObjects(store, OTHER, { lock: inner, tmpDir: scratch });
      return inner(resource, fn, options);
    };
    await eraseUserFromObjects(store, ERASED, { lock: racingLock, tmpDir: scratch });
    for (const subject of [ERASED, OTHER]) {
      expect((await scanObjectsForUser(store, subject, { tmpDir: scratch })).map((s) => s.occurrences)).toEqual([
        0, 0, 0,
      ]);
    }
    expect((await partitionRows(store, 'raw', `users/dt=${DAY}`)).map((r) => r.user_id)).toEqual([
      OTHER.token,
      ERASED.token,
      '220',
    ]);
  });

  it('rewrites a partition that was mid-swap when listed under its partition lock, never as a plain object', async () => {
    const store = newStore();
    await buildLake(store);
    // A concurrent rewrite is swapping users/dt=DAY while this erasure lists the zone: the first resolve fails.
    let first = true;
    const puts: string[] = [];
    const swapping = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'readPartition') {
          return async (zone: Zone, prefix: string) => {
            if (zone === 'raw' && prefix === `users/dt=${DAY}` && first) {
              first = false;
              return undefined;
            }
            return target.readPartition(zone, prefix);
          };
        }
        if (prop === 'putFile') {
          return async (zone: Zone, key: string, file: string) => {
            puts.push(`${zone}/${key}`);
            return target.putFile(zone, key, file);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const locks: string[] = [];
    const inner = createInProcessLock();
    const recording: Lock = (resource, fn, options) => {
      locks.push(resource);
      return inner(resource, fn, options);
    };
    await eraseUserFromObjects(swapping, ERASED, { lock: recording, tmpDir: scratch });
    expect(first).toBe(false);
    expect(puts.filter((k) => k.startsWith('raw/users/'))).toEqual([]);
    expect(locks).toContain(lakePartitionLock('raw', `users/dt=${DAY}`));
    expect((await partitionRows(store, 'raw', `users/dt=${DAY}`)).map((r) => r.user_id)).toEqual([
      '7',
      ERASED.token,
      '220',
    ]);
  });

  it('stops when aborted, before rewriting anything', async () => {
    const store = newStore();
    await buildLake(store);
    const controller = new AbortController();
    const reason = new Error('erasure cancelled');
    const progress: number[] = [];
    const err = await eraseUserFromObjects(store, ERASED, {
      lock: createInProcessLock(),
      tmpDir: scratch,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.scanned);
        if (p.scanned > 0) controller.abort(reason);
      },
    }).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(progress.length).toBeLessThan(4);
    // Nothing was rewritten: the user is still in every zone.
    for (const zone of await scanObjectsForUser(store, ERASED, { tmpDir: scratch })) {
      expect(zone.occurrences).toBeGreaterThan(0);
    }
    // An already aborted signal refuses to start.
    await expect(
      eraseUserFromObjects(store, ERASED, { lock: createInProcessLock(), signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    await expect(scanObjectsForUser(store, ERASED, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    // No temp directories are left behind.
    expect(fs.readdirSync(scratch).filter((n) => n.startsWith('gdpr-objects-'))).toEqual([]);
  });

  it('refuses a malformed subject before touching anything', async () => {
    const store = newStore();
    await expect(
      eraseUserFromObjects(store, { ...ERASED, userId: ERASED.token }, { lock: createInProcessLock() }),
    ).rejects.toThrow(/token must differ/);
    // The token is the pseudonym: a negative integer, never an arbitrary string.
    await expect(
      eraseUserFromObjects(store, { ...ERASED, token: 'tok_9f2c1e0b' }, { lock: createInProcessLock() }),
    ).rejects.toThrow(/token must be the pseudonym/);
    const err = await eraseUserFromObjects(
      store,
      { ...ERASED, userId: '', email: 'not-an-email' },
      {
        lock: createInProcessLock(),
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as PlatformError).type).toBe('InvalidInput');
    expect((err as PlatformError).message).toMatch(/userId: .*; email: /);
    expect((err as PlatformError).message).not.toContain('not-an-email');
    // An empty email means none on record: the id alone is erased.
    const none = await eraseUserFromObjects(store, { ...ERASED, email: '' }, { lock: createInProcessLock() });
    expect(none.zones.raw.objectsRewritten).toBe(0);
  });
});
