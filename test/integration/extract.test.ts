import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractToParquet } from '../../activities/extract';
import { csvStreamToParquet, csvToParquet, duckdbParquetWriter } from '../../adapters/parquet';
import { PostgresSourceDb } from '../../adapters/source/postgres';
import { SOURCE_TABLES, sourceTable } from '../../schema/source/tables';
import { seedDay, type SeededDay } from '../helpers/seeded-day';

const DAY = '2026-03-10';
let seeded: SeededDay;
let dir: string;
const sources: PostgresSourceDb[] = [];
const source = (parts: number) => {
  const s = new PostgresSourceDb({ ...seeded.config.sourceDb, extractParts: parts });
  sources.push(s);
  return s;
};

beforeAll(async () => {
  seeded = await seedDay('extract_test', DAY);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-test-'));
}, 180_000);
afterAll(async () => {
  for (const s of sources) await s.close();
  await seeded?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every row of a Parquet file as JSON lines, sorted, with the file's column types. */
async function contents(file: string): Promise<{ types: string[]; rows: string[] }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`set TimeZone = 'UTC'`);
    const described = await conn.runAndReadAll(`describe select * from read_parquet('${file}')`);
    const types = described.getRowObjectsJson().map((r) => `${r.column_name as string} ${r.column_type as string}`);
    const reader = await conn.runAndReadAll(`select * from read_parquet('${file}')`);
    const rows = reader
      .getRowObjectsJson()
      .map((r) => JSON.stringify(r))
      .sort();
    return { types, rows };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function sourceCount(table: string, where = ''): Promise<number> {
  const { rows } = await seeded.db.pool.query<{ n: string }>(`select count(*) as n from ${table} ${where}`);
  return Number(rows[0]?.n);
}

describe('extract: COPY streamed into Parquet', () => {
  it('writes the same typed rows as the file path, for every source table, with exact counts', async () => {
    const one = source(1);
    for (const spec of SOURCE_TABLES) {
      const streamed = path.join(dir, `${spec.name}-stream.parquet`);
      const { rows, sourceBytes } = await extractToParquet(
        { source: one, parquet: duckdbParquetWriter },
        spec,
        DAY,
        streamed,
      );
      const extractSpec = {
        table: spec.name,
        columns: spec.columns,
        slice: spec.kind === 'event' ? { column: spec.timestampColumn, day: DAY } : undefined,
      };
      const csv = path.join(dir, `${spec.name}.csv`);
      const viaFile = path.join(dir, `${spec.name}-file.parquet`);
      const result = await one.extractToCsv(extractSpec, csv);
      const fileRows = await csvToParquet(
        csv,
        spec.columns.map((name, i) => ({ name, pgType: result.columnTypes[i] ?? 'text' })),
        viaFile,
      );
      const where =
        spec.kind === 'event'
          ? `where ${spec.timestampColumn} >= '${DAY}'::timestamptz and ${spec.timestampColumn} < '${DAY}'::timestamptz + interval '1 day'`
          : '';
      expect(rows, spec.name).toBe(await sourceCount(spec.name, where));
      expect(fileRows, spec.name).toBe(rows);
      expect(sourceBytes, spec.name).toBe(result.bytes);
      expect(await contents(streamed), spec.name).toEqual(await contents(viaFile));
    }
    // The seeded day is not empty: the comparison above compared rows, not two empty files.
    expect(await sourceCount('activity_events')).toBeGreaterThan(1000);
  }, 180_000);

  it('cuts a day into time ranges over one snapshot: the same rows as one COPY, each exactly once', async () => {
    const spec = sourceTable('activity_events');
    const single = path.join(dir, 'single.parquet');
    const split = path.join(dir, 'split.parquet');
    const a = await extractToParquet({ source: source(1), parquet: duckdbParquetWriter }, spec, DAY, single);
    const b = await extractToParquet({ source: source(3), parquet: duckdbParquetWriter }, spec, DAY, split);
    expect(b.rows).toBe(a.rows);
    expect(await contents(split)).toEqual(await contents(single));
    // Snapshots stay in one part (the time ranges cut a day's slice only).
    expect(source(3).extractParts({ table: 'users', columns: ['user_id'] })).toBe(1);
    expect(() => PostgresSourceDb.partSql({ table: 'users', columns: ['user_id'] }, 0, 2)).toThrow(/one part/);
    // The range bounds tile the day: the first starts at midnight, the last ends at the next midnight.
    const slice = { table: 'activity_events', columns: ['event_id'], slice: { column: 'occurred_at', day: DAY } };
    expect(PostgresSourceDb.partSql(slice, 0, 3)).toContain(`>= '${DAY}'::timestamptz and`);
    expect(PostgresSourceDb.partSql(slice, 1, 3)).toContain(`>= '${DAY}T08:00:00.000Z'::timestamptz`);
    expect(PostgresSourceDb.partSql(slice, 2, 3)).toContain(`< '${DAY}'::timestamptz + interval '1 day'`);
  }, 120_000);

  it('a cancelled extract rejects, and leaves no pipe or partial file behind', async () => {
    const spec = sourceTable('activity_events');
    const file = path.join(dir, 'cancelled.parquet');
    const controller = new AbortController();
    controller.abort(new Error('cancelled by the test'));
    await expect(
      extractToParquet({ source: source(2), parquet: duckdbParquetWriter }, spec, DAY, file, {
        signal: controller.signal,
      }),
    ).rejects.toThrow(/cancelled by the test/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  }, 60_000);
});

describe('csvStreamToParquet', () => {
  const columns = [
    { name: 'id', pgType: 'bigint' },
    { name: 'note', pgType: 'text' },
  ];

  it('aborting mid-stream rejects done, also while DuckDB still waits for a later part', async () => {
    const file = path.join(dir, 'aborted.parquet');
    const stream = await csvStreamToParquet(columns, file, { parts: 2 });
    const first = stream.sinks[0]!;
    await new Promise<void>((resolve, reject) => first.write('1,a\n2,b\n', (err) => (err ? reject(err) : resolve())));
    stream.abort(new Error('stop here'));
    await expect(stream.done).rejects.toThrow(/stop here/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('aborted') && f.endsWith('.pipe'))).toEqual([]);
  }, 30_000);

  it('a value DuckDB refuses fails done and the writer (EPIPE), instead of blocking it', async () => {
    const file = path.join(dir, 'refused.parquet');
    const stream = await csvStreamToParquet(columns, file);
    const bad = Buffer.from('not-a-number,x\n'.repeat(100_000));
    const writing = pipeline(
      (function* () {
        for (let i = 0; i < 20; i++) yield bad;
      })(),
      stream.sinks[0] as Writable,
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    await expect(stream.done).rejects.toThrow(/not-a-number|Could not convert|CSV Error/);
    expect(await writing).toBeInstanceOf(Error);
  }, 30_000);

  it('writes every part in order into one file, and an empty part is fine', async () => {
    const file = path.join(dir, 'parts.parquet');
    const stream = await csvStreamToParquet(columns, file, { parts: 3 });
    const bodies = ['1,"a ""quoted"" one"\n2,\n', '', '3,""\n'];
    await Promise.all(
      stream.sinks.map((sink, i) =>
        pipeline(
          (function* () {
            if (bodies[i]) yield Buffer.from(bodies[i]);
          })(),
          sink as Writable,
        ),
      ),
    );
    expect(await stream.done).toBe(3);
    expect((await contents(file)).rows).toEqual([
      JSON.stringify({ id: '1', note: 'a "quoted" one' }),
      JSON.stringify({ id: '2', note: null }),
      JSON.stringify({ id: '3', note: '' }),
    ]);
  }, 30_000);
});
