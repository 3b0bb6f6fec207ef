import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS_DIR, readMigrations } from '../../schema/source/migrate';
import { extractQuery, SOURCE_TABLES, sourceTable, TRANSPORT_TABLES } from '../../schema/source/tables';
import { createScratchDb, type ScratchDb } from '../helpers/scratch-db';

let db: ScratchDb;
const scratchDbs: ScratchDb[] = [];
const tmpDirs: string[] = [];

beforeAll(async () => {
  db = await createScratchDb('source_db_test');
  scratchDbs.push(db);
});
afterAll(async () => {
  for (const d of scratchDbs) await d.drop();
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A private copy of the migrations that a test may extend or tamper with. */
function migrationsCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  tmpDirs.push(dir);
  for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  return dir;
}

async function tableExists(d: ScratchDb, name: string): Promise<boolean> {
  const { rows } = await d.pool.query<{ t: string | null }>('select to_regclass($1) as t', [name]);
  return rows[0]?.t !== null;
}

describe('source migrations', () => {
  it('apply once; a second run is a no-op', async () => {
    const all = readMigrations().map((m) => m.version);
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(await migrate(db.pool)).toEqual({ applied: all });
    expect(await migrate(db.pool)).toEqual({ applied: [] });
    const { rows } = await db.pool.query<{ version: string; checksum: string }>(
      'select version, checksum from schema_migrations order by version',
    );
    expect(rows).toEqual(readMigrations().map((m) => ({ version: m.version, checksum: m.checksum })));
  });

  it('tables.ts matches information_schema, column for column and in order', async () => {
    const { rows } = await db.pool.query<{ table_name: string; column_name: string; data_type: string }>(
      `select table_name, column_name, data_type from information_schema.columns
        where table_schema = 'public' and table_name <> 'schema_migrations'
        order by table_name, ordinal_position`,
    );
    // The outbox is transport (schema/source/tables.ts TRANSPORT_TABLES): listed there, never extracted.
    const transport = new Set<string>(TRANSPORT_TABLES);
    const actual = new Map<string, string[]>();
    for (const r of rows) {
      if (transport.has(r.table_name)) continue;
      actual.set(r.table_name, [...(actual.get(r.table_name) ?? []), r.column_name]);
    }
    expect([...actual.keys()].sort()).toEqual(SOURCE_TABLES.map((t) => t.name).sort());
    expect(rows.filter((r) => transport.has(r.table_name)).map((r) => r.table_name)).toContain('event_outbox');
    for (const table of SOURCE_TABLES) expect(actual.get(table.name), table.name).toEqual([...table.columns]);
    for (const r of rows.filter((x) => x.column_name.endsWith('_at'))) {
      expect(r.data_type, `${r.table_name}.${r.column_name}`).toBe('timestamp with time zone');
    }
  });

  it('indexes each event table on its day-slice column and lists tables in foreign-key order', async () => {
    const { rows: indexed } = await db.pool.query<{ table_name: string; column_name: string }>(
      `select t.relname as table_name, a.attname as column_name
         from pg_index i
         join pg_class t on t.oid = i.indrelid
         join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
        where t.relnamespace = 'public'::regnamespace`,
    );
    for (const table of SOURCE_TABLES) {
      if (table.kind !== 'event') continue;
      expect(indexed, table.name).toContainEqual({ table_name: table.name, column_name: table.timestampColumn });
    }
    const { rows: fks } = await db.pool.query<{ child: string; parent: string }>(
      `select conrelid::regclass::text as child, confrelid::regclass::text as parent
         from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`,
    );
    expect(fks.length).toBeGreaterThan(20);
    const order = SOURCE_TABLES.map((t) => t.name as string);
    for (const fk of fks) {
      expect(order.indexOf(fk.parent), `${fk.child} -> ${fk.parent}`).toBeLessThan(order.indexOf(fk.child));
    }
  });

  it('builds a one-day extract query that PostgreSQL accepts, and rejects a bad day', async () => {
    const sql = extractQuery(sourceTable('auth_events'), '2026-03-29');
    await expect(db.pool.query(`copy (${sql}) to stdout`)).resolves.toBeDefined();
    expect(() => extractQuery(sourceTable('sessions'), '2026-02-30')).toThrow(/YYYY-MM-DD/);
    expect(extractQuery(sourceTable('users'))).toBe(`select ${sourceTable('users').columns.join(', ')} from users`);
  });

  it('applies only new migrations, and refuses when an applied one was edited', async () => {
    const dir = migrationsCopy();
    fs.writeFileSync(path.join(dir, '090_extra.sql'), 'create table extra_one (id int);\n');
    expect(await migrate(db.pool, { dir })).toEqual({ applied: ['090_extra'] });
    expect(await tableExists(db, 'extra_one')).toBe(true);

    fs.appendFileSync(path.join(dir, '002_user_module_events.sql'), '\n-- an innocent-looking edit\n');
    fs.writeFileSync(path.join(dir, '091_more.sql'), 'create table extra_two (id int);\n');
    await expect(migrate(db.pool, { dir })).rejects.toThrow(/002_user_module_events was changed after it was applied/);
    expect(await tableExists(db, 'extra_two')).toBe(false);
  });

  it('rolls back a migration that fails halfway', async () => {
    const fresh = await createScratchDb('source_db_test');
    scratchDbs.push(fresh);
    const dir = migrationsCopy();
    fs.writeFileSync(path.join(dir, '090_broken.sql'), 'create table half_done (id int);\nselect 1 / 0;\n');
    await expect(migrate(fresh.pool, { dir })).rejects.toThrow(/090_broken failed: division by zero/);
    expect(await tableExists(fresh, 'half_done')).toBe(false);
    expect(await tableExists(fresh, 'users')).toBe(true);
    const { rows } = await fresh.pool.query<{ version: string }>('select version from schema_migrations');
    expect(rows.map((r) => r.version)).not.toContain('090_broken');
  });

  it('serialises concurrent runners (advisory lock): each migration is applied exactly once', async () => {
    const fresh = await createScratchDb('source_db_test');
    scratchDbs.push(fresh);
    const results = await Promise.all([migrate(fresh.pool), migrate(fresh.pool), migrate(fresh.pool)]);
    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual(readMigrations().map((m) => m.version));
  });
});
