import { SOURCE_TABLES, type SourceTable, type SourceTableName } from '../schema/source/tables';
import { authEvents } from './auth-rows';
import type { CopyBatch } from './copy-text';
import { DIMENSION_ROWS, type RowSource } from './dimension-rows';
import type { GenerateOptions } from './options';
import { TableProgress } from './progress';
import { computeLastLogins } from './sessions';
import { activityEvents, apiRequests, collaborationEvents, permissionChecks, sessions } from './usage-rows';
import { buildWorld } from './world';

/** Where generated rows go: one call per table, in foreign-key order, rows in COPY text format. */
export interface SeedSink {
  copy(table: SourceTable, batches: Iterable<CopyBatch>): Promise<void>;
}

export type SeedCounts = Record<SourceTableName, number>;

export interface GenerateHooks {
  /** Progress lines (rows and rows/s per table). */
  log?: (line: string) => void;
}

const ROW_SOURCES: Record<SourceTableName, RowSource> = {
  ...DIMENSION_ROWS,
  sessions,
  auth_events: authEvents,
  activity_events: activityEvents,
  api_requests: apiRequests,
  collaboration_events: collaborationEvents,
  permission_checks: permissionChecks,
};

/**
 * Generates the User Module's sample data for `options` into `sink`, table by table, streaming: rows are
 * produced as the sink pulls them. The same options (seed included) always give the same rows.
 */
export async function generate(
  options: GenerateOptions,
  sink: SeedSink,
  hooks: GenerateHooks = {},
): Promise<SeedCounts> {
  const world = buildWorld(options);
  // users.last_login_at needs every session's start before the users table is written.
  computeLastLogins(world);
  const counts = Object.fromEntries(SOURCE_TABLES.map((t) => [t.name, 0])) as SeedCounts;
  for (const table of SOURCE_TABLES) {
    const progress = new TableProgress(table.name, hooks.log);
    const source = ROW_SOURCES[table.name](world);
    const counted = function* (): Generator<CopyBatch> {
      for (const batch of source) {
        counts[table.name] += batch.rows;
        progress.update(counts[table.name]);
        yield batch;
      }
    };
    await sink.copy(table, counted());
    progress.done(counts[table.name]);
  }
  return counts;
}
