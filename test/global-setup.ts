import { loadConfig } from '../config';
import { down, status, up } from '../cli/dev/supervisor';
import { writeWorkflowBundle } from '../workers/bundle';
import { TEST_ENV } from './test-env';

/**
 * Brings the test platform up (or reuses it), and bundles the workflows once for every test worker.
 * Stops at the end only what it started, unless KEEP_TEST_PLATFORM=1 (faster reruns while developing).
 */
export default async function setup({ provide }: { provide: (key: string, value: unknown) => void }) {
  const config = loadConfig({ ...process.env, ...TEST_ENV });
  const before = await status(config);
  const wasRunning = Object.values(before.services).some((s) => s.name !== 'worker' && s.state === 'running');
  await up(config, (line) => process.stderr.write(`[test platform] ${line}\n`));
  provide('workflowBundlePath', await writeWorkflowBundle());
  return async () => {
    if (!wasRunning && process.env.KEEP_TEST_PLATFORM !== '1') await down(config);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    workflowBundlePath: string;
  }
}
