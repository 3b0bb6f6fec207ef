import { randomBytes } from 'node:crypto';
import { type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { FsObjectStore } from '../../adapters/object-store/fs';
import { closeRedis, connectedRedis } from '../../adapters/redis-client';
import { RedisEventBus } from '../../adapters/event-bus/redis';
import type { Zone } from '../../adapters/ports';
import type { Checkpoint } from '../../activities/retention/execute';
import { lakePartitionLock } from '../../adapters/ports';
import { runHash } from '../../activities/run-keys';
import { formatRetentionResult, RetentionInputError, startRetention } from '../../cli/retention';
import { parseConfig, type Config } from '../../config';
import { addDays } from '../../schema/retention/days';
import { userAnalytics } from '../../schema/warehouse';
import { payloadCodecFromConfig } from '../../security/codec';
import { dataConverterFromConfig } from '../../security/data-converter';
import type { DataRetentionResult, RetentionTarget } from '../../workflows/retention-contract';
import { writeDecodedHistory } from '../helpers/decoded-history';
import { killProcess, startWorkerProcess } from '../helpers/platform';
import { TEST_ENV } from '../test-env';

/**
 * `dataRetention` end to end on the shared test platform (its Temporal and Redis) with a lake and DuckDB warehouse of
 * its own, filled with synthetic partitions through the ports (no Spark): a dry run changes nothing and plans exactly
 * what the real run then executes, even though the real run's worker process is killed with SIGKILL mid-stage; no
 * object is moved twice nor lost; a second run of the day finds nothing to do.
 *
 * The kill is deterministic: the test holds the lake partition lock of the third raw partition, so the worker archives
 * the first ones, checkpoints, and waits on the lock; once its heartbeat shows that progress, it is killed.
 */
const AS_OF = new Date().toISOString().slice(0, 10);
const day = (n: number) => addDays(AS_OF, -n);
const RUN = randomBytes(4).toString('hex');
const PREFIX = `ret-${RUN}-`;
const TABLE = `ret_${RUN}`; // a raw "table" of this test only: lock keys and streams never meet other suites'
const STREAM = `events:retention-e2e-${RUN}`;
const DS = userAnalytics.name;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-retention-'));
const env = { ...TEST_ENV, ANALYTICS_DATA_DIR: dataDir };
const config: Config = parseConfig({ ...process.env, ...env });
const store = new FsObjectStore(config.lake.zones);
const warehouse = new DuckDbWarehouse(config.warehouse.duckdbPath);
const bus = new RedisEventBus(config.redis);
const text = (s: string) => new TextEncoder().encode(s);

let connection: Connection;
let client: Client;
let worker: ChildProcess | undefined;
/** Every seeded object's content, by zone and key. */
const seeded = new Map<string, string>();
let dryRun: DataRetentionResult;
let realRunId: string;

async function partition(zone: Zone, prefix: string, files: number): Promise<void> {
  const snap = await store.replacePartition(
    zone,
    prefix,
    Array.from({ length: files }, (_, i) => ({ name: `part-${i}.parquet`, body: text(`${zone}/${prefix}#${i}`) })),
  );
  for (const key of [...snap.keys, `${prefix}/_SUCCESS`]) {
    seeded.set(`${zone}:${key}`, new TextDecoder().decode(await store.get(zone, key)));
  }
}

/**
 * Every object and its version, but the scratch areas a run writes into by design: its plan (`_retention/`), and for a
 * real run its report rows' load files (`_activity/`, with `scratch`).
 */
async function lakeState(scratch = false): Promise<Record<Zone, string[]>> {
  const own = (key: string) => key.startsWith('_retention/') || (scratch && key.startsWith('_activity/'));
  const of = async (zone: Zone) =>
    (await store.listObjects(zone, '')).filter((o) => !own(o.key)).map((o) => `${o.key}@${o.version}`);
  return { raw: await of('raw'), processed: await of('processed'), archive: await of('archive') };
}

async function warehouseCounts(): Promise<Record<string, number>> {
  const n = async (sql: string) => Number((await warehouse.query(sql))[0]?.n ?? 0);
  return {
    rpt: await n(`select count(*) as n from ${DS}.rpt_engagement_daily`),
    dq: await n(`select count(*) as n from ${DS}.dq_results`),
  };
}

const killWorker = () => killProcess(worker);

/** The decoded heartbeat details of the running stage activity, if it has reported any. */
async function checkpointOf(workflowId: string): Promise<Checkpoint | undefined> {
  const d = await client.workflow.getHandle(workflowId).describe();
  const act = (d.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'executeRetentionStage');
  const payloads = (act?.heartbeatDetails?.payloads ?? []) as Payload[];
  if (payloads.length === 0) return undefined;
  const [decoded] = await payloadCodecFromConfig(config).decode(payloads);
  return defaultPayloadConverter.fromPayload<Checkpoint | null>(decoded!) ?? undefined;
}

const byTarget = (ts: RetentionTarget[]) =>
  Object.fromEntries(ts.map((t) => [`${t.stage} ${t.target} ${t.action}`, t]));

beforeAll(async () => {
  // Raw: four partitions past the 30-day window (archived), one past the archive's own 1095 days (deleted), one kept.
  for (const n of [40, 41, 42, 43]) await partition('raw', `${TABLE}/dt=${day(n)}`, 4);
  await partition('raw', `${TABLE}/dt=${day(1200)}`, 2);
  await partition('raw', `${TABLE}/dt=${day(5)}`, 2);
  // Processed: one partition past 90 days, one kept; scratch of a finished run, of a live run, an old load file.
  await partition('processed', `fact_auth_events/dt=${day(100)}`, 2);
  await partition('processed', `fact_auth_events/dt=${day(10)}`, 1);
  const finished = runHash(`user-analytics-daily:${day(3)}/run-${RUN}`);
  await store.put('processed', `_staging/${finished}/attempt-1/fact_auth_events/part-0.parquet`, text('staged'));
  await store.put('processed', `_staging/live${RUN}/attempt-1/fact_auth_events/part-0.parquet`, text('live'));
  await store.put('processed', '_activity/dq_results/old.parquet', text('old load'));
  const old = new Date(Date.now() - 10 * 86_400_000);
  fs.utimesSync(path.join(config.lake.zones.processed, '_activity/dq_results/old.parquet'), old, old);
  // Archive: one partition past 1095 days, one kept.
  await partition('archive', `${TABLE}/dt=${day(1100)}`, 2);
  await partition('archive', `${TABLE}/dt=${day(1000)}`, 1);
  // Warehouse: expired and kept partitions, and the finished run's record.
  await warehouse.ensureDataset(userAnalytics);
  const write = (sql: string, d: string) => warehouse.query(sql, { d: { type: 'DATE', value: d } }, { write: true });
  for (const [d, tenant] of [
    [day(800), 't1'],
    [day(800), 't2'],
    [day(10), 't1'],
  ] as const) {
    await write(
      `insert into ${DS}.rpt_engagement_daily (report_date, tenant_id, dau, wau, mau, new_users, total_users)
       values (@d, '${tenant}', 1, 1, 1, 0, 1)`,
      d,
    );
  }
  await write(
    `insert into ${DS}.dq_results (run_id, logical_date, check_name, check_type, table_name, severity, passed, checked_at)
     values ('old-run', @d, 'x.not_null', 'not_null', 'x', 'error', true, now())`,
    day(731),
  );
  await write(
    `insert into ${DS}.pipeline_runs (workflow_id, run_id, pipeline, logical_date, status, started_at)
     values ('user-analytics-daily:${day(3)}', 'run-${RUN}', 'user-analytics-daily', @d, 'succeeded', now())`,
    day(3),
  );
  // A stream: three entries eight to ten days old (past its 7 days), one fresh.
  const redis = await connectedRedis(bus.redis);
  for (const [i, ms] of [
    Date.now() - 10 * 86_400_000,
    Date.now() - 9 * 86_400_000,
    Date.now() - 8 * 86_400_000,
  ].entries()) {
    await redis.xadd(STREAM, `${ms}-0`, 'user_id', String(i), 'kind', 'login');
  }
  await redis.xadd(STREAM, '*', 'user_id', '9', 'kind', 'login');

  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFromConfig(config),
  });
  worker = (await startWorkerProcess(env, PREFIX)).child;
}, 300_000);

afterAll(async () => {
  await killWorker();
  await bus.redis.del(STREAM).catch(() => undefined);
  await closeRedis(bus.redis);
  await warehouse.close();
  await connection?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('dataRetention', () => {
  it('a dry run plans every zone, table and stream with counts and bytes, and changes nothing', async () => {
    const lakeBefore = await lakeState();
    const whBefore = await warehouseCounts();
    const handle = await startRetention(client, config, { asOf: AS_OF, dryRun: true }, { taskQueue: `${PREFIX}etl` });
    expect(handle.workflowId).toMatch(new RegExp(`^data-retention:${AS_OF}:dry-run:`));
    dryRun = await handle.result();
    expect(dryRun.executed).toEqual([]);
    const planned = byTarget(dryRun.planned);
    const size = (zone: Zone, prefix: string) =>
      [...seeded].filter(([k]) => k.startsWith(`${zone}:${prefix}/`)).reduce((s, [, v]) => s + Buffer.byteLength(v), 0);
    const archived = [40, 41, 42, 43].reduce((s, n) => s + size('raw', `${TABLE}/dt=${day(n)}`), 0);
    expect(planned[`archive-raw raw/${TABLE} archive`]).toMatchObject({ items: 4, objects: 20, bytes: archived });
    expect(planned[`archive-raw raw/${TABLE} delete`]).toMatchObject({ items: 1, objects: 3 });
    expect(planned['delete-processed processed/fact_auth_events delete']).toMatchObject({ items: 1, objects: 3 });
    expect(planned['sweep-scratch processed/_staging delete']).toMatchObject({
      items: 1,
      objects: 1,
      cutoff: 'run finished',
    });
    expect(planned['sweep-scratch processed/_activity delete']).toMatchObject({ items: 1, objects: 1, bytes: 8 });
    expect(planned[`delete-archive archive/${TABLE} delete`]).toMatchObject({ items: 1, objects: 3 });
    expect(planned['warehouse rpt_engagement_daily delete']).toMatchObject({ items: 1, rows: 2, bytes: null });
    expect(planned['warehouse dq_results delete']).toMatchObject({ items: 1, rows: 1 });
    expect(planned[`streams ${STREAM} trim`]).toMatchObject({
      items: 1,
      entries: 3,
      bytes: 3 * 'user_id0kindlogin'.length,
    });
    // Nothing else in this private lake and warehouse is past retention (other streams on the shared Redis may be).
    expect(Object.keys(planned).filter((k) => !k.startsWith('streams ')).length).toBe(8);
    expect(dryRun.planKey).toMatch(new RegExp(`^_retention/${AS_OF}/[0-9a-f]{16}/plan\\.json$`));
    expect(await store.list('processed', dryRun.planKey)).toEqual([dryRun.planKey]);

    expect(await lakeState()).toEqual(lakeBefore);
    expect(await warehouseCounts()).toEqual(whBefore);
    expect(await bus.redis.xlen(STREAM)).toBe(4);
  }, 180_000);

  it('prints the plan as a table with counts and bytes', () => {
    const table = formatRetentionResult(dryRun);
    expect(table).toContain('dry run, nothing changed');
    expect(table).toMatch(/stage\s+target\s+action\s+past retention\s+items\s+objects\s+rows\s+entries\s+bytes/);
    expect(table).toMatch(
      new RegExp(`archive-raw\\s+raw/${TABLE}\\s+archive\\s+dt < ${day(30)}\\s+4\\s+20\\s+-\\s+-\\s+[\\d.]+ (B|KiB)`),
    );
    expect(table).toMatch(/warehouse\s+rpt_engagement_daily\s+delete\s+day < \S+\s+1\s+-\s+2\s+-\s+n\/a/);
    expect(table).toContain(`full plan: processed/${dryRun.planKey}`);
  });

  it('refuses bad input clearly: before starting (CLI) and as a non-retryable failure (workflow)', async () => {
    for (const [asOf, message] of [
      ['2026-02-30', /asOf: expected a calendar date as YYYY-MM-DD/],
      ['2999-01-01', /asOf 2999-01-01 is after today .* would delete data early/],
    ] as const) {
      await expect(startRetention(client, config, { asOf }, { taskQueue: `${PREFIX}etl` })).rejects.toThrow(
        RetentionInputError,
      );
      await expect(startRetention(client, config, { asOf }, { taskQueue: `${PREFIX}etl` })).rejects.toThrow(message);
      const handle = await client.workflow.start('dataRetention', {
        taskQueue: `${PREFIX}etl`,
        workflowId: `data-retention:bad-input:${RUN}:${asOf}`,
        args: [{ asOf }],
      });
      const failure = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
      expect(cause?.message).toMatch(/^dataRetention input: /);
      expect(cause?.message).toMatch(message);
    }
  }, 120_000);

  it('the real run, its worker killed mid-stage, resumes and executes exactly the dry run plan, moving nothing twice', async () => {
    const workflowId = `data-retention:${AS_OF}:e2e-${RUN}`;
    const held = `hire10x:lock:${lakePartitionLock('raw', `${TABLE}/dt=${day(42)}`)}`;
    expect(await bus.redis.set(held, 'held-by-test', 'PX', 600_000, 'NX')).toBe('OK');
    const handle = await startRetention(
      client,
      config,
      { asOf: AS_OF, options: { batchSize: 2 } },
      { taskQueue: `${PREFIX}etl`, workflowId },
    );
    // Items of archive-raw, in order: the 1200-day delete, then days 43, 42 (locked), 41, 40.
    let checkpoint: Checkpoint | undefined;
    const deadline = Date.now() + 120_000;
    while (!(checkpoint && checkpoint.item >= 2) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      checkpoint = await checkpointOf(workflowId);
    }
    expect(checkpoint).toMatchObject({ stage: 'archive-raw', item: 2, object: 0 });
    const movedBeforeKill = (await store.listObjects('archive', `${TABLE}/dt=${day(43)}/`)).map((o) => [
      o.key,
      o.version,
    ]);
    expect(movedBeforeKill).toHaveLength(5);
    expect(await store.list('raw', `${TABLE}/dt=${day(42)}/`)).toHaveLength(5);

    await killWorker();
    await bus.redis.del(held);
    worker = (await startWorkerProcess(env, PREFIX)).child;
    const result = await handle.result();
    realRunId = handle.runId;

    // Exactly the plan of the dry run, though a worker died in the middle.
    expect(result.executed).toEqual(dryRun.planned);
    expect(result.planned).toEqual(dryRun.planned);
    expect(result.vanished).toBe(0);
    expect(result.resumed).toEqual([{ stage: 'archive-raw', item: 2, object: 0 }]);
    // The partition archived before the kill was not archived again.
    expect((await store.listObjects('archive', `${TABLE}/dt=${day(43)}/`)).map((o) => [o.key, o.version])).toEqual(
      movedBeforeKill,
    );
    // Nothing lost: every archived object is in the archive with its bytes, and in raw no more.
    for (const n of [40, 41, 42, 43]) {
      for (const [k, body] of seeded) {
        if (!k.startsWith(`raw:${TABLE}/dt=${day(n)}/`)) continue;
        const key = k.slice('raw:'.length);
        expect(new TextDecoder().decode(await store.get('archive', key)), key).toBe(body);
      }
    }
    const remaining = (zone: Zone) => store.list(zone, '').then((ks) => ks.filter((k) => !k.startsWith('_')));
    expect(await remaining('raw')).toEqual([
      `${TABLE}/dt=${day(5)}/_SUCCESS`,
      `${TABLE}/dt=${day(5)}/part-0.parquet`,
      `${TABLE}/dt=${day(5)}/part-1.parquet`,
    ]);
    expect(await remaining('processed')).toEqual([
      `fact_auth_events/dt=${day(10)}/_SUCCESS`,
      `fact_auth_events/dt=${day(10)}/part-0.parquet`,
    ]);
    expect(
      (await remaining('archive')).filter((k) => k.includes(`dt=${day(1100)}`) || k.includes(`dt=${day(1200)}`)),
    ).toEqual([]);
    expect(await remaining('archive')).toHaveLength(20 + 2);
    expect(await store.list('processed', '_staging/')).toEqual([
      `_staging/live${RUN}/attempt-1/fact_auth_events/part-0.parquet`,
    ]);
    expect(await store.list('processed', '_activity/dq_results/old')).toEqual([]);
    const rows = await warehouse.query(`select report_date from ${DS}.rpt_engagement_daily`);
    expect(rows).toEqual([{ report_date: day(10) }]);
    expect(await warehouseCounts()).toMatchObject({ dq: 0 });
    expect(await bus.redis.xlen(STREAM)).toBe(1);
    // The report.
    const [run] = await warehouse.query(
      `select status, row_counts from ${DS}.pipeline_runs where pipeline = 'data-retention' and workflow_id = @w`,
      { w: workflowId },
    );
    expect(run?.status).toBe('succeeded');
    const rowCounts = JSON.parse(String(run?.row_counts)) as Record<string, unknown>;
    expect(rowCounts[`archive-raw raw/${TABLE} archive`]).toEqual({
      planned: expect.objectContaining({ objects: 20 }) as unknown,
      executed: expect.objectContaining({ objects: 20 }) as unknown,
    });
    const [audit] = await warehouse.query(
      `select action, outcome, details from ${DS}.audit_log where workflow_id = @w`,
      {
        w: workflowId,
      },
    );
    expect(audit).toMatchObject({ action: 'retention.run.succeeded', outcome: 'success' });
    expect(JSON.parse(String(audit?.details))).toMatchObject({ planKey: result.planKey, objects: 31, rows: 3 });

    if (process.env.RECORD_RETENTION_HISTORY) {
      await writeDecodedHistory(
        client,
        payloadCodecFromConfig(config),
        workflowId,
        process.env.RECORD_RETENTION_HISTORY,
      );
    }
  }, 420_000);

  it('a second run of the day is a no-op: the day attaches to its run, and a fresh run plans nothing', async () => {
    const workflowId = `data-retention:${AS_OF}:e2e-${RUN}`;
    const again = await startRetention(client, config, { asOf: AS_OF }, { taskQueue: `${PREFIX}etl`, workflowId });
    expect(again.status).toBe('COMPLETED');
    expect(again.runId).toBe(realRunId);
    const lakeBefore = await lakeState(true);
    const fresh = await startRetention(
      client,
      config,
      { asOf: AS_OF },
      { taskQueue: `${PREFIX}etl`, workflowId: `${workflowId}:again` },
    );
    const result = await fresh.result();
    expect(result.planned.filter((t) => !t.target.startsWith('events:') || t.target === STREAM)).toEqual([]);
    expect(result.executed.filter((t) => !t.target.startsWith('events:'))).toEqual([]);
    expect(await lakeState(true)).toEqual(lakeBefore);
  }, 180_000);
});
