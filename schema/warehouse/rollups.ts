import type { ColumnType, Dataset } from './types';

/**
 * Daily rollups of reporting marts that BigQuery keeps as **materialized views** (`max_staleness`): the same
 * partitioning as their mart (`report_date`), fewer breakdowns, additive measures only (SUM), so BigQuery refreshes
 * them incrementally and its smart tuning rewrites a matching dashboard query (Looker's, which names the mart) to read
 * the view instead. Distinct counts, percentiles and ratios do not roll up by summing and stay in the marts.
 *
 * Locally the DuckDB warehouse has no materialized views: the dashboards read the marts, which is what BigQuery's
 * rewrite answers anyway. `rollupSql` is portable, and the marts contract suite runs every rollup on DuckDB and the
 * BigQuery emulator and checks its totals against the mart's.
 */
export interface Rollup {
  /** The view's name in the dataset (`mv_` prefix). */
  name: string;
  /** The reporting mart it reads (partitioned by day). */
  base: string;
  description: string;
  /** The dashboard tile(s) it serves: `<dashboard>.<tile>` ids of dashboards/tiles.ts. */
  tiles: string[];
  /** Group-by columns, the base's partition column first. */
  groupBy: string[];
  /** Additive measures, summed under their own names. */
  sums: string[];
  /** Clustering columns of the view (a subset of groupBy, tenant_id first). */
  clusterBy: string[];
  /** How stale a read may be, in hours: within it, a read never waits for a refresh. */
  maxStalenessHours: number;
}

/** Marts are replaced once a day by publish; a dashboard may show the previous refresh for a few hours. */
const DAILY_STALENESS_HOURS = 4;

export const rollups: Rollup[] = [
  {
    name: 'mv_api_errors_by_class_daily',
    base: 'rpt_api_errors_daily',
    description: 'API requests and time per tenant, day and status class (all endpoints): the error-rate tile.',
    tiles: ['system.api-errors'],
    groupBy: ['report_date', 'tenant_id', 'status_class'],
    sums: ['requests', 'total_ms'],
    clusterBy: ['tenant_id', 'status_class'],
    maxStalenessHours: DAILY_STALENESS_HOURS,
  },
  {
    name: 'mv_permission_denials_by_role_daily',
    base: 'rpt_permission_access_daily',
    description: 'Permission checks and denials per tenant, day and role (all resources): the denials-by-role tile.',
    tiles: ['security.denials-by-role'],
    groupBy: ['report_date', 'tenant_id', 'role_name'],
    sums: ['checks', 'denied'],
    clusterBy: ['tenant_id', 'role_name'],
    maxStalenessHours: DAILY_STALENESS_HOURS,
  },
  {
    name: 'mv_incidents_by_status_daily',
    base: 'rpt_incidents_daily',
    description: 'Security incidents per tenant, day and status (all detectors and sources): the incidents tile.',
    tiles: ['security.incidents'],
    groupBy: ['report_date', 'tenant_id', 'status'],
    sums: ['incidents'],
    clusterBy: ['tenant_id', 'status'],
    maxStalenessHours: DAILY_STALENESS_HOURS,
  },
];

const ADDITIVE: ReadonlySet<ColumnType> = new Set(['INT64', 'FLOAT64', 'NUMERIC']);

/** The view's query, reading the base from `from` (a qualified table reference). Portable: DuckDB and BigQuery. */
export function rollupSql(rollup: Rollup, from: string): string {
  const keys = rollup.groupBy.join(', ');
  const sums = rollup.sums.map((c) => `SUM(${c}) AS ${c}`).join(', ');
  return `SELECT ${keys}, ${sums} FROM ${from} GROUP BY ${keys}`;
}

/** BigQuery's INTERVAL literal format (`Y-M D H:M:S`) for max_staleness. */
export const stalenessInterval = (hours: number): string => `0-0 0 ${hours}:0:0`;

/**
 * What is wrong with the rollups against the dataset: one line per problem, empty when they are sound. BigQuery
 * would refuse some of these at apply time (a missing column), others would build a view that is never used or
 * not incremental (a non-additive measure, a partition that does not align with the mart's).
 */
export function checkRollups(dataset: Dataset, list: readonly Rollup[] = rollups): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of list) {
    const at = (what: string) => problems.push(`${r.name}: ${what}`);
    if (!/^mv_[a-z0-9_]+$/.test(r.name)) at('name must be mv_<snake_case>');
    if (seen.has(r.name)) at('name repeats');
    seen.add(r.name);
    if (dataset.tables.some((t) => t.name === r.name)) at('name is also a table');
    const base = dataset.tables.find((t) => t.name === r.base);
    if (!base) {
      at(`base ${r.base} is not a table of ${dataset.name}`);
      continue;
    }
    if (!base.partitionColumn) at(`base ${r.base} is not partitioned`);
    else if (r.groupBy[0] !== base.partitionColumn)
      at(`the first group-by column must be the base's partition column ${base.partitionColumn}`);
    const column = (name: string) => base.columns.find((c) => c.name === name);
    for (const c of [...r.groupBy, ...r.sums]) if (!column(c)) at(`column ${c} is not in ${r.base}`);
    for (const c of r.sums) {
      const type = column(c)?.type;
      if (type && !ADDITIVE.has(type)) at(`measure ${c} is ${type}, not additive`);
      if (r.groupBy.includes(c)) at(`measure ${c} is also a group-by column`);
    }
    for (const c of [...r.groupBy, ...r.sums]) if (column(c)?.pii) at(`column ${c} is personal data`);
    if (r.sums.length === 0) at('no measure');
    if (r.groupBy.length >= base.primaryKey.length && base.primaryKey.every((k) => r.groupBy.includes(k)))
      at(`groups by the whole key of ${r.base}: the view would copy the mart`);
    if (r.clusterBy.some((c) => !r.groupBy.includes(c))) at('clusterBy must be group-by columns');
    if (r.groupBy.includes('tenant_id') && r.clusterBy[0] !== 'tenant_id') at('tenant_id must cluster first');
    if (!Number.isInteger(r.maxStalenessHours) || r.maxStalenessHours < 1 || r.maxStalenessHours > 24)
      at('maxStalenessHours must be a whole number of hours, 1-24');
  }
  return problems;
}
