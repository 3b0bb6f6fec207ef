import { defineConfig } from 'vitest/config';
import testEnv from './test/test-env.json' with { type: 'json' };

export default defineConfig({
  test: {
    // The Temporal native bridge is not thread-safe: one process per test file.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    env: testEnv,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
