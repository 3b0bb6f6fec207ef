import type { ObjectStore, ParquetWriter, QueryParam, Warehouse } from '../adapters/ports';
import { checkName, QUALITY_CHECKS, type QualityCheck, type Severity } from '../schema/quality/catalogue';
import { findTable } from '../schema/warehouse';
import type { Dataset } from '../schema/warehouse/types';
import { withHeartbeat } from './heartbeat';
import { writeRows } from './operations-rows';

export interface QualityCheckResult {
  checkName: string;
  checkType: QualityCheck['type'];
  table: string;
  column?: string;
  severity: Severity;
  passed: boolean;
  observedValue?: number;
  expectedValue?: string;
  metadata?: Record<string, unknown>;
}
export interface RunQualityChecksInput {
  date: string;
  runKey: string;
  workflowId: string;
  /** Rows extracted per source table (reconciliation). */
  extracted: Record<string, number>;
  loaded: Record<string, number>;
}

const DAY_MS = 86_400_000;
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const date = (value: string): QueryParam => ({ type: 'DATE', value });

/** Runs one catalogue check as a single parameterised query; identifiers come from the validated schema. */
export async function runCheck(
  warehouse: Warehouse,
  dataset: Dataset,
  check: QualityCheck,
  ctx: { date: string; extracted: Record<string, number> },
): Promise<QualityCheckResult> {
  const table = findTable(dataset, check.table);
  const ref = `${dataset.name}.${table.name}`;
  const p = table.partitionColumn;
  const dayFilter = p ? `${p} = @d` : 'true';
  const params: Record<string, QueryParam> = p ? { d: date(ctx.date) } : {};
  const count = async (sql: string, extra: Record<string, QueryParam> = {}) =>
    Number((await warehouse.query(sql, { ...params, ...extra }))[0]?.n ?? 0);
  const base = { checkName: checkName(check), checkType: check.type, table: table.name, severity: check.severity };
  switch (check.type) {
    case 'not_null': {
      const n = await count(`select count(*) as n from ${ref} where ${dayFilter} and ${check.column} is null`);
      return { ...base, column: check.column, passed: n === 0, observedValue: n, expectedValue: '= 0 null rows' };
    }
    case 'unique': {
      const cols = check.columns.join(', ');
      const n = await count(
        `select count(*) as n from (select ${cols} from ${ref} where ${dayFilter} group by ${cols} having count(*) > 1) dup`,
      );
      return { ...base, column: cols, passed: n === 0, observedValue: n, expectedValue: '= 0 duplicated keys' };
    }
    case 'accepted_values': {
      const names = check.values.map((_, i) => `@v${i}`);
      const values = Object.fromEntries(check.values.map((v, i) => [`v${i}`, v]));
      const n = await count(
        `select count(*) as n from ${ref} where ${dayFilter} and ${check.column} is not null and ${check.column} not in (${names.join(', ')})`,
        values,
      );
      return {
        ...base,
        column: check.column,
        passed: n === 0,
        observedValue: n,
        expectedValue: `in {${check.values.join(', ')}}`,
      };
    }
    case 'relationships': {
      const to = findTable(dataset, check.toTable);
      const n = await count(
        `select count(*) as n from ${ref} f left join ${dataset.name}.${to.name} d on f.${check.column} = d.${check.toColumn} ` +
          `where ${p ? `f.${p} = @d` : 'true'} and f.${check.column} is not null and d.${check.toColumn} is null`,
      );
      return {
        ...base,
        column: check.column,
        passed: n === 0,
        observedValue: n,
        expectedValue: `= 0 rows without ${to.name}.${check.toColumn}`,
      };
    }
    case 'row_count': {
      const n = await count(`select count(*) as n from ${ref} where ${dayFilter}`);
      const expected = ctx.extracted[check.sourceTable];
      if (expected === undefined) {
        return { ...base, passed: false, observedValue: n, expectedValue: `no extract count for ${check.sourceTable}` };
      }
      return {
        ...base,
        passed: n === expected,
        observedValue: n,
        expectedValue: `= ${expected} (${check.sourceTable} extracted)`,
      };
    }
    case 'freshness': {
      const rows = await warehouse.query(
        `select max(${check.column}) as m, count(*) as n from ${ref} where ${dayFilter}`,
        params,
      );
      const newest = rows[0]?.m;
      if (!newest || Number(rows[0]?.n ?? 0) === 0) {
        const expectedRows = Object.values(ctx.extracted).some((n) => n > 0);
        return {
          ...base,
          column: check.column,
          passed: !expectedRows,
          expectedValue: `≤ ${check.maxLagHours} h`,
          metadata: { rows: 0 },
        };
      }
      const lagHours = (Date.parse(`${addDays(ctx.date, 1)}T00:00:00Z`) - Date.parse(String(newest))) / 3_600_000;
      return {
        ...base,
        column: check.column,
        passed: lagHours <= check.maxLagHours,
        observedValue: Math.round(lagHours * 100) / 100,
        expectedValue: `≤ ${check.maxLagHours} h before the end of ${ctx.date}`,
        metadata: { newest: String(newest) },
      };
    }
    case 'stream_reconciliation': {
      const fact = findTable(dataset, check.factTable);
      if (!p || !fact.partitionColumn) throw new Error(`stream_reconciliation compares partitioned tables`);
      const streamRows = await warehouse.query(
        `select count(*) as windows, coalesce(sum(${check.measure}), 0) as n from ${ref}
         where ${p} = @d${check.where ? ` and ${check.where}` : ''}`,
        params,
      );
      const windows = Number(streamRows[0]?.windows ?? 0);
      const streamed = Number(streamRows[0]?.n ?? 0);
      const batch = await count(
        `select count(*) as n from ${dataset.name}.${fact.name}
         where ${fact.partitionColumn} = @d${check.factWhere ? ` and ${check.factWhere}` : ''}`,
      );
      if (windows === 0) {
        return { ...base, passed: true, observedValue: 0, expectedValue: 'skipped: no stream windows that day' };
      }
      return {
        ...base,
        passed: streamed === batch,
        observedValue: streamed,
        expectedValue: `= ${batch} (${fact.name}${check.factWhere ? ` where ${check.factWhere}` : ''})`,
        metadata: { windows, batch, difference: streamed - batch },
      };
    }
    case 'sum_matches': {
      const fact = findTable(dataset, check.factTable);
      if (!p || !fact.partitionColumn) throw new Error(`sum_matches compares partitioned tables`);
      const summed = await count(
        `select coalesce(sum(${check.measure}), 0) as n from ${ref} where ${p} = @d${check.where ? ` and ${check.where}` : ''}`,
      );
      const facts = await count(
        `select count(*) as n from ${dataset.name}.${fact.name} where ${fact.partitionColumn} = @d`,
      );
      return {
        ...base,
        column: check.measure,
        passed: summed === facts,
        observedValue: summed,
        expectedValue: `= ${facts} (${fact.name} rows)`,
        metadata: { difference: summed - facts },
      };
    }
    case 'volume_anomaly': {
      if (!p) throw new Error(`volume_anomaly needs a partitioned table, ${table.name} is not`);
      const today = await count(`select count(*) as n from ${ref} where ${p} = @d`);
      const history = await warehouse.query(
        `select ${p} as day, count(*) as n from ${ref} where ${p} >= @from and ${p} < @d group by ${p}`,
        { d: date(ctx.date), from: date(addDays(ctx.date, -check.days)) },
      );
      if (history.length < check.minHistory) {
        return {
          ...base,
          passed: true,
          observedValue: today,
          expectedValue: 'skipped',
          metadata: { historyDays: history.length },
        };
      }
      const avg = history.reduce((s, r) => s + Number(r.n), 0) / history.length;
      const low = Math.floor(avg * (1 - check.tolerance));
      const high = Math.ceil(avg * (1 + check.tolerance));
      return {
        ...base,
        passed: today >= low && today <= high,
        observedValue: today,
        expectedValue: `[${low}, ${high}]`,
        metadata: { trailingAverage: Math.round(avg), historyDays: history.length },
      };
    }
  }
}

interface ChecksDeps {
  parquet: ParquetWriter;
  warehouse: Warehouse;
  store: ObjectStore;
  dataset: Dataset;
  scratchDir?: string;
}

/**
 * Runs `checks` for the day and stores one dq_results row per check (merged on run + check, so a retry overwrites).
 * `stage` names the pipeline stage that ran them when it is not the quality stage (publish checks its marts).
 */
export async function runAndStoreChecks(
  deps: ChecksDeps,
  checks: QualityCheck[],
  input: { date: string; runKey: string; extracted?: Record<string, number>; stage?: string },
): Promise<QualityCheckResult[]> {
  const results: QualityCheckResult[] = [];
  for (const check of checks) {
    results.push(
      await runCheck(deps.warehouse, deps.dataset, check, { date: input.date, extracted: input.extracted ?? {} }),
    );
  }
  const checkedAt = new Date().toISOString();
  const rows = results.map((r) => ({
    run_id: input.runKey,
    logical_date: input.date,
    check_name: r.checkName,
    check_type: r.checkType,
    table_name: r.table,
    column_name: r.column ?? null,
    severity: r.severity,
    passed: r.passed,
    observed_value: r.observedValue ?? null,
    expected_value: r.expectedValue ?? null,
    metadata: r.metadata ? JSON.stringify(r.metadata) : null,
    checked_at: checkedAt,
  }));
  const suffix = input.stage ? `:${input.stage}` : '';
  await writeRows(deps, 'dq_results', rows, `${input.runKey}:dq_results${suffix}`);
  return results;
}

/**
 * The quality activity: runs the catalogue's quality-stage checks, stores the results, and returns them. It never
 * fails the run itself: the workflow reads the severities.
 */
export function createQualityActivities(deps: ChecksDeps & { checks?: QualityCheck[] }) {
  return {
    async runQualityChecks(
      input: RunQualityChecksInput,
    ): Promise<{ results: QualityCheckResult[]; durationMs: number }> {
      return withHeartbeat(async () => {
        const started = Date.now();
        const results = await runAndStoreChecks(deps, deps.checks ?? QUALITY_CHECKS, input);
        return { results, durationMs: Date.now() - started };
      });
    },
  };
}

export type QualityActivities = ReturnType<typeof createQualityActivities>;
