import testEnv from './test-env.json';

/**
 * The isolated platform every test talks to: its own data directory (relative to the project root) and ports,
 * so `npm test` never touches the developer's `npm run demo` platform (.data/, 7233, 55432, 56379).
 * The values live in test-env.json so vitest.config.mts can read them without loading TypeScript.
 */
export const TEST_ENV: Record<string, string> = testEnv;
