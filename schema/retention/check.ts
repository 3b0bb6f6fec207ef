import type { Dataset } from '../warehouse/types';
import type { RetentionPolicy } from './policy';

export interface RetentionProblem {
  table: string;
  message: string;
}

/**
 * Holds the policy and the warehouse schema to one truth: every table the policy names exists and is partitioned,
 * every partitioned fact, reporting and operations table has a policy entry (a new table cannot silently keep data
 * forever), and each table's `retentionDays` — what BigQuery's partition expiration is generated from — equals the
 * policy's number. Empty when they agree.
 */
export function checkRetention(dataset: Dataset, policy: RetentionPolicy): RetentionProblem[] {
  const problems: RetentionProblem[] = [];
  const where = 'schema/retention/policy.ts';
  for (const [name, days] of Object.entries(policy.warehouse)) {
    const table = dataset.tables.find((t) => t.name === name);
    if (!table) {
      problems.push({ table: name, message: `${where} names table ${name}, which dataset ${dataset.name} lacks` });
    } else if (!table.partitionColumn) {
      problems.push({ table: name, message: `${name} has no partition column: partitions cannot expire` });
    } else if (table.retentionDays !== days) {
      problems.push({
        table: name,
        message: `${name} keeps partitions ${table.retentionDays ?? 'forever'} days but ${where} says ${days}: take retentionDays from WAREHOUSE_RETENTION_DAYS`,
      });
    }
  }
  for (const table of dataset.tables) {
    if (Object.hasOwn(policy.warehouse, table.name)) continue;
    if (table.retentionDays !== undefined) {
      problems.push({
        table: table.name,
        message: `${table.name} sets retentionDays ${table.retentionDays} outside ${where}: add it to WAREHOUSE_RETENTION_DAYS`,
      });
    } else if (table.partitionColumn && table.kind !== 'dimension') {
      problems.push({
        table: table.name,
        message: `partitioned ${table.kind} table ${table.name} has no retention in ${where}`,
      });
    }
  }
  return problems;
}
