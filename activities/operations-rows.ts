import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ObjectStore, ParquetWriter, Warehouse } from '../adapters/ports';
import { findTable } from '../schema/warehouse';
import type { Dataset } from '../schema/warehouse/types';

/** What writing operations rows needs: the warehouse and dataset, the processed zone for staging, a Parquet writer. */
export interface OperationsRowsDeps {
  warehouse: Warehouse;
  dataset: Dataset;
  store: ObjectStore;
  parquet: ParquetWriter;
  scratchDir?: string;
}

/** Upserts activity-computed rows into a keyed table through Parquet + MERGE (the load path Spark output takes). */
export async function writeRows(
  deps: OperationsRowsDeps,
  tableName: string,
  rows: Record<string, unknown>[],
  jobKey: string,
): Promise<void> {
  const table = findTable(deps.dataset, tableName);
  const dir = await fs.mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), `${tableName}-`));
  try {
    const file = path.join(dir, 'rows.parquet');
    await deps.parquet.fromRows(rows, table, file);
    const key = `_activity/${tableName}/${jobKey.replace(/[^A-Za-z0-9_.=-]+/g, '_')}.parquet`;
    await deps.store.putFile('processed', key, file);
    await deps.warehouse.mergeDimension({
      dataset: deps.dataset,
      table: tableName,
      parquetFiles: [deps.store.uri('processed', key)],
      jobKey,
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** One `audit_log` row written by a workflow's activity (keyed by `auditId`, so a retry overwrites it). */
export interface AuditRow {
  auditId: string;
  action: string;
  resource: string;
  outcome: 'success' | 'failure' | 'denied';
  workflowId: string;
  runId: string;
  details: Record<string, unknown>;
  tenantId?: string | null;
  subjectToken?: string | null;
}

export async function writeAuditRow(
  deps: OperationsRowsDeps,
  a: AuditRow,
  now = new Date().toISOString(),
): Promise<void> {
  await writeRows(
    deps,
    'audit_log',
    [
      {
        audit_id: a.auditId,
        event_date: now.slice(0, 10),
        occurred_at: now,
        tenant_id: a.tenantId ?? null,
        actor: `workflow:${a.workflowId}`,
        actor_type: 'service',
        action: a.action,
        resource: a.resource,
        subject_token: a.subjectToken ?? null,
        outcome: a.outcome,
        workflow_id: a.workflowId,
        run_id: a.runId,
        details: JSON.stringify(a.details),
      },
    ],
    a.auditId,
  );
}

/** A pipeline run's record: its `pipeline_runs` row (stage times and row totals where the pipeline has them). */
export interface RunRecord {
  workflowId: string;
  runId: string;
  pipeline: string;
  logicalDate: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: string;
  rowCounts: Record<string, unknown>;
  error?: { type: string; message: string };
  /** Extra `pipeline_runs` columns (stage durations, row totals); NULL when absent. */
  columns?: Record<string, unknown>;
  /** The audit row's action verb (`pipeline.run`, `retention.run`: the status is appended) and details. */
  auditAction: string;
  auditDetails: Record<string, unknown>;
}

/**
 * Upserts the run's `pipeline_runs` row and its `audit_log` row; both keyed on the run, so retries overwrite.
 * `finished_at` is NULL while the run is still running.
 */
export async function writeRunRecord(deps: OperationsRowsDeps, run: RunRecord): Promise<void> {
  const now = new Date().toISOString();
  await writeRows(
    deps,
    'pipeline_runs',
    [
      {
        workflow_id: run.workflowId,
        run_id: run.runId,
        pipeline: run.pipeline,
        logical_date: run.logicalDate,
        status: run.status,
        started_at: run.startedAt,
        finished_at: run.status === 'running' ? null : now,
        ...run.columns,
        row_counts: JSON.stringify(run.rowCounts),
        error_type: run.error?.type ?? null,
        error_message: run.error?.message ?? null,
      },
    ],
    `${run.workflowId}/${run.runId}:pipeline_runs`,
  );
  await writeAuditRow(
    deps,
    {
      auditId: `${run.workflowId}/${run.runId}:${run.auditAction}`,
      action: `${run.auditAction}.${run.status}`,
      resource: `${run.pipeline}:${run.logicalDate}`,
      outcome: run.status === 'succeeded' ? 'success' : 'failure',
      workflowId: run.workflowId,
      runId: run.runId,
      details: { ...run.auditDetails, error: run.error?.type ?? null },
    },
    now,
  );
}
