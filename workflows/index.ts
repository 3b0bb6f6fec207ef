// Every workflow the workers register. Explicit named re-exports (not `export *`): barrel re-exports can drop
// workflows from the bundle (sdk-typescript #1724).
export { platformHealthCheck } from './health-check';
export { userAnalyticsDaily } from './user-analytics-daily';
export { gdprErasure } from './gdpr-erasure';
export { userAnalyticsBackfill } from './user-analytics-backfill';
export { pipelineWatchdog } from './pipeline-watchdog';
export { dataRetention } from './data-retention';
export { streamConsumer } from './stream-consumer';
