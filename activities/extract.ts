import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ErrorType, PlatformError } from '../adapters/errors';
import type { ObjectStore, ParquetWriter, SourceDb } from '../adapters/ports';
import { SOURCE_TABLES, type SourceTableName } from '../schema/source/tables';
import { withHeartbeat } from './heartbeat';

export interface ExtractTableInput {
  table: SourceTableName;
  /** Logical date `YYYY-MM-DD`: the day's slice for events, the snapshot date for dimensions. */
  date: string;
}
export interface ExtractTableResult {
  table: string;
  kind: 'dimension' | 'event';
  rows: number;
  /** CSV bytes streamed out of PostgreSQL. */
  sourceBytes: number;
  parquetBytes: number;
  /** Raw-zone partition prefix (`<table>/dt=<date>`). */
  prefix: string;
  durationMs: number;
}

export const rawPartitionPrefix = (table: string, date: string) => `${table}/dt=${date}`;

/**
 * Extract activities: PostgreSQL → raw zone Parquet, one table per call. COPY streams into a local CSV file, DuckDB
 * converts it to typed Parquet, and the object store swaps the day's partition atomically, so a retry replaces
 * rather than appends. Heartbeats carry the bytes streamed so far.
 */
export function createExtractActivities(deps: {
  source: SourceDb;
  store: ObjectStore;
  parquet: ParquetWriter;
  scratchDir?: string;
}) {
  async function extractOne(input: ExtractTableInput, report: (details: unknown) => void): Promise<ExtractTableResult> {
    const spec = SOURCE_TABLES.find((t) => t.name === input.table);
    if (!spec) throw new PlatformError(ErrorType.InvalidInput, `unknown source table ${JSON.stringify(input.table)}`);
    const started = Date.now();
    const dir = await fs.mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), `extract-${spec.name}-`));
    try {
      const csv = path.join(dir, 'rows.csv');
      const result = await deps.source.extractToCsv(
        {
          table: spec.name,
          columns: spec.columns,
          slice: spec.kind === 'event' ? { column: spec.timestampColumn, day: input.date } : undefined,
        },
        csv,
        { signal: Context.current().cancellationSignal, onProgress: (p) => report({ stage: 'copy', ...p }) },
      );
      report({ stage: 'parquet', rows: result.rows });
      const parquet = path.join(dir, 'part-0.parquet');
      const columns = spec.columns.map((name, i) => ({ name, pgType: result.columnTypes[i] ?? 'text' }));
      const rows = await deps.parquet.fromCsv(csv, columns, parquet);
      if (rows !== result.rows) {
        throw new Error(`${spec.name}: COPY sent ${result.rows} rows but the Parquet file holds ${rows}`);
      }
      const prefix = rawPartitionPrefix(spec.name, input.date);
      report({ stage: 'upload', rows });
      await deps.store.replacePartition('raw', prefix, [{ name: 'part-0.parquet', path: parquet }]);
      const { size } = await fs.stat(parquet);
      return {
        table: spec.name,
        kind: spec.kind,
        rows,
        sourceBytes: result.bytes,
        parquetBytes: size,
        prefix,
        durationMs: Date.now() - started,
      };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  return {
    async extractTable(input: ExtractTableInput): Promise<ExtractTableResult> {
      return withHeartbeat((report) => extractOne(input, report));
    },
  };
}

export type ExtractActivities = ReturnType<typeof createExtractActivities>;
