import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type GcpConfig } from '../../config';
import { dataprocServerlessOptionsFrom } from '../../config/dataproc';
import { chooseDataprocRunner, ModeSelectingSparkRunner } from '../../adapters/spark/dataproc-mode';
import { DataprocServerlessRunner, batchIdFor, batchPhases } from '../../adapters/spark/dataproc-serverless';
import { DataprocSparkRunner } from '../../adapters/spark/dataproc';
import { buildSparkRunner } from '../../workers/adapters';

/** DATAPROC_MODE: the choice between the cluster and the Serverless runner, and their configuration. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-dataproc-mode-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function gcpConfig(extra: Record<string, string> = {}): GcpConfig {
  const config = parseConfig({
    PLATFORM: 'gcp',
    GCP_PROJECT_ID: 'hire10x-test',
    DATAPROC_JOBS_URI: 'gs://hire10x-jobs/jobs/',
    ...extra,
  });
  if (config.platform !== 'gcp') throw new Error('expected the gcp configuration');
  return config;
}

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('chooseDataprocRunner', () => {
  it('auto: Serverless up to the threshold (inclusive), a cluster above it or when the rows are unknown', () => {
    expect(chooseDataprocRunner('auto', 35_000, 2_000_000)).toEqual({
      runner: 'serverless',
      reason: 'auto: 35000 rows ≤ 2000000',
    });
    expect(chooseDataprocRunner('auto', 2_000_000, 2_000_000).runner).toBe('serverless');
    expect(chooseDataprocRunner('auto', 2_000_001, 2_000_000)).toEqual({
      runner: 'cluster',
      reason: 'auto: 2000001 rows > 2000000',
    });
    expect(chooseDataprocRunner('auto', undefined, 2_000_000)).toEqual({
      runner: 'cluster',
      reason: 'auto: input rows unknown',
    });
    expect(chooseDataprocRunner('auto', 0, 0).runner).toBe('serverless');
  });

  it('cluster and serverless ignore the rows', () => {
    expect(chooseDataprocRunner('cluster', 1, 2_000_000)).toEqual({
      runner: 'cluster',
      reason: 'DATAPROC_MODE=cluster',
    });
    expect(chooseDataprocRunner('serverless', 10_000_000, 2_000_000).runner).toBe('serverless');
  });
});

describe('DATAPROC_MODE configuration', () => {
  it('defaults to the cluster runner with a 2,000,000-row threshold', () => {
    const config = gcpConfig();
    expect(config.dataproc).toMatchObject({ mode: 'cluster', serverlessMaxRows: 2_000_000 });
    expect(buildSparkRunner(config)).toBeInstanceOf(DataprocSparkRunner);
  });

  it('builds the runner the mode names', async () => {
    const serverless = buildSparkRunner(gcpConfig({ DATAPROC_MODE: 'serverless' }));
    expect(serverless).toBeInstanceOf(DataprocServerlessRunner);
    const auto = buildSparkRunner(gcpConfig({ DATAPROC_MODE: 'auto', DATAPROC_SERVERLESS_MAX_ROWS: '500000' }));
    expect(auto).toBeInstanceOf(ModeSelectingSparkRunner);
    expect((auto as ModeSelectingSparkRunner).choose({ inputRows: 500_000 }).runner).toBe('serverless');
    expect((auto as ModeSelectingSparkRunner).choose({ inputRows: 500_001 }).runner).toBe('cluster');
    await Promise.all([serverless.close(), auto.close()]);
  });

  it('refuses a bad mode or threshold, naming the variable', () => {
    expect(() => gcpConfig({ DATAPROC_MODE: 'spot' })).toThrow(/DATAPROC_MODE/);
    expect(() => gcpConfig({ DATAPROC_SERVERLESS_MAX_ROWS: '-1' })).toThrow(/DATAPROC_SERVERLESS_MAX_ROWS/);
  });

  it('merges DATAPROC_BATCH_CONFIG under the environment-owned options and names every refusal', () => {
    const file = path.join(dir, 'batch.yaml');
    fs.writeFileSync(file, "runtimeVersion: '2.2'\nproperties:\n  spark.executor.instances: '2'\n");
    expect(dataprocServerlessOptionsFrom(gcpConfig({ DATAPROC_BATCH_CONFIG: file }))).toEqual({
      runtimeVersion: '2.2',
      properties: { 'spark.executor.instances': '2' },
      projectId: 'hire10x-test',
      region: 'us-central1',
      jobsUri: 'gs://hire10x-jobs/jobs/',
    });
    const bad = path.join(dir, 'bad-batch.yaml');
    fs.writeFileSync(bad, "runtimeVersion: latest\nimageVersion: '2.2'\nprojectId: x\n");
    expect(issuesOf(() => dataprocServerlessOptionsFrom(gcpConfig({ DATAPROC_BATCH_CONFIG: bad })))).toEqual([
      expect.stringMatching(
        /^DATAPROC_BATCH_CONFIG \(.*bad-batch\.yaml\): unknown option imageVersion; known: .*runtimeVersion/,
      ),
      expect.stringMatching(/projectId comes from the environment/),
    ]);
    fs.writeFileSync(bad, 'runtimeVersion: latest\n');
    expect(issuesOf(() => dataprocServerlessOptionsFrom(gcpConfig({ DATAPROC_BATCH_CONFIG: bad })))).toEqual([
      expect.stringMatching(/^DATAPROC_BATCH_CONFIG \(.*\): runtimeVersion: a Dataproc Serverless runtime version/),
    ]);
  });
});

describe('Serverless naming and phases', () => {
  it('batch ids are valid, deterministic per run and generation', () => {
    for (const runId of ['a', 'user-analytics-daily:2026-11-27/abc', 'X'.repeat(300), 'Ünïcode']) {
      for (const generation of [0, 1, 19]) {
        const id = batchIdFor('hire10x', runId, generation);
        expect(id).toMatch(/^[a-z][a-z0-9-]{2,61}[a-z0-9]$/);
        expect(id).toBe(batchIdFor('hire10x', runId, generation));
      }
    }
    expect(batchIdFor('hire10x', 'run-1', 0)).not.toBe(batchIdFor('hire10x', 'run-1', 1));
    expect(batchIdFor('hire10x', 'run-1', 0)).not.toBe(batchIdFor('hire10x', 'run_1', 0));
  });

  it('reads pending and running time from the batch state history', () => {
    const at = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });
    expect(
      batchPhases({
        createTime: at(1_000_000),
        stateHistory: [
          { state: 'PENDING', stateStartTime: at(1_000_000) },
          { state: 'RUNNING', stateStartTime: at(1_061_500) },
        ],
        state: 'SUCCEEDED',
        stateTime: at(1_100_250),
      }),
    ).toEqual({ pending: 61_500, running: 38_750 });
    // A batch that failed before running only has a pending phase.
    expect(
      batchPhases({
        createTime: at(5_000),
        stateHistory: [{ state: 'PENDING', stateStartTime: at(5_000) }],
        state: 'FAILED',
        stateTime: at(9_000),
      }),
    ).toEqual({ pending: 4_000 });
  });
});
