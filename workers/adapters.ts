import { type Config } from '../config';
import { DuckDbWarehouse } from '../adapters/local/duckdb-warehouse';
import { FsObjectStore } from '../adapters/local/fs-object-store';
import { WebhookNotifier } from '../adapters/local/notifier';
import { PostgresSourceDb } from '../adapters/local/postgres-source';
import { RedisEventBus } from '../adapters/local/redis-event-bus';
import type { Adapters } from '../adapters/ports';

export type Log = (message: string, meta: Record<string, unknown>) => void;

/** The only place adapters are chosen: PLATFORM=local wires local stores, PLATFORM=gcp the cloud ones. */
export function buildAdapters(config: Config, log: Log): Adapters {
  if (config.platform === 'gcp') {
    throw new Error(
      'PLATFORM=gcp: the GCS, BigQuery, Dataproc and Pub/Sub adapters are not wired yet; run with PLATFORM=local',
    );
  }
  const source = new PostgresSourceDb(config.sourceDb);
  const store = new FsObjectStore(config.lake.zones);
  const warehouse = new DuckDbWarehouse(config.warehouse.duckdbPath);
  const bus = new RedisEventBus(config.redis);
  const notifier = new WebhookNotifier(config.notifyWebhookUrl, log);
  return {
    source,
    store,
    warehouse,
    bus,
    notifier,
    async close() {
      await Promise.allSettled([source.close(), store.close(), warehouse.close(), bus.close()]);
    },
  };
}
