import { dimensions } from './dimensions';
import { SchemaError } from './errors';
import { facts } from './facts';
import { operations } from './operations';
import { reporting } from './reporting';
import { factStreamEvents, streaming } from './streaming';
import type { Column, Dataset, ErasureRule, Table } from './types';
import { WAREHOUSE_ERASURE } from '../erasure/rules';

/** Each column's erasure rule, from schema/erasure (the one place they are declared). */
function withErasureRules(tables: Table[]): Table[] {
  return tables.map((table) => {
    const rule = WAREHOUSE_ERASURE.find((r) => r.table === table.name);
    if (!rule) return table;
    const erasureOf = (c: Column): ErasureRule | undefined =>
      rule.references[c.name] ?? (rule.anonymise.includes(c.name) ? 'anonymise' : undefined);
    return {
      ...table,
      columns: table.columns.map((c) => {
        const erasure = erasureOf(c);
        return erasure ? { ...c, erasure } : c;
      }),
    };
  });
}

/** The warehouse dataset: the single definition DuckDB DDL, BigQuery tables and Spark schemas are generated from. */
export const userAnalytics: Dataset = {
  name: 'user_analytics',
  description:
    'Hire10x user analytics: star schema over the User Module (facts by event date, dimensions by source id), ' +
    'dashboard reporting tables and pipeline operations tables.',
  tables: withErasureRules([...facts, factStreamEvents, ...dimensions, ...reporting, ...operations, ...streaming]),
};

/** The table called `name` in `dataset`; throws SchemaError('UnknownTable') naming it otherwise. */
export function findTable(dataset: Dataset, name: string): Table {
  const table = dataset.tables.find((t) => t.name === name);
  if (!table) {
    throw new SchemaError('UnknownTable', name, `Unknown table ${JSON.stringify(name)} in dataset ${dataset.name}`);
  }
  return table;
}

/** The `user_analytics` table called `name`; throws SchemaError('UnknownTable') naming it otherwise. */
export function tableByName(name: string): Table {
  return findTable(userAnalytics, name);
}
