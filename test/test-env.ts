import path from 'node:path';

/**
 * The isolated platform every test talks to: its own data directory and ports, so `npm test` never touches
 * the developer's `npm run demo` platform (.data/, 7233, 55432, 56379).
 */
export const TEST_ENV: Record<string, string> = {
  PLATFORM: 'local',
  ANALYTICS_DATA_DIR: path.resolve(__dirname, '../.data/test'),
  TEMPORAL_ADDRESS: '127.0.0.1:17233',
  TEMPORAL_UI_PORT: '18233',
  SOURCE_DB_PORT: '55433',
  REDIS_PORT: '56380',
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'WARN',
};
