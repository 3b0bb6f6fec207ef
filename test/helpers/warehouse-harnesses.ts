import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GcsObjectStore } from '../../adapters/object-store/gcs';
import type { Warehouse } from '../../adapters/ports';
import { BigQueryWarehouse, type BigQueryCapabilities } from '../../adapters/warehouse/bigquery';
import { DuckDbWarehouse } from '../../adapters/warehouse/duckdb';
import {
  bigQueryEmulatorBinary,
  fakeGcsBinary,
  findEmulator,
  startBigQueryEmulator,
  startFakeGcs,
  type RunningEmulator,
} from './emulators';

/**
 * The warehouse backends the contract suites run against (test/contract/README.md): a DuckDB file in a temp
 * directory, and BigQuery on bigquery-emulator with fake-gcs-server (skipped with a warning when not built).
 */
/** What the adapter on this backend can do; false entries are the documented emulator gaps (test/contract/README.md). */
export type Capabilities = BigQueryCapabilities;

export interface WarehouseHarness {
  name: string;
  capabilities: Capabilities;
  missing?: string;
  setup: () => Promise<{
    warehouse: Warehouse;
    /** Makes a local Parquet fixture loadable by this warehouse; returns what goes into `parquetFiles`. */
    stage: (file: string) => Promise<string>;
    teardown: () => Promise<void>;
  }>;
}

const ALL: Capabilities = {
  partitionDecorator: true,
  atomicPartitionReplace: true,
  deterministicJobIds: true,
  maximumBytesBilled: true,
  tableBytes: true,
  nativeMerge: true,
  addColumns: true,
  defaultDataset: true,
};

const fakeGcs = findEmulator(fakeGcsBinary);
const bigQuery = findEmulator(bigQueryEmulatorBinary);

export const warehouseHarnesses: WarehouseHarness[] = [
  {
    name: 'DuckDB file',
    capabilities: {
      ...ALL,
      partitionDecorator: false,
      deterministicJobIds: false,
      maximumBytesBilled: false,
      tableBytes: false,
    },
    setup: () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hire10x-duckdb-'));
      const warehouse = new DuckDbWarehouse(path.join(dir, 'warehouse.duckdb'));
      return Promise.resolve({
        warehouse,
        stage: (file: string) => Promise.resolve(file),
        teardown: () => Promise.resolve(fs.rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
  {
    name: 'BigQuery on bigquery-emulator',
    capabilities: BigQueryWarehouse.emulatorCapabilities,
    missing: fakeGcs.missing ?? bigQuery.missing,
    setup: async () => {
      const gcs: RunningEmulator = await startFakeGcs(fakeGcs.binary);
      let bq: RunningEmulator;
      try {
        bq = await startBigQueryEmulator({ project: 'test', gcsEndpoint: gcs.endpoint }, bigQuery.binary);
      } catch (err) {
        await gcs.stop();
        throw err;
      }
      const store = new GcsObjectStore({
        projectId: 'test',
        apiEndpoint: gcs.endpoint,
        buckets: { raw: 'bq-raw', processed: 'bq-processed', archive: 'bq-archive' },
      });
      await store.ensureBuckets();
      const warehouse = new BigQueryWarehouse({
        projectId: 'test',
        apiEndpoint: bq.endpoint,
        gcsApiEndpoint: gcs.endpoint,
        maximumBytesBilled: 1024 ** 3,
        emulatorCompat: true,
      });
      let n = 0;
      return {
        warehouse,
        stage: async (file) => {
          const key = `stage/${++n}-${path.basename(file)}`;
          await store.putFile('processed', key, file);
          return store.uri('processed', key);
        },
        teardown: async () => {
          await Promise.allSettled([bq.stop(), gcs.stop()]);
        },
      };
    },
  },
];
