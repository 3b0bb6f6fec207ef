import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { ObjectStore, Warehouse } from '../adapters/ports';
import type { Dataset } from '../schema/warehouse/types';
import { findTable } from '../schema/warehouse';
import { withHeartbeat } from './heartbeat';

export interface PromoteAndLoadInput {
  date: string;
  runKey: string;
  table: string;
  stagingPrefix: string;
}
export interface LoadTableResult {
  table: string;
  rows: number;
  files: number;
  jobIds: string[];
  durationMs: number;
}

export const processedPartitionPrefix = (table: string, date: string) => `${table}/dt=${date}`;

/**
 * Load activities: promote a table's staged Spark output into `processed/<table>/dt=<date>` (atomic partition
 * swap), then load it into the warehouse: partitioned tables replace exactly that day's partition, the others
 * are merged on their primary key. Job keys derive from the run, so a retried activity never loads twice.
 */
export function createLoadActivities(deps: {
  store: ObjectStore;
  warehouse: Warehouse;
  dataset: Dataset;
  scratchDir?: string;
}) {
  return {
    async ensureWarehouse(): Promise<void> {
      return deps.warehouse.ensureDataset(deps.dataset);
    },

    async promoteAndLoad(input: PromoteAndLoadInput): Promise<LoadTableResult> {
      return withHeartbeat(async () => {
        const started = Date.now();
        const table = findTable(deps.dataset, input.table);
        const prefix = processedPartitionPrefix(table.name, input.date);
        const staged = (await deps.store.list('processed', `${input.stagingPrefix}/${table.name}/`)).filter((k) =>
          k.endsWith('.parquet'),
        );
        // A retry after a successful promotion finds the staging area empty: the partition is already in place.
        if (staged.length > 0) {
          const dir = await fs.mkdtemp(path.join(deps.scratchDir ?? os.tmpdir(), `promote-${table.name}-`));
          try {
            const files = [];
            for (const [i, key] of staged.entries()) {
              const file = path.join(dir, `part-${String(i).padStart(5, '0')}.parquet`);
              await deps.store.download('processed', key, file);
              files.push({ name: path.basename(file), path: file });
            }
            await deps.store.replacePartition('processed', prefix, files);
            await deps.store.deletePrefix('processed', `${input.stagingPrefix}/${table.name}/`);
          } finally {
            await fs.rm(dir, { recursive: true, force: true });
          }
        }
        Context.current().heartbeat({ promoted: prefix });
        const snapshot = await deps.store.readPartition('processed', prefix);
        if (!snapshot || snapshot.keys.length === 0) {
          throw new Error(
            `no processed output for ${table.name} on ${input.date} (staging ${input.stagingPrefix} was empty)`,
          );
        }
        const parquetFiles = snapshot.keys.map((k) => deps.store.uri('processed', k));
        const jobKey = `${input.runKey}:${table.name}`;
        const result = table.partitionColumn
          ? await deps.warehouse.replacePartition({
              dataset: deps.dataset,
              table: table.name,
              date: input.date,
              parquetFiles,
              jobKey,
            })
          : await deps.warehouse.mergeDimension({ dataset: deps.dataset, table: table.name, parquetFiles, jobKey });
        return {
          table: table.name,
          rows: result.rows,
          files: parquetFiles.length,
          jobIds: result.jobIds,
          durationMs: Date.now() - started,
        };
      });
    },
  };
}

export type LoadActivities = ReturnType<typeof createLoadActivities>;
