import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BigQueryTable } from '../../schema/generate/bigquery';
import { BIGQUERY_TABLES_DIR, GCS_LIFECYCLE_DIR, generateFiles } from '../../schema/generate/files';
import { gcsLifecycle, LAKE_BUCKETS, SCRATCH_PREFIXES } from '../../schema/generate/gcs-lifecycle';
import { findStaleFiles, writeGeneratedFiles } from '../../schema/generate/sync';
import { checkRetention } from '../../schema/retention/check';
import { partitionOfKey, retentionCutoff } from '../../schema/retention/days';
import {
  parseRetentionPolicy,
  RETENTION_POLICY,
  RetentionPolicyError,
  WAREHOUSE_RETENTION_DAYS,
  type RetentionPolicy,
} from '../../schema/retention/policy';
import { tableByName, userAnalytics, type Dataset } from '../../schema/warehouse';

const ROOT = path.resolve(__dirname, '../..');
const DAY_MS = 86_400_000;
const edit = (change: (p: Record<string, unknown> & RetentionPolicy) => void): unknown => {
  const copy = structuredClone(RETENTION_POLICY) as Record<string, unknown> & RetentionPolicy;
  change(copy);
  return copy;
};
const issuesOf = (raw: unknown): string[] => {
  try {
    parseRetentionPolicy(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(RetentionPolicyError);
    expect((err as Error).message).toMatch(/^invalid retention policy: /);
    return (err as RetentionPolicyError).issues;
  }
  throw new Error('the policy was accepted');
};

describe('retention policy', () => {
  it('is the documented default', () => {
    expect(RETENTION_POLICY.lake).toEqual({
      raw: { archiveAfterDays: 30 },
      processed: { deleteAfterDays: 90 },
      archive: { deleteAfterDays: 1095 },
      scratch: { sweepAfterDays: 7 },
    });
    expect(RETENTION_POLICY.streams).toEqual([{ pattern: 'events:*', keepDays: 7 }]);
    expect(RETENTION_POLICY.warehouse.audit_log).toBe(2555);
    expect(RETENTION_POLICY.warehouse.pipeline_runs).toBe(730);
    expect(RETENTION_POLICY.warehouse.dq_results).toBe(730);
    expect(RETENTION_POLICY.warehouse.fact_auth_events).toBe(400);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'fractional days',
      edit((p) => (p.lake.raw.archiveAfterDays = 1.5)),
      /^lake\.raw\.archiveAfterDays: expected a whole number/,
    ],
    ['zero days', edit((p) => (p.lake.processed.deleteAfterDays = 0)), /lake\.processed\.deleteAfterDays: must keep/],
    ['days as text', edit((p) => ((p.lake.scratch as { sweepAfterDays: unknown }).sweepAfterDays = '7')), /scratch/],
    ['a missing zone', edit((p) => delete (p.lake as Partial<RetentionPolicy['lake']>).archive), /^lake\.archive: /],
    ['an unknown key', edit((p) => (p.lake.raw = { archiveAfterDays: 30, keepForever: true } as never)), /keepForever/],
    [
      'an archive shorter than the raw window',
      edit((p) => (p.lake.archive.deleteAfterDays = 30)),
      /lake\.archive\.deleteAfterDays \(30\) must exceed lake\.raw\.archiveAfterDays \(30\)/,
    ],
    [
      'a table name that is not one',
      edit((p) => (p.warehouse['Fact X'] = 10)),
      /^warehouse\.Fact X: .*lower_snake_case/,
    ],
    ['a negative table retention', edit((p) => (p.warehouse.fact_auth_events = -1)), /must keep at least 1 day/],
    [
      'a glob that widens',
      edit((p) => (p.streams = [{ pattern: 'events:[ab]*', keepDays: 7 }])),
      /streams\.0\.pattern/,
    ],
    [
      'a stream listed twice',
      edit((p) => p.streams.push({ pattern: 'events:*', keepDays: 3 })),
      /stream events:\* is listed twice/,
    ],
    ['a negative grace', edit((p) => (p.lifecycleGraceDays = -1)), /lifecycleGraceDays/],
  ])('refuses %s, naming the field', (_name, raw, expected) => {
    const issues = issuesOf(raw);
    expect(
      issues.some((i) => expected.test(i)),
      issues.join('\n'),
    ).toBe(true);
  });

  it('refuses a policy that is not an object at all', () => {
    expect(issuesOf(undefined).join()).toMatch(/expected object/);
  });
});

describe('policy and warehouse schema agree', () => {
  it('every partitioned table takes its retention from the policy', () => {
    expect(checkRetention(userAnalytics, RETENTION_POLICY)).toEqual([]);
    for (const [name, days] of Object.entries(WAREHOUSE_RETENTION_DAYS)) {
      expect(tableByName(name).retentionDays, name).toBe(days);
    }
  });

  it('reports drift, a table without retention and a policy entry without table', () => {
    const dataset: Dataset = structuredClone(userAnalytics);
    dataset.tables.find((t) => t.name === 'fact_auth_events')!.retentionDays = 30;
    const fresh = structuredClone(dataset.tables.find((t) => t.name === 'fact_api_requests')!);
    dataset.tables.push({ ...fresh, name: 'fact_new_events', retentionDays: undefined });
    dataset.tables.push({ ...fresh, name: 'fact_other_events', retentionDays: 12 });
    const policy = parseRetentionPolicy(edit((p) => (p.warehouse.fact_gone = 10)));
    const problems = checkRetention(dataset, policy);
    expect(problems.map((p) => p.table).sort()).toEqual([
      'fact_auth_events',
      'fact_gone',
      'fact_new_events',
      'fact_other_events',
    ]);
    expect(problems.find((p) => p.table === 'fact_auth_events')?.message).toMatch(
      /keeps partitions 30 days but .* 400/,
    );
    expect(problems.find((p) => p.table === 'fact_new_events')?.message).toMatch(/has no retention/);
    expect(problems.find((p) => p.table === 'fact_gone')?.message).toMatch(/lacks/);
    expect(problems.find((p) => p.table === 'fact_other_events')?.message).toMatch(/outside schema\/retention/);
  });
});

describe('rendered into infrastructure', () => {
  const files = generateFiles(userAnalytics, RETENTION_POLICY);
  const content = (p: string) => files.find((f) => f.path === p)?.content ?? '';

  it('BigQuery partition expirations are the policy days', () => {
    for (const [name, days] of Object.entries(RETENTION_POLICY.warehouse)) {
      const table = JSON.parse(content(`${BIGQUERY_TABLES_DIR}/${name}.json`)) as BigQueryTable;
      expect(table.timePartitioning?.expirationMs, name).toBe(String(days * DAY_MS));
    }
  });

  it('GCS lifecycle rules never fire before the workflow would act', () => {
    const p = RETENTION_POLICY;
    const g = p.lifecycleGraceDays;
    expect(gcsLifecycle(p, 'raw').rule.filter((r) => r.action.type === 'Delete')).toEqual([]);
    expect(gcsLifecycle(p, 'processed').rule).toEqual([
      {
        action: { type: 'Delete' },
        condition: { age: p.lake.scratch.sweepAfterDays + g, matchesPrefix: [...SCRATCH_PREFIXES] },
      },
      { action: { type: 'Delete' }, condition: { age: p.lake.processed.deleteAfterDays + g } },
      { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 1 } },
    ]);
    // An archived object is created at least raw.archiveAfterDays after its day: its age-based deletion comes no
    // sooner than its day plus archive.deleteAfterDays.
    const [archiveDelete] = gcsLifecycle(p, 'archive').rule;
    expect(archiveDelete?.action.type).toBe('Delete');
    expect((archiveDelete?.condition.age ?? 0) + p.lake.raw.archiveAfterDays).toBe(p.lake.archive.deleteAfterDays + g);
    for (const bucket of LAKE_BUCKETS) {
      expect(JSON.parse(content(`${GCS_LIFECYCLE_DIR}/${bucket}.json`))).toEqual(gcsLifecycle(p, bucket));
    }
  });

  it('committed files are up to date, and a policy edit makes them stale', () => {
    expect(findStaleFiles(ROOT, files)).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retention-generate-'));
    try {
      writeGeneratedFiles(dir, files);
      const longer = parseRetentionPolicy(edit((p) => (p.lake.processed.deleteAfterDays = 120)));
      expect(findStaleFiles(dir, generateFiles(userAnalytics, longer))).toEqual([
        { path: `${GCS_LIFECYCLE_DIR}/processed.json`, reason: 'different' },
      ]);
      const graceless = parseRetentionPolicy(edit((p) => (p.lifecycleGraceDays = 0)));
      expect(findStaleFiles(dir, generateFiles(userAnalytics, graceless)).map((s) => s.path)).toEqual(
        ['processed', 'archive'].map((b) => `${GCS_LIFECYCLE_DIR}/${b}.json`),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('days', () => {
  it('keeps the cutoff day and the days after it', () => {
    expect(retentionCutoff('2026-03-01', 30)).toBe('2026-01-30');
    expect(retentionCutoff('2028-03-01', 1)).toBe('2028-02-29');
  });

  it.each([
    ['users/dt=2026-11-27/part-0.parquet', { table: 'users', prefix: 'users/dt=2026-11-27', day: '2026-11-27' }],
    [
      'users/dt=2026-11-27/_gen=20261128T0100-1/part-0.parquet',
      { table: 'users', prefix: 'users/dt=2026-11-27', day: '2026-11-27' },
    ],
    ['users/dt=2026-11-27/_SUCCESS', { table: 'users', prefix: 'users/dt=2026-11-27', day: '2026-11-27' }],
    ['users/dt=2026-02-30/part-0.parquet', undefined],
    ['users/dt=2026-11-27', undefined],
    ['_staging/abc/attempt-1/fact_x/dt=2026-11-27/part-0.parquet', undefined],
    ['_health/probe-1', undefined],
    ['loose.parquet', undefined],
  ])('finds the partition of %s', (key, expected) => {
    expect(partitionOfKey(key)).toEqual(expected);
  });
});
