import { type Command } from 'commander';
import type { Config } from '../config';
import type { QueryParam, Row, Warehouse } from '../adapters/ports';
import { buildWarehouse } from '../workers/adapters';
import type { ColumnType } from '../schema/warehouse/types';
import { userAnalytics } from '../schema/warehouse';

const COLUMN_TYPES: ColumnType[] = ['STRING', 'INT64', 'FLOAT64', 'NUMERIC', 'BOOL', 'DATE', 'TIMESTAMP', 'JSON'];

/**
 * `--param name=value` (a STRING) or `--param name:TYPE=value` (DATE, INT64, ...; the engine casts the text).
 * Values always travel as query parameters, never spliced into the SQL.
 */
export function parseParam(spec: string, previous: Record<string, QueryParam> = {}): Record<string, QueryParam> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z0-9]+))?=(.*)$/s.exec(spec);
  if (!m?.[1] || m[3] === undefined)
    throw new Error(`--param ${JSON.stringify(spec)}: expected name=value or name:TYPE=value`);
  const [, name, typeText, value] = m;
  if (name in previous) throw new Error(`--param ${name} given twice`);
  if (!typeText) return { ...previous, [name]: value };
  const type = typeText.toUpperCase() as ColumnType;
  if (!COLUMN_TYPES.includes(type)) {
    throw new Error(`--param ${name}: unknown type ${typeText} (one of ${COLUMN_TYPES.join(', ')})`);
  }
  return { ...previous, [name]: { type, value } };
}

/** Rows as an aligned text table (the `--json` output is the rows array). */
export function formatRows(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: Row[string] | undefined) => (v === null || v === undefined ? 'NULL' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}

/** `analytics warehouse query`: parameterised, read-only unless `--write`, against the platform's warehouse. */
export function registerWarehouseCommands(
  program: Command,
  getConfig: () => Config,
  openWarehouse: (config: Config) => Warehouse = buildWarehouse,
): void {
  const warehouse = program
    .command('warehouse')
    .description('the analytical warehouse (DuckDB locally, BigQuery on gcp)');
  warehouse
    .command('query')
    .description('run one parameterised SQL statement; read-only (SELECT, WITH, DESCRIBE, SHOW) unless --write')
    .argument('<sql>', 'the statement; reference values as @name and pass them with --param')
    .option('--json', 'print the rows as JSON')
    .option('--param <name[:TYPE]=value>', 'a query parameter (repeatable); TYPE e.g. DATE, INT64', parseParam, {})
    .option('--write', 'allow statements that change data (DML, DDL)')
    .action(async (sql: string, opts: { json?: boolean; param: Record<string, QueryParam>; write?: boolean }) => {
      const wh = openWarehouse(getConfig());
      try {
        // Unqualified names resolve in the analytics dataset: `from fact_auth_events` works as it reads.
        const rows = await wh.query(sql, opts.param, { write: opts.write, defaultDataset: userAnalytics.name });
        process.stdout.write(`${opts.json ? JSON.stringify(rows, null, 2) : formatRows(rows)}\n`);
      } finally {
        await wh.close();
      }
    });
}
