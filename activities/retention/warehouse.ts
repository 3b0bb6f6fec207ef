import { ErrorType, PlatformError } from '../../adapters/errors';
import type { Warehouse } from '../../adapters/ports';
import { findTable } from '../../schema/warehouse';
import type { Dataset, Table } from '../../schema/warehouse/types';
import { runHash } from '../run-keys';

/**
 * Warehouse side of retention, in portable SQL (DuckDB and BigQuery) over the Warehouse port. Identifiers come from
 * the validated dataset; values travel as parameters.
 */

function partitioned(dataset: Dataset, name: string): { ref: string; column: string; table: Table } {
  const table = findTable(dataset, name);
  if (!table.partitionColumn) {
    throw new PlatformError(
      ErrorType.InvalidInput,
      `table ${name} has no partition column: retention cannot expire it`,
    );
  }
  return { ref: `${dataset.name}.${table.name}`, column: table.partitionColumn, table };
}

const date = (value: string) => ({ type: 'DATE' as const, value });

/**
 * Partitions of `table` dated before `cutoff`, with their rows, and bytes where the engine reports them (BigQuery's
 * partition metadata; DuckDB reports none, which the first partition tells, so it is asked once, not per partition).
 */
export async function expiredPartitions(
  warehouse: Warehouse,
  dataset: Dataset,
  name: string,
  cutoff: string,
): Promise<{ day: string; rows: number; bytes: number | null }[]> {
  const { ref, column, table } = partitioned(dataset, name);
  const rows = await warehouse.query(
    `select ${column} as day, count(*) as n from ${ref} where ${column} < @cutoff group by ${column} order by ${column}`,
    { cutoff: date(cutoff) },
  );
  const out: { day: string; rows: number; bytes: number | null }[] = [];
  let reportsBytes = true;
  for (const r of rows) {
    const day = String(r.day);
    let bytes: number | null = null;
    if (reportsBytes) {
      const stats = await warehouse.partitionStats(dataset, table.name, day);
      reportsBytes = stats.bytes !== undefined;
      bytes = stats.bytes ?? null;
    }
    out.push({ day, rows: Number(r.n ?? 0), bytes });
  }
  return out;
}

/**
 * Deletes one day's partition and returns the rows it held. Idempotent: a partition already gone (an earlier attempt,
 * or BigQuery's own partition expiration) deletes nothing and returns 0. Fails retryably if rows remain.
 */
export async function deletePartition(
  warehouse: Warehouse,
  dataset: Dataset,
  name: string,
  day: string,
): Promise<number> {
  const { ref, column } = partitioned(dataset, name);
  const count = async () =>
    Number(
      (await warehouse.query(`select count(*) as n from ${ref} where ${column} = @d`, { d: date(day) }))[0]?.n ?? 0,
    );
  const before = await count();
  if (before === 0) return 0;
  await warehouse.query(`delete from ${ref} where ${column} = @d`, { d: date(day) }, { write: true });
  const left = await count();
  if (left > 0) {
    throw new PlatformError(
      ErrorType.TransientInfrastructure,
      `${left} rows of ${name} ${day} remain after the delete (a concurrent load?); retrying`,
    );
  }
  return before;
}

/**
 * `runHash` of every run pipeline_runs records as finished: their Spark staging (`_staging/<runHash>/`) is no longer
 * read by anyone. A Reset or a re-run of a day is a new run with a new hash, so a finished run's staging is never
 * written again.
 */
export async function finishedRunHashes(warehouse: Warehouse, dataset: Dataset): Promise<Set<string>> {
  const { table } = partitioned(dataset, 'pipeline_runs');
  const rows = await warehouse.query(
    `select workflow_id, run_id from ${dataset.name}.${table.name} where status in ('succeeded', 'failed', 'cancelled')`,
  );
  return new Set(rows.map((r) => runHash(`${String(r.workflow_id)}/${String(r.run_id)}`)));
}
