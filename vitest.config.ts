import { defineConfig } from 'vitest/config';
import { TEST_ENV } from './test/test-env';

export default defineConfig({
  test: {
    // The Temporal native bridge is not thread-safe: one process per test file.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    env: TEST_ENV,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
