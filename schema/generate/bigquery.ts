import { rollupSql, stalenessInterval, type Rollup } from '../warehouse/rollups';
import type { Column, ColumnType, Dataset, Table } from '../warehouse/types';

/** Substituted by Terraform with the full resource name of the PII policy tag it creates. */
export const PII_POLICY_TAG_PLACEHOLDER = '{{PII_POLICY_TAG}}';
/** Substituted with the GCP project id by whoever submits the resource (Terraform sets `project` itself). */
export const PROJECT_ID_PLACEHOLDER = '{{PROJECT_ID}}';

const DAY_MS = 86_400_000;

/**
 * The names the BigQuery API returns (INTEGER, FLOAT, BOOLEAN) rather than the standard SQL aliases, so Terraform
 * does not see a permanent diff between what it sent and what it reads back (terraform-provider-google#9132).
 */
export const BIGQUERY_FIELD_TYPES: Record<ColumnType, string> = {
  STRING: 'STRING',
  INT64: 'INTEGER',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
};

/** A TableFieldSchema of the BigQuery REST API (the subset used here). */
export interface BigQueryField {
  name: string;
  type: string;
  mode: 'REQUIRED' | 'NULLABLE';
  description: string;
  policyTags?: { names: string[] };
}

/** A Table resource of the BigQuery REST API (the subset used here). */
export interface BigQueryTable {
  tableReference: { projectId: string; datasetId: string; tableId: string };
  description: string;
  labels: Record<string, string>;
  schema: { fields: BigQueryField[] };
  timePartitioning?: { type: 'DAY'; field: string; expirationMs?: string };
  requirePartitionFilter?: boolean;
  clustering?: { fields: string[] };
}

export function bigqueryField(column: Column): BigQueryField {
  return {
    name: column.name,
    type: BIGQUERY_FIELD_TYPES[column.type],
    mode: column.mode ?? 'NULLABLE',
    description: column.description,
    ...(column.pii ? { policyTags: { names: [PII_POLICY_TAG_PLACEHOLDER] } } : {}),
  };
}

export function bigqueryTable(dataset: Dataset, table: Table): BigQueryTable {
  const resource: BigQueryTable = {
    tableReference: { projectId: PROJECT_ID_PLACEHOLDER, datasetId: dataset.name, tableId: table.name },
    description: table.description,
    labels: { kind: table.kind, managed_by: 'schema_generate' },
    schema: { fields: table.columns.map(bigqueryField) },
  };
  if (table.partitionColumn) {
    resource.timePartitioning = {
      type: 'DAY',
      field: table.partitionColumn,
      // int64 fields travel as strings in the REST API.
      ...(table.retentionDays === undefined ? {} : { expirationMs: String(table.retentionDays * DAY_MS) }),
    };
    resource.requirePartitionFilter = table.requirePartitionFilter ?? false;
  }
  if (table.clusterBy?.length) resource.clustering = { fields: [...table.clusterBy] };
  return resource;
}

export function bigqueryTableJson(dataset: Dataset, table: Table): string {
  return `${JSON.stringify(bigqueryTable(dataset, table), null, 2)}\n`;
}

/** A materialized-view Table resource of the BigQuery REST API (the subset used here). */
export interface BigQueryMaterializedView {
  tableReference: { projectId: string; datasetId: string; tableId: string };
  description: string;
  labels: Record<string, string>;
  materializedView: {
    query: string;
    enableRefresh: boolean;
    refreshIntervalMs: string;
    maxStaleness: string;
  };
  timePartitioning: { type: 'DAY'; field: string };
  clustering: { fields: string[] };
}

/** Refresh at most every 30 minutes (BigQuery's default; int64 as a string in the REST API). */
const REFRESH_INTERVAL_MS = String(30 * 60_000);

export function bigqueryMaterializedView(dataset: Dataset, rollup: Rollup): BigQueryMaterializedView {
  return {
    tableReference: { projectId: PROJECT_ID_PLACEHOLDER, datasetId: dataset.name, tableId: rollup.name },
    description: `${rollup.description} Materialized view of ${rollup.base}.`,
    labels: { kind: 'materialized_view', managed_by: 'schema_generate' },
    materializedView: {
      query: rollupSql(rollup, `\`${PROJECT_ID_PLACEHOLDER}.${dataset.name}.${rollup.base}\``),
      enableRefresh: true,
      refreshIntervalMs: REFRESH_INTERVAL_MS,
      maxStaleness: stalenessInterval(rollup.maxStalenessHours),
    },
    // Aligned with the mart's day partitions, so a publish that replaces one day invalidates one partition only.
    timePartitioning: { type: 'DAY', field: rollup.groupBy[0] ?? 'report_date' },
    clustering: { fields: [...rollup.clusterBy] },
  };
}

export function bigqueryMaterializedViewJson(dataset: Dataset, rollup: Rollup): string {
  return `${JSON.stringify(bigqueryMaterializedView(dataset, rollup), null, 2)}\n`;
}
