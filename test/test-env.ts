import fs from 'node:fs';
import testEnv from './test-env.json';

/**
 * The isolated platform every test talks to: its own data directory (relative to the project root) and ports,
 * so `npm test` never touches the developer's `npm run demo` platform (.data/, 7233, 55432, 56379).
 * The values live in test-env.json so vitest.config.mts can read them without loading TypeScript.
 *
 * `TEST_ENV_FILE=<json>` overrides some of them (for example other ports), so two checkouts can run their suites
 * side by side on one machine; vitest.config.mts applies the same file.
 */
export const TEST_ENV: Record<string, string> = { ...testEnv, ...testEnvOverrides(process.env.TEST_ENV_FILE) };

export function testEnvOverrides(file: string | undefined): Record<string, string> {
  if (!file) return {};
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`TEST_ENV_FILE ${file}: expected a JSON object of environment variables`);
  const entries = Object.entries(parsed);
  const bad = entries.filter(([, v]) => typeof v !== 'string').map(([k]) => k);
  if (bad.length) throw new Error(`TEST_ENV_FILE ${file}: values must be strings (${bad.join(', ')})`);
  return Object.fromEntries(entries);
}
