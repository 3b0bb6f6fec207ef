import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIGQUERY_FIELD_TYPES, PII_POLICY_TAG_PLACEHOLDER, type BigQueryTable } from '../../schema/generate/bigquery';
import { DUCKDB_TYPES, duckdbDdl, hasDuckDbPrimaryKey } from '../../schema/generate/duckdb';
import { BIGQUERY_TABLES_DIR, DUCKDB_DDL_PATH, generateFiles, SPARK_SCHEMAS_DIR } from '../../schema/generate/files';
import { GENERATED_MARKER } from '../../schema/generate/marker';
import { SPARK_TYPES, type SparkStruct } from '../../schema/generate/spark';
import { findStaleFiles, writeGeneratedFiles } from '../../schema/generate/sync';
import { tableByName, userAnalytics, type ColumnType, type Dataset } from '../../schema/warehouse';

const ROOT = path.resolve(__dirname, '../..');
const files = generateFiles(userAnalytics);
const contentOf = (p: string): string => {
  const file = files.find((f) => f.path === p);
  if (!file) throw new Error(`not generated: ${p}`);
  return file.content;
};
const bigquery = (table: string) => JSON.parse(contentOf(`${BIGQUERY_TABLES_DIR}/${table}.json`)) as BigQueryTable;
const spark = (table: string) => JSON.parse(contentOf(`${SPARK_SCHEMAS_DIR}/${table}.json`)) as SparkStruct;

/** How DuckDB's information_schema spells the types the DDL declares. */
const INFORMATION_SCHEMA_TYPES: Record<ColumnType, string> = {
  ...DUCKDB_TYPES,
  TIMESTAMP: 'TIMESTAMP WITH TIME ZONE',
};

describe('DuckDB DDL', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    conn = await instance.connect();
    const ddl = duckdbDdl(userAnalytics);
    await conn.run(ddl);
    await conn.run(ddl); // idempotent: CREATE TABLE IF NOT EXISTS, COMMENT ON overwrites
  });
  afterAll(() => {
    conn.closeSync();
    instance.closeSync();
  });

  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();

  it('starts with the generated marker', () => {
    expect(contentOf(DUCKDB_DDL_PATH).startsWith(`-- ${GENERATED_MARKER}`)).toBe(true);
  });

  it('creates every table with the defined columns, types, nullability and comments', async () => {
    const tables = await rows(`select table_name, comment from duckdb_tables() where schema_name = 'main'`);
    expect(tables.map((t) => t.table_name).sort()).toEqual(userAnalytics.tables.map((t) => t.name).sort());

    const columns = await rows(
      `select c.table_name, c.column_name, c.data_type, c.is_nullable, d.comment
         from information_schema.columns c
         join duckdb_columns() d on d.table_name = c.table_name and d.column_name = c.column_name
        where c.table_schema = 'main'
        order by c.table_name, c.ordinal_position`,
    );
    for (const table of userAnalytics.tables) {
      expect(tables.find((t) => t.table_name === table.name)?.comment, table.name).toBe(table.description);
      const actual = columns.filter((c) => c.table_name === table.name);
      expect(actual, table.name).toEqual(
        table.columns.map((c) => ({
          table_name: table.name,
          column_name: c.name,
          data_type: INFORMATION_SCHEMA_TYPES[c.type],
          is_nullable: c.mode === 'REQUIRED' ? 'NO' : 'YES',
          comment: c.description,
        })),
      );
    }
  });

  it('declares primary keys on upserted tables only (dimensions, operations)', async () => {
    const keys = await rows(
      `select table_name, constraint_column_names as cols from duckdb_constraints() where constraint_type = 'PRIMARY KEY'`,
    );
    for (const table of userAnalytics.tables) {
      const key = keys.find((k) => k.table_name === table.name);
      if (hasDuckDbPrimaryKey(table)) expect(key?.cols, table.name).toEqual(table.primaryKey);
      else expect(key, table.name).toBeUndefined();
    }
    expect(hasDuckDbPrimaryKey(tableByName('dim_users'))).toBe(true);
    expect(hasDuckDbPrimaryKey(tableByName('fact_auth_events'))).toBe(false);
  });

  it('lets a dimension be upserted on its key and a JSON column hold JSON', async () => {
    const upsert = `insert into dim_tenants (tenant_id, tenant_name, plan, region, status, created_at)
      values ('t1', $name, 'free', 'eu', 'active', '2026-01-01 00:00:00+00')
      on conflict (tenant_id) do update set tenant_name = excluded.tenant_name`;
    await conn.run(upsert, { name: 'Acme' });
    await conn.run(upsert, { name: 'Acme Ltd' });
    expect(await rows(`select tenant_id, tenant_name from dim_tenants`)).toEqual([
      { tenant_id: 't1', tenant_name: 'Acme Ltd' },
    ]);
    await conn.run(
      `insert into dq_results (run_id, logical_date, check_name, check_type, table_name, severity, passed, metadata, checked_at)
       values ('r', '2026-11-27', 'c', 'unique', 'fact_auth_events', 'error', true, '{"sample": []}', now())`,
    );
    expect(await rows(`select metadata->>'$.sample' as sample from dq_results`)).toEqual([{ sample: '[]' }]);
  });
});

describe('BigQuery table resources', () => {
  it('partition facts by event_date with expiry from retentionDays and cluster by tenant_id first', () => {
    for (const table of userAnalytics.tables.filter((t) => t.kind === 'fact')) {
      const resource = bigquery(table.name);
      expect(resource.tableReference).toEqual({
        projectId: '{{PROJECT_ID}}',
        datasetId: 'user_analytics',
        tableId: table.name,
      });
      expect(resource.timePartitioning).toEqual({
        type: 'DAY',
        field: 'event_date',
        expirationMs: String((table.retentionDays ?? 0) * 86_400_000),
      });
      expect(resource.clustering?.fields[0]).toBe('tenant_id');
      expect(resource.requirePartitionFilter).toBe(table.requirePartitionFilter ?? false);
    }
    expect(bigquery('fact_auth_events').requirePartitionFilter).toBe(true);
    expect(bigquery('audit_log').timePartitioning?.expirationMs).toBe(String(2555 * 86_400_000));
  });

  it('leave dimensions unpartitioned', () => {
    const users = bigquery('dim_users');
    expect(users.timePartitioning).toBeUndefined();
    expect(users.requirePartitionFilter).toBeUndefined();
    expect(users.clustering).toEqual({ fields: ['tenant_id', 'status'] });
    expect(bigquery('dim_timeperiod').clustering).toBeUndefined();
  });

  it('put the PII policy tag on exactly the pii columns, with modes, descriptions and API type names', () => {
    const tagged: string[] = [];
    for (const table of userAnalytics.tables) {
      const fields = bigquery(table.name).schema.fields;
      expect(fields.map((f) => f.name)).toEqual(table.columns.map((c) => c.name));
      table.columns.forEach((c, i) => {
        const field = fields[i];
        expect(field?.type).toBe(BIGQUERY_FIELD_TYPES[c.type]);
        expect(field?.mode).toBe(c.mode ?? 'NULLABLE');
        expect(field?.description).toBe(c.description);
        if (c.pii) {
          expect(field?.policyTags).toEqual({ names: [PII_POLICY_TAG_PLACEHOLDER] });
          tagged.push(`${table.name}.${c.name}`);
        } else expect(field?.policyTags, `${table.name}.${c.name}`).toBeUndefined();
      });
    }
    expect(tagged).toEqual(
      expect.arrayContaining([
        'dim_users.email',
        'dim_users.full_name',
        'fact_auth_events.ip',
        'fact_auth_events.attempted_email',
      ]),
    );
    expect(new Set(Object.values(BIGQUERY_FIELD_TYPES))).not.toContain('INT64');
  });

  it('are what the Terraform module reads', () => {
    // The module reads the generated folder by a fixed path (infra/tests checks it resolves to BIGQUERY_TABLES_DIR).
    const main = fs.readFileSync(path.join(ROOT, 'infra/terraform/modules/bigquery/main.tf'), 'utf8');
    expect(main).toContain('tables_dir = "${path.module}/../../bigquery/tables"');
    expect(BIGQUERY_TABLES_DIR).toBe('infra/terraform/bigquery/tables');
    expect(main).toContain('fileset(local.tables_dir, "*.json")');
    expect(main).toContain(`"${PII_POLICY_TAG_PLACEHOLDER}"`);
    expect(contentOf(`${BIGQUERY_TABLES_DIR}/README.md`)).toContain(GENERATED_MARKER);
  });
});

describe('Spark schemas', () => {
  const fromSpark = (type: string, format: string | undefined): ColumnType => {
    if (type === 'string') return format === 'json' ? 'JSON' : 'STRING';
    const found = Object.entries(SPARK_TYPES).find(([, spark]) => spark === type);
    if (!found) throw new Error(`unmapped Spark type ${type}`);
    return found[0] as ColumnType;
  };

  it('round-trip every column type, nullability and comment', () => {
    expect(SPARK_TYPES).toMatchObject({ INT64: 'long', FLOAT64: 'double', NUMERIC: 'decimal(38,9)', JSON: 'string' });
    for (const table of userAnalytics.tables) {
      const struct = spark(table.name);
      expect(struct.type).toBe('struct');
      expect(
        struct.fields.map((f) => ({
          name: f.name,
          type: fromSpark(f.type, f.metadata.format),
          mode: f.nullable ? 'NULLABLE' : 'REQUIRED',
          description: f.metadata.comment,
          pii: f.metadata.pii ?? false,
          erasure: f.metadata.erasure ?? 'keep',
        })),
      ).toEqual(
        table.columns.map((c) => ({
          name: c.name,
          type: c.type,
          mode: c.mode ?? 'NULLABLE',
          description: c.description,
          pii: c.pii ?? false,
          erasure: c.erasure ?? 'keep',
        })),
      );
    }
  });

  const python = path.join(ROOT, '.venv/bin/python');
  const hasPyspark = (() => {
    try {
      execFileSync(python, ['-c', 'import pyspark'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasPyspark)('load in PySpark (StructType.fromJson, no JVM) and serialise back identically', () => {
    const script = [
      'import json, pathlib, sys',
      'from pyspark.sql.types import StructType',
      'n = 0',
      'for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):',
      '    j = json.loads(p.read_text())',
      '    assert StructType.fromJson(j).jsonValue() == j, p.name',
      '    n += 1',
      'print(n)',
    ].join('\n');
    const out = execFileSync(python, ['-c', script, path.join(ROOT, SPARK_SCHEMAS_DIR)], { encoding: 'utf8' });
    expect(Number(out.trim())).toBe(userAnalytics.tables.length);
  });
});

describe('generated files', () => {
  it('are committed up to date (run `npm run generate` after editing schema/warehouse)', () => {
    expect(findStaleFiles(ROOT, files)).toEqual([]);
  });

  it('are reported stale when a table changes, a file is missing or a table disappears', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-generate-'));
    try {
      expect(writeGeneratedFiles(dir, files).every((s) => s.reason === 'missing')).toBe(true);
      expect(findStaleFiles(dir, files)).toEqual([]);

      const edited: Dataset = structuredClone(userAnalytics);
      edited.tables
        .find((t) => t.name === 'dim_teams')
        ?.columns.push({
          name: 'cost_centre',
          type: 'STRING',
          description: 'Added without regenerating.',
        });
      expect(findStaleFiles(dir, generateFiles(edited))).toEqual([
        { path: DUCKDB_DDL_PATH, reason: 'different' },
        { path: `${BIGQUERY_TABLES_DIR}/dim_teams.json`, reason: 'different' },
        { path: `${SPARK_SCHEMAS_DIR}/dim_teams.json`, reason: 'different' },
      ]);

      fs.rmSync(path.join(dir, SPARK_SCHEMAS_DIR, 'dim_roles.json'));
      fs.writeFileSync(path.join(dir, BIGQUERY_TABLES_DIR, 'dim_old.json'), '{}\n');
      expect(findStaleFiles(dir, files)).toEqual([
        { path: `${SPARK_SCHEMAS_DIR}/dim_roles.json`, reason: 'missing' },
        { path: `${BIGQUERY_TABLES_DIR}/dim_old.json`, reason: 'orphan' },
      ]);
      writeGeneratedFiles(dir, files);
      expect(findStaleFiles(dir, files)).toEqual([]);
      expect(fs.existsSync(path.join(dir, BIGQUERY_TABLES_DIR, 'dim_old.json'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`npm run generate:check` agrees', () => {
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
    const out = execFileSync(tsx, ['schema/generate/main.ts', '--check'], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain('up to date');
  });
});
