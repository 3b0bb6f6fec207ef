import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { RedisEventBus } from '../../adapters/event-bus/redis';
import { runHealthCheck } from '../../cli/health';
import { LogicalDate, Pipeline, Stage } from '../../workflows/search-attributes';
import { DEPENDENCIES, type PlatformHealthReport } from '../../workflows/health-contract';
import { createTestWorkerEnv, type TestWorkerEnv } from '../helpers/temporal';

let env: TestWorkerEnv;
beforeAll(async () => {
  env = await createTestWorkerEnv();
});
afterAll(async () => env?.close());

describe('platformHealthCheck', () => {
  it('reports every dependency healthy with a latency, and reads well in the UI', async () => {
    const run = await env.withWorker(() => runHealthCheck(env.client, env.config, { taskQueue: env.taskQueue }));
    expect(run.report.ok).toBe(true);
    expect(run.report.checks.map((c) => c.dependency).sort()).toEqual([...DEPENDENCIES].sort());
    for (const check of run.report.checks) {
      expect(check.ok, `${check.dependency}: ${check.detail}`).toBe(true);
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(run.report.checks.find((c) => c.dependency === 'postgres')?.detail).toMatch(/^PostgreSQL 1\d/);

    const description = await env.client.workflow.getHandle(run.workflowId).describe();
    expect(description.typedSearchAttributes.get(Pipeline)).toBe('platform-health');
    expect(description.typedSearchAttributes.get(Stage)).toBe('healthy');
    expect(description.typedSearchAttributes.get(LogicalDate)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await description.staticSummary()).toMatch(/^Platform health check at /);
    expect(run.url).toContain(encodeURIComponent(run.workflowId));
  });

  it('reports a dependency that is down without hiding the others', async () => {
    // A real Redis client pointed at a port where nothing listens: the probe must fail, the others pass.
    const deadBus = new RedisEventBus({ host: '127.0.0.1', port: 1 });
    const adapters = { ...env.adapters, bus: deadBus, close: () => deadBus.close() };
    const run = await env.withWorker(
      () => runHealthCheck(env.client, env.config, { taskQueue: env.taskQueue }),
      adapters,
    );
    const byName = Object.fromEntries(run.report.checks.map((c) => [c.dependency, c]));
    expect(run.report.ok).toBe(false);
    expect(byName.redis?.ok).toBe(false);
    expect(byName.redis?.detail).toMatch(/ECONNREFUSED|connect|did not answer/i);
    expect(byName.postgres?.ok).toBe(true);
    const description = await env.client.workflow.getHandle(run.workflowId).describe();
    expect(description.typedSearchAttributes.get(Stage)).toBe('unhealthy');
    await deadBus.close();
  });

  it('rejects invalid input with a non-retryable failure that names the field', async () => {
    const workflowId = env.workflowId('platform-health');
    const failure = await env.withWorker(async () => {
      const handle = await env.client.workflow.start('platformHealthCheck', {
        taskQueue: env.taskQueue,
        workflowId,
        args: [{ dependencies: ['mainframe'] }],
      });
      return handle.result().then(
        (r: PlatformHealthReport) => r,
        (err: unknown) => err,
      );
    });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause?.message).toMatch(/dependencies\.0/);
  });
});
