import { createHash } from 'node:crypto';

/** Short stable hash of a run key (`<workflowId>/<runId>`), for object prefixes and provider ids. */
export function runHash(runKey: string, length = 16): string {
  return createHash('sha256').update(runKey).digest('hex').slice(0, length);
}

/** Where a run's Spark output waits in the processed zone before each table is promoted into its partition. */
export const stagingPrefixOf = (runKey: string) => `_staging/${runHash(runKey)}`;
