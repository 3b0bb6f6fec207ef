import type { QueryParam, Warehouse } from '../../adapters/ports';
import { findTable, userAnalytics } from '../../schema/warehouse';
import type { Column } from '../../schema/warehouse/types';

/** A value of the column's type when a fixture row does not name it. */
function filler(column: Column, day: string): string | number | boolean {
  switch (column.type) {
    case 'DATE':
      return day;
    case 'TIMESTAMP':
      return `${day}T00:00:00.000Z`;
    case 'INT64':
      return 1;
    case 'FLOAT64':
    case 'NUMERIC':
      return 0.5;
    case 'BOOL':
      return true;
    case 'JSON':
      return '{}';
    default:
      return 'x';
  }
}

/**
 * Inserts one row into a warehouse table through the port (a parameterised INSERT): every column the row does not
 * name gets a value of its type, with `day` for dates and timestamps.
 */
export async function insertRow(
  warehouse: Warehouse,
  table: string,
  day: string,
  values: Record<string, string | number | boolean | null> = {},
): Promise<void> {
  const t = findTable(userAnalytics, table);
  for (const name of Object.keys(values)) {
    if (!t.columns.some((c) => c.name === name)) throw new Error(`fixture: no column ${name} in ${table}`);
  }
  const params: Record<string, QueryParam> = {};
  t.columns.forEach((c, i) => {
    const value = c.name in values ? (values[c.name] ?? null) : filler(c, day);
    params[`p${i}`] = { type: c.type, value };
  });
  await warehouse.query(
    `insert into ${userAnalytics.name}.${t.name} (${t.columns.map((c) => c.name).join(', ')}) values (${t.columns.map((_, i) => `@p${i}`).join(', ')})`,
    params,
    { write: true },
  );
}
