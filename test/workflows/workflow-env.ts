import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { inject } from 'vitest';
import { devServerDynamicConfigArgs } from '../../cli/dev/temporal-dynamic-config';
import { temporalBinary } from '../../cli/dev/tools';
import { activityFailureInterceptor } from '../../workers/activity-failures';
import {
  LogicalDate,
  Pipeline,
  RequestId,
  Stage,
  StreamDeadLetters,
  StreamLag,
  StreamLastWindow,
  StreamShard,
  StreamState,
  TenantId,
} from '../../workflows/search-attributes';

/**
 * Workflow unit tests: the real workflow bundle on a Temporal server of the test's own, with stubbed activities.
 *
 * The time-skipping test server cannot be downloaded here and no copy of it is installed, so this is
 * `TestWorkflowEnvironment.createLocal` on the pinned Temporal CLI dev server (`temporal server start-dev`, in memory,
 * a random port): real time, so the tests keep timers and retries short through the workflows' inputs and stubs that
 * fail non-retryably.
 */
export interface WorkflowTestEnv {
  env: TestWorkflowEnvironment;
  /** Every log entry of the worker runtime (workflow `log` calls included) at WARN and above. */
  logs: LogEntry[];
  /**
   * Runs `fn` while a worker serves a fresh task queue with `activities` (and the production activity interceptor);
   * returns what `fn` returns.
   */
  withWorker<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T>;
}

export async function createWorkflowTestEnv(): Promise<WorkflowTestEnv> {
  const logs: LogEntry[] = [];
  Runtime.install({ logger: new DefaultLogger('WARN', (entry) => logs.push(entry)) });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalBinary() },
      // The same dynamic config as dev up and the test platform (infra/temporal/dynamic-config.yaml), and the same
      // switch to leave it out (TEMPORAL_DYNAMIC_CONFIG=server-defaults).
      extraArgs: process.env.TEMPORAL_DYNAMIC_CONFIG === 'server-defaults' ? [] : devServerDynamicConfigArgs(),
      searchAttributes: [
        Pipeline,
        LogicalDate,
        Stage,
        TenantId,
        RequestId,
        StreamShard,
        StreamState,
        StreamLag,
        StreamDeadLetters,
        StreamLastWindow,
      ],
    },
  });
  return {
    env,
    logs,
    async withWorker(activities, fn) {
      const taskQueue = `wf-test-${randomUUID()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        activities,
        // As every production worker (workers/create-workers.ts): adapter errors become typed failures.
        interceptors: { activity: [activityFailureInterceptor] },
      });
      return worker.runUntil(fn(taskQueue));
    },
  };
}

/** One recorded activity call: the activity's name and its arguments. */
export type Call = [name: string, args: unknown[]];

/**
 * Wraps stub activities so that every call is recorded in order before the stub runs. `names()` lists the activities
 * called, `argsOf(name)` the first argument of each call to one of them.
 */
export function recording<S extends Record<string, unknown>>(stubs: S) {
  const calls: Call[] = [];
  const activities = Object.fromEntries(
    Object.entries(stubs).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push([name, args]);
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as S;
  const argsOf = <T>(name: string) => calls.filter(([n]) => n === name).map(([, a]) => a[0] as T);
  return { activities, calls, names: () => calls.map(([n]) => n), argsOf };
}
