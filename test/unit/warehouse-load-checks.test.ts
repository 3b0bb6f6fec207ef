import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType, PlatformError } from '../../adapters/errors';
import { toRows } from '../../adapters/warehouse/duckdb-file';
import {
  checkLoadFiles,
  checkRowsOnDay,
  checkSourceKeys,
  columnsToAdd,
  type ExistingColumn,
} from '../../adapters/warehouse/load-checks';
import type { ParquetColumn } from '../../adapters/warehouse/schema';
import {
  insertSelectSql,
  mergeSql,
  quoteIdentifier,
  rowsOutsideDaySql,
  sourceKeyCountsSql,
} from '../../adapters/warehouse/sql';
import type { Column, Table } from '../../schema/warehouse/types';

/** The checks and statements both warehouse adapters share (adapters/warehouse/{load-checks,sql}.ts). */

const table: Table = {
  name: 'dim_users',
  kind: 'dimension',
  description: 'one row per user',
  primaryKey: ['user_id'],
  columns: [
    { name: 'user_id', type: 'STRING', mode: 'REQUIRED', description: 'user' },
    { name: 'logins', type: 'INT64', description: 'logins' },
    { name: 'seen_on', type: 'DATE', description: 'day' },
  ],
};
const key = [{ name: 'user_id' }];
const seenOn = table.columns.find((c) => c.name === 'seen_on') as Column;

function refusal(fn: () => unknown): PlatformError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformError);
    return err as PlatformError;
  }
  throw new Error('expected a refusal');
}

describe('schema drift (ensureDataset on an existing table)', () => {
  it('returns the NULLABLE columns the table lacks', () => {
    const existing: ExistingColumn[] = [{ name: 'user_id', type: 'VARCHAR' }];
    expect(columnsToAdd('duckdb', table, existing).map((c) => c.name)).toEqual(['logins', 'seen_on']);
  });

  it("accepts BigQuery's legacy type names", () => {
    const existing: ExistingColumn[] = [
      { name: 'user_id', type: 'STRING' },
      { name: 'logins', type: 'INTEGER' },
      { name: 'seen_on', type: 'DATE' },
    ];
    expect(columnsToAdd('bigquery', table, existing)).toEqual([]);
  });

  it('refuses a type that differs, naming the engine', () => {
    const duck = refusal(() => columnsToAdd('duckdb', table, [{ name: 'user_id', type: 'BIGINT' }]));
    expect(duck.message).toBe('schema drift: dim_users.user_id is BIGINT in DuckDB, STRING in the schema');
    const bq = refusal(() => columnsToAdd('bigquery', table, [{ name: 'user_id', type: 'INTEGER' }]));
    expect(bq.message).toBe('schema drift: dim_users.user_id is INTEGER in BigQuery, STRING in the schema');
  });

  it('refuses to add a REQUIRED column', () => {
    const err = refusal(() => columnsToAdd('bigquery', table, [{ name: 'logins', type: 'INT64' }]));
    expect(err.type).toBe(ErrorType.InvalidInput);
    expect(err.message).toContain('cannot add REQUIRED column dim_users.user_id');
  });
});

describe('file checks', () => {
  const columns = (...names: string[]): ParquetColumn[] =>
    names.map((name) => ({ name, type: name === 'logins' ? 'INT64' : 'STRING', describe: 'x' }));

  it('returns the columns every file shares', async () => {
    const read = () => Promise.resolve(columns('user_id', 'logins'));
    expect((await checkLoadFiles(table, ['a', 'b'], read)).map((c) => c.name)).toEqual(['user_id', 'logins']);
  });

  it('refuses files whose columns differ, and no files at all', async () => {
    const read = (file: string) => Promise.resolve(file === 'a' ? columns('user_id') : columns('user_id', 'logins'));
    await expect(checkLoadFiles(table, ['a', 'b'], read)).rejects.toThrow('b: columns differ from a');
    await expect(checkLoadFiles(table, [], read)).rejects.toThrow('no Parquet files to load');
  });
});

describe('shared statements on DuckDB', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  const q = (name: string) => quoteIdentifier('duckdb', name);
  const rows = async (sql: string, params?: Record<string, string>) => toRows(await conn.runAndReadAll(sql, params));

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
    await conn.run(`CREATE TABLE target (user_id VARCHAR, logins BIGINT, seen_on DATE)`);
    await conn.run(`CREATE TABLE source (user_id VARCHAR, logins BIGINT, seen_on DATE)`);
  });
  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
  });

  it('counts rows outside the day, NULL days included', async () => {
    await conn.run(
      `INSERT INTO source VALUES ('u1', 1, DATE '2026-11-27'), ('u2', 2, NULL), ('u3', 3, DATE '2026-11-28')`,
    );
    const [counted] = await rows(rowsOutsideDaySql('duckdb', 'source', q('seen_on')), { day: '2026-11-27' });
    expect(counted?.outside).toBe(2);
    const err = refusal(() => checkRowsOnDay(counted, { partition: seenOn, date: '2026-11-27' }));
    expect(err.message).toBe(
      '2 row(s) in the files have seen_on other than 2026-11-27; refusing to load them into that day',
    );
  });

  it('counts NULL and repeated keys, and refuses them quoting the key in the dialect', async () => {
    await conn.run(`DELETE FROM source`);
    await conn.run(`INSERT INTO source VALUES ('u1', 1, NULL), ('u1', 2, NULL), (NULL, 3, NULL)`);
    const [counted] = await rows(sourceKeyCountsSql('duckdb', 'source', key));
    expect(counted).toEqual({ null_keys: 1, dup_keys: 1 });
    expect(refusal(() => checkSourceKeys('duckdb', { table, key }, counted)).message).toBe(
      'source rows of dim_users have a NULL key ("user_id")',
    );
    const onlyRepeated = { null_keys: 0, dup_keys: 1 };
    expect(refusal(() => checkSourceKeys('bigquery', { table, key }, onlyRepeated)).message).toContain(
      'repeat 1 key(s) (`user_id`)',
    );
  });

  it('merges on the key: updates the columns given, keeps the others, inserts new keys', async () => {
    await conn.run(`DELETE FROM source`);
    await conn.run(`INSERT INTO target VALUES ('u1', 1, DATE '2026-11-01')`);
    await conn.run(`INSERT INTO source VALUES ('u1', 5, NULL), ('u2', 7, NULL)`);
    const columns = [{ name: 'user_id' }, { name: 'logins' }];
    const source = `(SELECT ${columns.map((c) => q(c.name)).join(', ')} FROM source)`;
    await conn.run(mergeSql('duckdb', 'target', source, key, columns));
    expect(await rows('SELECT user_id, logins, CAST(seen_on AS VARCHAR) AS seen_on FROM target ORDER BY 1')).toEqual([
      { user_id: 'u1', logins: 5, seen_on: '2026-11-01' },
      { user_id: 'u2', logins: 7, seen_on: null },
    ]);
  });

  it('a key-only merge has no WHEN MATCHED clause; inserts read through the given expression', () => {
    expect(mergeSql('bigquery', 't', 's', key, key)).not.toContain('WHEN MATCHED');
    expect(insertSelectSql('bigquery', 't', 's', [{ name: 'd' }], (c) => `F(${c.name})`)).toBe(
      'INSERT INTO t (`d`) SELECT F(d) FROM s',
    );
  });
});
