import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { searchUncovered, type ShapeOfTable } from '../../schema/erasure';
import { SOURCE_TABLES } from '../../schema/source/tables';
import { userAnalytics } from '../../schema/warehouse';

/**
 * The shredder's search.py: every column that looks like a person reference or an email, in the source tables, the
 * warehouse schema and the raw Parquet schemas the Spark job reads, has an erasure rule in schema/erasure (or is
 * listed as not a person reference, with the reason), and every rule names existing columns.
 */

/** `RAW_SCHEMAS` of jobs/transform/raw.py: table → column names, read from the Python source. */
function rawParquetSchemas(): Map<string, string[]> {
  const text = fs.readFileSync(path.join(__dirname, '../../jobs/transform/raw.py'), 'utf8');
  const body = text.slice(text.indexOf('RAW_SCHEMAS'));
  const end = body.indexOf('\n}');
  const starts = [...body.slice(0, end).matchAll(/"([a-z_]+)": _struct\(/g)];
  const out = new Map<string, string[]>();
  starts.forEach((m, i) => {
    const segment = body.slice(m.index, starts[i + 1]?.index ?? end);
    out.set(
      m[1] as string,
      [...segment.matchAll(/\("([a-z_]+)", _/g)].map((c) => c[1] as string),
    );
  });
  return out;
}

const sourceShapes: ShapeOfTable[] = SOURCE_TABLES.map((t) => ({
  store: 'source',
  table: t.name,
  columns: t.columns,
  personal: t.piiColumns,
}));
const warehouseShapes: ShapeOfTable[] = userAnalytics.tables.map((t) => ({
  store: 'warehouse',
  table: t.name,
  columns: t.columns.map((c) => c.name),
  personal: t.columns.filter((c) => c.pii).map((c) => c.name),
}));

describe('person references without an erasure rule', () => {
  it('finds none in the source tables, the warehouse schema or the raw Parquet schemas', () => {
    const raw = rawParquetSchemas();
    expect([...raw.keys()].sort()).toEqual(SOURCE_TABLES.map((t) => t.name).sort());
    const rawShapes: ShapeOfTable[] = [...raw].map(([table, columns]) => ({ store: 'source', table, columns }));
    expect(searchUncovered([...sourceShapes, ...warehouseShapes, ...rawShapes])).toEqual([]);
  });

  it('fails on a new column that names a person or holds an email, and on a rule for a missing column', () => {
    const shapes: ShapeOfTable[] = [
      {
        store: 'source',
        table: 'activity_events',
        columns: [...(SOURCE_TABLES.find((t) => t.name === 'activity_events')?.columns ?? []), 'reviewer_id'],
      },
      { store: 'warehouse', table: 'dim_teams', columns: ['team_id', 'tenant_id', 'contact_email', 'created_by'] },
      { store: 'source', table: 'sessions', columns: ['session_id', 'user_id', 'tenant_id', 'ip'], personal: ['ip'] },
      { store: 'source', table: 'tenants', columns: ['tenant_id', 'name', 'owner_email'], personal: ['name'] },
    ];
    expect(searchUncovered(shapes)).toEqual([
      { store: 'source', table: 'activity_events', column: 'reviewer_id', problem: 'person reference without a rule' },
      { store: 'warehouse', table: 'dim_teams', column: 'contact_email', problem: 'email column without a rule' },
      { store: 'warehouse', table: 'dim_teams', column: 'created_by', problem: 'person reference without a rule' },
      { store: 'source', table: 'sessions', column: 'user_agent', problem: 'rule names a missing column' },
      { store: 'source', table: 'tenants', column: 'name', problem: 'personal column without a rule' },
      { store: 'source', table: 'tenants', column: 'owner_email', problem: 'email column without a rule' },
    ]);
  });
});
