import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ErrorType, PlatformError } from '../adapters/errors';
import type {
  ExtractProgress,
  ExtractResult,
  ExtractSpec,
  ObjectStore,
  ParquetWriter,
  SourceDb,
} from '../adapters/ports';
import { SOURCE_TABLES, type SourceTable, type SourceTableName } from '../schema/source/tables';
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
 * COPYs one table (a snapshot, or an event table's day) into one Parquet file, with no intermediate file: the COPY
 * streams (in `source.extractParts` time ranges side by side, one snapshot) straight into the Parquet writer, so the
 * export and the encoding overlap. Fails unless the file holds exactly the rows the COPY sent.
 */
export async function extractToParquet(
  deps: { source: SourceDb; parquet: ParquetWriter },
  spec: SourceTable,
  date: string,
  parquetFile: string,
  options: { signal?: AbortSignal; onProgress?: (p: ExtractProgress) => void } = {},
): Promise<{ rows: number; sourceBytes: number }> {
  const extractSpec: ExtractSpec = {
    table: spec.name,
    columns: spec.columns,
    slice: spec.kind === 'event' ? { column: spec.timestampColumn, day: date } : undefined,
  };
  const columnTypes = await deps.source.columnTypes(extractSpec);
  const parts = deps.source.extractParts(extractSpec);
  const columns = spec.columns.map((name, i) => ({ name, pgType: columnTypes[i] ?? 'text' }));
  const writer = await deps.parquet.fromCsvStream(columns, parquetFile, { parts });
  let result: ExtractResult;
  try {
    result = await deps.source.extractCsv(extractSpec, writer.sinks, options);
  } catch (err) {
    writer.abort(err instanceof Error ? err : new Error(String(err)));
    await writer.done.catch(() => undefined);
    throw err;
  }
  const rows = await writer.done;
  if (rows !== result.rows) {
    throw new Error(`${spec.name}: COPY sent ${result.rows} rows but the Parquet file holds ${rows}`);
  }
  return { rows, sourceBytes: result.bytes };
}

/**
 * Extract activities: PostgreSQL → raw zone Parquet, one table per call. COPY streams straight into DuckDB's
 * Parquet writer (`extractToParquet`) into a local scratch file, and the object store swaps the day's partition
 * atomically only once the file holds exactly the rows COPY sent, so a retry replaces rather than appends and a
 * failed attempt publishes nothing. Heartbeats carry the bytes streamed so far.
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
      const parquet = path.join(dir, 'part-0.parquet');
      const { rows, sourceBytes } = await extractToParquet(deps, spec, input.date, parquet, {
        signal: Context.current().cancellationSignal,
        onProgress: (p) => report({ stage: 'copy', ...p }),
      });
      const prefix = rawPartitionPrefix(spec.name, input.date);
      report({ stage: 'upload', rows });
      await deps.store.replacePartition('raw', prefix, [{ name: 'part-0.parquet', path: parquet }]);
      const { size } = await fs.stat(parquet);
      return {
        table: spec.name,
        kind: spec.kind,
        rows,
        sourceBytes,
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
