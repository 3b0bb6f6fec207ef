import fs from 'node:fs';
import { defineConfig } from 'vitest/config';
import testEnv from './test/test-env.json' with { type: 'json' };

// TEST_ENV_FILE: a JSON object overriding some of test-env.json (see test/test-env.ts), e.g. other ports.
const overrides = (
  process.env.TEST_ENV_FILE ? JSON.parse(fs.readFileSync(process.env.TEST_ENV_FILE, 'utf8')) : {}
) as Record<string, string>;

export default defineConfig({
  test: {
    // The Temporal native bridge is not thread-safe: one process per test file.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    env: { ...testEnv, ...overrides },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
