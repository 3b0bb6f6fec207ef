import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import { userAnalytics } from '../../schema/warehouse';

/** Tables whose content must not change when the same day runs again (operations tables record each run). */
export const DATA_TABLES = userAnalytics.tables.filter((t) => t.kind !== 'operations').map((t) => t.name);

/** Order-independent content checksum (`rows:md5`) of every data table of a DuckDB warehouse file. */
export async function warehouseChecksums(duckdbPath: string): Promise<Record<string, string>> {
  const wh = new DuckDbWarehouse(duckdbPath);
  try {
    const out: Record<string, string> = {};
    for (const table of DATA_TABLES) {
      const [row] = await wh.query(
        `select count(*) as n, coalesce(md5(string_agg(t::varchar, '|' order by t::varchar)), '') as h from ${userAnalytics.name}.${table} t`,
      );
      out[table] = `${String(row?.n)}:${String(row?.h)}`;
    }
    return out;
  } finally {
    await wh.close();
  }
}
