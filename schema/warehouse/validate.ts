import { tableByName } from './dataset';
import { SchemaError } from './errors';
import type { Column, Dataset, Table, TableKind } from './types';

/** lower_snake_case: a letter, then letters/digits in `_`-separated words. Safe unquoted in every dialect used. */
const IDENTIFIER = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
/** BigQuery's limit on column names is 300, on table names 1024; stay well inside both. */
const MAX_IDENTIFIER_LENGTH = 128;
/** BigQuery clusters on at most four columns. */
const MAX_CLUSTER_COLUMNS = 4;

/** Column names that always hold personal data, wherever they appear: they must be flagged pii. */
export const KNOWN_PII_COLUMNS: readonly string[] = [
  'email',
  'full_name',
  'phone',
  'city',
  'ip',
  'attempted_email',
  'user_agent',
];

const TABLE_PREFIX: Record<TableKind, string | undefined> = {
  fact: 'fact_',
  dimension: 'dim_',
  reporting: 'rpt_',
  operations: undefined,
  stream: 'stream_',
};

export function isIdentifier(name: string): boolean {
  return name.length <= MAX_IDENTIFIER_LENGTH && IDENTIFIER.test(name);
}

/**
 * Returns `name` if it is a lower_snake_case identifier, so it may be interpolated into SQL; otherwise throws
 * SchemaError('InvalidIdentifier') naming it. Syntax only: use tableByName/columnOf to check existence.
 */
export function assertIdentifier(name: string): string {
  if (!isIdentifier(name)) {
    throw new SchemaError(
      'InvalidIdentifier',
      name,
      `Invalid identifier ${JSON.stringify(name)}: expected lower_snake_case of at most ${MAX_IDENTIFIER_LENGTH} characters`,
    );
  }
  return name;
}

/**
 * The column `column` of `table` (a Table, or a `user_analytics` table name). Throws SchemaError('UnknownTable')
 * or SchemaError('UnknownColumn') naming the refused value.
 */
export function columnOf(table: Table | string, column: string): Column {
  const t = typeof table === 'string' ? tableByName(table) : table;
  const found = t.columns.find((c) => c.name === column);
  if (!found) {
    throw new SchemaError(
      'UnknownColumn',
      column,
      `Unknown column ${JSON.stringify(column)} in table ${t.name}`,
      t.name,
    );
  }
  return found;
}

/** The rule a DatasetProblem breaks. */
export type DatasetRule =
  | 'naming'
  | 'duplicate'
  | 'primary_key'
  | 'partition'
  | 'clustering'
  | 'fact_shape'
  | 'pii_flag'
  | 'pii_erasure'
  | 'reporting_personal'
  | 'retention';

export interface DatasetProblem {
  rule: DatasetRule;
  table: string;
  column?: string;
  message: string;
}

/**
 * Checks the house rules every table must follow. Returns the problems found (empty when the dataset is sound):
 * - names are lower_snake_case; facts start with fact_, dimensions dim_, reporting rpt_; no duplicates
 * - primary key columns exist and are REQUIRED
 * - the partition column exists and is a REQUIRED DATE; retention and requirePartitionFilter need one
 * - clustering columns exist, at most four, tenant_id first whenever the table has a tenant_id
 * - facts: partitioned by event_date, carry a REQUIRED tenant_id, and a user_id in a fact is tokenised
 * - columns named like personal data (KNOWN_PII_COLUMNS) are flagged pii
 * - pii columns have an erasure rule other than keep; reporting tables hold no personal or per-user column
 */
export function checkDataset(dataset: Dataset): DatasetProblem[] {
  const problems: DatasetProblem[] = [];
  if (!isIdentifier(dataset.name)) {
    problems.push({
      rule: 'naming',
      table: '',
      message: `dataset name ${JSON.stringify(dataset.name)} is not lower_snake_case`,
    });
  }
  const seen = new Set<string>();
  for (const table of dataset.tables) {
    if (seen.has(table.name)) {
      problems.push({ rule: 'duplicate', table: table.name, message: `table ${table.name} is defined twice` });
    }
    seen.add(table.name);
    problems.push(...checkTable(table));
  }
  return problems;
}

function checkTable(table: Table): DatasetProblem[] {
  const problems: DatasetProblem[] = [];
  const add = (rule: DatasetRule, message: string, column?: string): void => {
    problems.push({ rule, table: table.name, ...(column === undefined ? {} : { column }), message });
  };
  const byName = new Map<string, Column>();

  if (!isIdentifier(table.name)) add('naming', `table name ${JSON.stringify(table.name)} is not lower_snake_case`);
  const prefix = TABLE_PREFIX[table.kind];
  if (prefix && !table.name.startsWith(prefix)) add('naming', `${table.kind} table names start with ${prefix}`);
  if (table.columns.length === 0) add('naming', 'a table needs at least one column');

  for (const column of table.columns) {
    if (!isIdentifier(column.name)) {
      add('naming', `column name ${JSON.stringify(column.name)} is not lower_snake_case`, column.name);
    }
    if (byName.has(column.name)) add('duplicate', `column ${column.name} is defined twice`, column.name);
    byName.set(column.name, column);
    if (KNOWN_PII_COLUMNS.includes(column.name) && !column.pii) {
      add('pii_flag', `column ${column.name} holds personal data: flag it pii`, column.name);
    }
    const erasure = column.erasure ?? 'keep';
    if (column.pii && erasure === 'keep') {
      add('pii_erasure', `pii column ${column.name} needs an erasure rule other than keep`, column.name);
    }
    if (table.kind === 'reporting' && (column.pii || erasure !== 'keep')) {
      add('reporting_personal', `reporting tables hold aggregates only, not ${column.name}`, column.name);
    }
  }

  if (table.primaryKey.length === 0) add('primary_key', 'primary key is empty');
  for (const key of table.primaryKey) {
    const column = byName.get(key);
    if (!column) add('primary_key', `primary key column ${key} does not exist`, key);
    else if (column.mode !== 'REQUIRED') add('primary_key', `primary key column ${key} must be REQUIRED`, key);
  }

  if (table.partitionColumn !== undefined) {
    const column = byName.get(table.partitionColumn);
    if (!column) add('partition', `partition column ${table.partitionColumn} does not exist`, table.partitionColumn);
    else if (column.type !== 'DATE' || column.mode !== 'REQUIRED') {
      add('partition', `partition column ${column.name} must be a REQUIRED DATE`, column.name);
    }
  } else {
    if (table.retentionDays !== undefined)
      add('retention', 'retentionDays expires partitions: needs a partition column');
    if (table.requirePartitionFilter) add('partition', 'requirePartitionFilter needs a partition column');
  }
  if (table.retentionDays !== undefined && !(Number.isInteger(table.retentionDays) && table.retentionDays > 0)) {
    add('retention', `retentionDays must be a positive integer, got ${table.retentionDays}`);
  }

  const cluster = table.clusterBy ?? [];
  if (cluster.length > MAX_CLUSTER_COLUMNS) add('clustering', `at most ${MAX_CLUSTER_COLUMNS} clustering columns`);
  if (new Set(cluster).size !== cluster.length) add('clustering', 'clustering columns repeat');
  for (const name of cluster) {
    if (!byName.has(name)) add('clustering', `clustering column ${name} does not exist`, name);
  }
  if (byName.has('tenant_id') && cluster.length > 0 && cluster[0] !== 'tenant_id') {
    add('clustering', 'tenant_id must be the first clustering column');
  }

  if (table.kind === 'fact') {
    if (table.partitionColumn !== 'event_date') add('fact_shape', 'facts are partitioned by event_date');
    const tenant = byName.get('tenant_id');
    if (!tenant || tenant.mode !== 'REQUIRED') add('fact_shape', 'facts carry a REQUIRED tenant_id', 'tenant_id');
    if (cluster[0] !== 'tenant_id') add('fact_shape', 'facts cluster by tenant_id first');
    const user = byName.get('user_id');
    if (user && user.erasure !== 'tokenise') add('fact_shape', 'user_id in a fact is tokenised on erasure', 'user_id');
  }
  return problems;
}
