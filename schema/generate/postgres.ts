import type { Column, ColumnType, Dataset, Table } from '../warehouse/types';
import { GENERATED_MARKER, REGENERATE_HINT } from './marker';

/** PostgreSQL types for the logical types (the stream consumers' state store). */
export const POSTGRES_TYPES: Record<ColumnType, string> = {
  STRING: 'text',
  INT64: 'bigint',
  FLOAT64: 'double precision',
  NUMERIC: 'numeric(38,9)',
  BOOL: 'boolean',
  DATE: 'date',
  TIMESTAMP: 'timestamptz',
  JSON: 'jsonb',
};

/** The schema the stream state store lives in (beside `platform` on the source server, or its Cloud SQL). */
export const STREAM_SCHEMA = 'stream';

/**
 * Columns the state store adds to every stream table: the shard that owns the row (tenants are sharded, so a row has
 * exactly one writer), a change version from one sequence, and the version the warehouse last received.
 */
const STATE_COLUMNS = ['  shard text not null', '  version bigint not null', '  projected_version bigint'];

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function columnDdl(column: Column): string {
  return `  ${column.name} ${POSTGRES_TYPES[column.type]}${column.mode === 'REQUIRED' ? ' not null' : ''}`;
}

export function postgresTableDdl(table: Table): string {
  const name = `${STREAM_SCHEMA}.${table.name}`;
  return [
    `create table if not exists ${name} (`,
    [...table.columns.map(columnDdl), ...STATE_COLUMNS, `  primary key (${table.primaryKey.join(', ')})`].join(',\n'),
    ');',
    // Additive schema changes (a new nullable column) reach an existing store without a migration.
    ...table.columns
      .filter((c) => c.mode !== 'REQUIRED')
      .map((c) => `alter table ${name} add column if not exists ${columnDdl(c).trim()};`),
    `create index if not exists ${table.name}_version_idx on ${name} (shard, version);`,
    `comment on table ${name} is ${literal(table.description)};`,
  ].join('\n');
}

/**
 * The stream tables of `dataset` (kind `stream`) as idempotent PostgreSQL DDL in schema `stream`, plus the
 * consumers' own state (checkpoints, the raw-event buffer, open sessions), which has no warehouse counterpart. The
 * stream store applies it at start (adapters/stream-store/postgres.ts).
 */
export function postgresStreamDdl(dataset: Dataset): string {
  const tables = dataset.tables.filter((t) => t.kind === 'stream');
  return `${[
    `-- ${GENERATED_MARKER}: ${REGENERATE_HINT}.`,
    `create schema if not exists ${STREAM_SCHEMA};`,
    `create sequence if not exists ${STREAM_SCHEMA}.change_seq;`,
    ...tables.map(postgresTableDdl),
    `-- One row per consumer shard: its watermark, counters, and how far the warehouse projection got.
create table if not exists ${STREAM_SCHEMA}.checkpoints (
  shard text primary key,
  watermark timestamptz,
  batches bigint not null default 0,
  received bigint not null default 0,
  processed bigint not null default 0,
  dead_lettered bigint not null default 0,
  duplicates bigint not null default 0,
  redeliveries bigint not null default 0,
  projected_version bigint not null default 0,
  last_projected_at timestamptz,
  updated_at timestamptz not null default now()
);`,
    `-- Accepted events, one row per committed batch: the hourly raw-zone archive reads it (archived_at), a restarted
-- consumer rebuilds its dedupe set and failure bursts from its recent rows; archived rows older than that horizon are
-- deleted. user_ids lets an erasure find a person's batches.
create table if not exists ${STREAM_SCHEMA}.raw_batches (
  shard text not null,
  batch bigint not null,
  committed_at timestamptz not null default now(),
  min_occurred_at timestamptz,
  max_occurred_at timestamptz,
  events integer not null,
  user_ids text[] not null,
  -- The batch's accepted events as JSON text (lz4: compresses at memory speed, where the default pglz costs as much
  -- as the rest of a commit).
  body text compression lz4 not null,
  -- Bus ids of the messages the batch refused (dead-lettered): a redelivery of one is not refused twice.
  refused_ids text[] not null default '{}',
  primary key (shard, batch)
);
alter table ${STREAM_SCHEMA}.raw_batches add column if not exists archived_at timestamptz;
-- Stores created before the body became text (bytea, sent hex-encoded by node-postgres: twice the bytes).
do $$ begin
  if (select data_type from information_schema.columns
      where table_schema = '${STREAM_SCHEMA}' and table_name = 'raw_batches' and column_name = 'body') = 'bytea' then
    alter table ${STREAM_SCHEMA}.raw_batches alter column body type text using convert_from(body, 'UTF8');
    alter table ${STREAM_SCHEMA}.raw_batches alter column body set compression lz4;
  end if;
end $$;
create index if not exists raw_batches_time_idx on ${STREAM_SCHEMA}.raw_batches (shard, max_occurred_at);`,
    `-- Sessions whose start was seen and whose end was not (yet).
create table if not exists ${STREAM_SCHEMA}.open_sessions (
  session_id text primary key,
  shard text not null,
  tenant_id text not null,
  user_id text,
  started_at timestamptz not null,
  last_seen_at timestamptz not null
);`,
    `-- Refused messages per shard, reason and UTC day (the bus keeps the bytes in its dead-letter stream).
create table if not exists ${STREAM_SCHEMA}.dead_letter_counts (
  shard text not null,
  day date not null,
  reason text not null,
  messages bigint not null,
  primary key (shard, day, reason)
);`,
  ].join('\n\n')}\n`;
}
