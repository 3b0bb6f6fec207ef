import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryWarehouse } from '../../adapters/warehouse/bigquery';
import { DataprocSparkRunner } from '../../adapters/spark/dataproc';
import { GcsObjectStore } from '../../adapters/object-store/gcs';
import { PubSubEventBus } from '../../adapters/event-bus/pubsub';
import { PostgresSourceDb } from '../../adapters/source/postgres';
import type { Adapters } from '../../adapters/ports';
import { ConfigError, parseConfig, type GcpConfig } from '../../config';
import { dataprocOptionsFrom } from '../../config/dataproc';
import { TEST_ENV } from '../test-env';
import { buildAdapters } from '../../workers/adapters';
import { startFakeDataproc, type RunningFakeDataproc } from '../fakes/dataproc';
import {
  bigQueryEmulatorBinary,
  fakeGcsBinary,
  findEmulator,
  pubSubEmulatorJar,
  startBigQueryEmulator,
  startFakeGcs,
  startPubSubEmulator,
  type RunningEmulator,
} from '../helpers/emulators';

/**
 * PLATFORM=gcp wiring: `buildAdapters` from nothing but environment variables builds GCS, BigQuery, Dataproc and
 * Pub/Sub adapters, and each really talks to the endpoint it was configured with (fake-gcs-server, the BigQuery
 * emulator, the in-repo Dataproc fake, the Pub/Sub emulator). An emulator that is not installed skips its probe.
 */
const PROJECT = 'hire10x-test';
const TOPIC = 'hire10x-user-events-it';
const CLUSTER_YAML = `# the cluster's shape, as an operator would write it
imageVersion: 2.2-debian12
master:
  machineType: n2-highmem-4
workers:
  count: 2
  machineType: custom-6-23040
secondaryWorkers:
  count: 3
  preemptibility: SPOT
sparkProperties:
  spark.sql.adaptive.enabled: "true"
  spark.sql.shuffle.partitions: "64"
labels:
  team: data
idleDeleteTtlSeconds: 900
pollInitialMs: 20
pollMaxMs: 100
`;

const gcsTool = findEmulator(fakeGcsBinary);
const bqTool = findEmulator(bigQueryEmulatorBinary);
const pubSubTool = findEmulator(() => pubSubEmulatorJar().jar);
for (const missing of [gcsTool.missing, bqTool.missing, pubSubTool.missing]) {
  if (missing) console.warn(`gcp adapters: skipping a probe: ${missing}`);
}

let dir: string;
let clusterFile: string;
let fake: RunningFakeDataproc;
const emulators: Partial<Record<'gcs' | 'bigquery' | 'pubsub', RunningEmulator>> = {};

/** `parseConfig` of a gcp environment, narrowed (the Dataproc options exist only on gcp). */
function gcpConfig(env: Record<string, string>): GcpConfig {
  const config = parseConfig(env);
  if (config.platform !== 'gcp') throw new Error(`expected PLATFORM=gcp, got ${config.platform}`);
  return config;
}

/** The test platform's environment (PostgreSQL stays the test one: Cloud SQL uses the same adapter) on gcp. */
function gcpEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...TEST_ENV,
    PLATFORM: 'gcp',
    GCP_PROJECT_ID: PROJECT,
    GCS_BUCKET_RAW: 'it-raw',
    GCS_BUCKET_PROCESSED: 'it-processed',
    GCS_BUCKET_ARCHIVE: 'it-archive',
    GCS_API_ENDPOINT: emulators.gcs?.endpoint ?? 'http://127.0.0.1:9',
    BIGQUERY_API_ENDPOINT: emulators.bigquery?.endpoint ?? 'http://127.0.0.1:9',
    BIGQUERY_EMULATOR_COMPAT: 'true',
    DATAPROC_JOBS_URI: 'gs://hire10x-jobs/jobs/',
    DATAPROC_REGION: 'europe-west1',
    DATAPROC_API_ENDPOINT: `http://localhost:${fake.port}`,
    DATAPROC_CLUSTER_CONFIG: clusterFile,
    PUBSUB_TOPIC: TOPIC,
    PUBSUB_API_ENDPOINT: emulators.pubsub?.endpoint ?? 'http://127.0.0.1:9',
    ...extra,
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcp-adapters-'));
  clusterFile = path.join(dir, 'cluster.yaml');
  fs.writeFileSync(clusterFile, CLUSTER_YAML);
  fake = await startFakeDataproc({ operationDelayMs: 30, jobPendingMs: 20, jobRunningMs: 50 });
  if (gcsTool.binary) emulators.gcs = await startFakeGcs(gcsTool.binary);
  if (bqTool.binary) {
    emulators.bigquery = await startBigQueryEmulator(
      { project: PROJECT, gcsEndpoint: emulators.gcs?.endpoint },
      bqTool.binary,
    );
  }
  if (pubSubTool.binary) {
    emulators.pubsub = await startPubSubEmulator();
    const admin = new PubSub({
      projectId: PROJECT,
      apiEndpoint: `127.0.0.1:${emulators.pubsub.port}`,
      emulatorMode: true,
      universeDomain: 'googleapis.com',
    });
    await admin.createTopic(TOPIC);
    await admin.close();
  }
}, 180_000);

afterAll(async () => {
  await fake?.close();
  await Promise.allSettled(Object.values(emulators).map((e) => e.stop()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('buildAdapters with PLATFORM=gcp', () => {
  let adapters: Adapters;
  beforeAll(() => {
    adapters = buildAdapters(parseConfig(gcpEnv()), () => undefined);
  });
  afterAll(async () => {
    await adapters?.close();
  });

  it('wires GCS, BigQuery, Dataproc and Pub/Sub (and PostgreSQL for Cloud SQL)', () => {
    expect(adapters.store).toBeInstanceOf(GcsObjectStore);
    expect(adapters.warehouse).toBeInstanceOf(BigQueryWarehouse);
    expect(adapters.spark).toBeInstanceOf(DataprocSparkRunner);
    expect(adapters.bus).toBeInstanceOf(PubSubEventBus);
    expect(adapters.source).toBeInstanceOf(PostgresSourceDb);
    expect(adapters.store.uri('raw', 'users/dt=2026-11-27/part-0.parquet')).toBe(
      'gs://it-raw/users/dt=2026-11-27/part-0.parquet',
    );
    expect(adapters.store.uri('processed', 'x')).toBe('gs://it-processed/x');
  });

  it('the object store talks to the configured GCS endpoint', async (ctx) => {
    if (!emulators.gcs) return ctx.skip();
    await (adapters.store as GcsObjectStore).ensureBuckets();
    expect((await adapters.store.ping()).detail).toBeTruthy();
    await adapters.store.put('raw', 'probe/it.txt', new TextEncoder().encode('hello'));
    const listed = (await fetch(`${emulators.gcs.endpoint}/storage/v1/b/it-raw/o`).then((r) => r.json())) as {
      items?: { name: string }[];
    };
    expect(listed.items?.map((i) => i.name)).toContain('probe/it.txt');
  });

  it('the warehouse talks to the configured BigQuery endpoint', { timeout: 60_000 }, async (ctx) => {
    if (!emulators.bigquery) return ctx.skip();
    expect((await adapters.warehouse.ping()).detail).toBe(
      `BigQuery project ${PROJECT} (${emulators.bigquery.endpoint}) ok=1`,
    );
  });

  it('the event bus checks the configured topic on the configured Pub/Sub endpoint', async (ctx) => {
    if (!emulators.pubsub) return ctx.skip();
    expect((await adapters.bus.ping()).detail).toMatch(
      new RegExp(`^Pub/Sub topic projects/${PROJECT}/topics/${TOPIC} `),
    );
  });

  it('the Spark runner creates the cluster the file describes, in the configured region, and deletes it', async () => {
    const runId = `gcp-adapters-${process.pid}`;
    const result = await adapters.spark.run({
      runId,
      name: 'daily_transform',
      mainPythonFile: 'daily_transform.py',
      args: ['--date', '2026-11-27'],
    });
    expect(result.jobId).toMatch(/^daily_transform-[0-9a-f]{16}-0$/);
    const create = fake.state.calls.find((c) => c.method === 'CreateCluster')?.request as {
      projectId: string;
      region: string;
      cluster: { labels: Record<string, string>; config: Record<string, Record<string, unknown>> };
    };
    expect(create).toMatchObject({ projectId: PROJECT, region: 'europe-west1' });
    expect(create.cluster.labels).toMatchObject({ team: 'data', 'managed-by': 'hire10x-analytics' });
    expect(create.cluster.config.masterConfig).toMatchObject({ machineTypeUri: 'n2-highmem-4' });
    expect(create.cluster.config.workerConfig).toMatchObject({ numInstances: 2, machineTypeUri: 'custom-6-23040' });
    expect(create.cluster.config.secondaryWorkerConfig).toMatchObject({ numInstances: 3, preemptibility: 'SPOT' });
    expect(create.cluster.config.softwareConfig).toMatchObject({
      imageVersion: '2.2-debian12',
      properties: { 'spark:spark.sql.shuffle.partitions': '64' },
    });
    const submit = fake.state.calls.find((c) => c.method === 'SubmitJob')?.request as {
      job: { pysparkJob: { mainPythonFileUri: string; pythonFileUris: string[] } };
    };
    expect(submit.job.pysparkJob).toMatchObject({
      mainPythonFileUri: 'gs://hire10x-jobs/jobs/daily_transform.py',
      pythonFileUris: ['gs://hire10x-jobs/jobs/jobs.zip'],
    });
    expect(fake.clusterNames()).toEqual([]);
  });
});

describe('PLATFORM=gcp configuration errors', () => {
  const configError = (env: Record<string, string>): ConfigError => {
    try {
      buildAdapters(parseConfig(env), () => undefined)
        .close()
        .catch(() => undefined);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('expected a ConfigError');
  };
  const withoutKeys = (...keys: string[]) =>
    Object.fromEntries(Object.entries(gcpEnv()).filter(([k]) => !keys.includes(k)));

  it('names every missing required variable', () => {
    expect(configError(withoutKeys('GCP_PROJECT_ID')).issues).toEqual(['GCP_PROJECT_ID: required when PLATFORM=gcp']);
    expect(configError(withoutKeys('DATAPROC_JOBS_URI')).issues).toEqual([
      expect.stringMatching(/^DATAPROC_JOBS_URI: required when PLATFORM=gcp/),
    ]);
  });

  it('refuses malformed variables at parse time', () => {
    expect(configError(gcpEnv({ DATAPROC_JOBS_URI: 's3://bucket/jobs' })).issues).toEqual([
      expect.stringMatching(/^DATAPROC_JOBS_URI: expected a gs:\/\/ folder/),
    ]);
    expect(configError(gcpEnv({ DATAPROC_API_ENDPOINT: 'localhost:1234' })).issues[0]).toMatch(
      /^DATAPROC_API_ENDPOINT: /,
    );
    expect(configError(gcpEnv({ PUBSUB_TOPIC: 'goog-events' })).issues[0]).toMatch(/^PUBSUB_TOPIC: .*goog/);
    expect(configError(gcpEnv({ DATAPROC_REGION: 'Europe' })).issues).toEqual([
      expect.stringMatching(/^DATAPROC_REGION: a GCP region/),
    ]);
  });

  it('validates the cluster file with the runner schema, naming the file and the option', () => {
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const issues = (text: string, name = 'bad.yaml') =>
      configError(gcpEnv({ DATAPROC_CLUSTER_CONFIG: write(name, text) })).issues;
    expect(issues('workers:\n  count: 1\n')).toEqual([
      expect.stringMatching(
        /^DATAPROC_CLUSTER_CONFIG \(.*bad\.yaml\): workers\.count: worker count must be 0 or 2-1000$/,
      ),
    ]);
    expect(issues('{"workers": {"machineType": "custom-4-1000"}}', 'bad.json')[0]).toMatch(
      /bad\.json\): workers\.machineType: custom machine memory must be a multiple of 256 MB$/,
    );
    expect(issues('imageVerison: 2.2-debian12\n')[0]).toMatch(/unknown option imageVerison; known: .*imageVersion/);
    expect(issues('projectId: other-project\n')[0]).toMatch(/projectId comes from the environment/);
    expect(issues('- a\n- b\n')[0]).toMatch(/expected a mapping of cluster options, got a list/);
    expect(issues('workers: [\n')[0]).toMatch(/not valid YAML\/JSON/);
    expect(configError(gcpEnv({ DATAPROC_CLUSTER_CONFIG: path.join(dir, 'missing.yaml') })).issues[0]).toMatch(
      /missing\.yaml\): cannot be read/,
    );
  });

  it('an empty or absent cluster file means the adapter defaults', () => {
    const empty = path.join(dir, 'empty.yaml');
    fs.writeFileSync(empty, '');
    const options = dataprocOptionsFrom(gcpConfig(gcpEnv({ DATAPROC_CLUSTER_CONFIG: empty })));
    expect(options).toEqual({
      projectId: PROJECT,
      region: 'europe-west1',
      jobsUri: 'gs://hire10x-jobs/jobs/',
      endpoint: { host: 'localhost', port: fake.port, insecure: true },
    });
    const { DATAPROC_CLUSTER_CONFIG: _unused, DATAPROC_REGION: _region, ...rest } = gcpEnv();
    expect(dataprocOptionsFrom(gcpConfig(rest))).toMatchObject({ region: 'us-central1' });
  });
});
