/**
 * Temporal side of the orchestration bench: a dev server of its own (SQLite file in the bench's temp dir, ports
 * away from the demo's and the tests'), and a Worker in this process running the chain workflows.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { temporalBinary } from '../../cli/dev/tools';
import { createChainActivities } from './activities';
import { freePort, progress, startService, waitFor, type Cleanup } from './processes';
import { chainStats, type ChainStats, type Interval } from './stats';
import type { activityChain, localActivityChain } from './workflows';

const WORKFLOWS_PATH = path.join(__dirname, 'workflows.ts');
const TASK_QUEUE = 'orchestration-bench';
const quiet = () => undefined;
const quietLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };
let bundle: Promise<{ code: string }> | undefined;

/** The workflow bundle, built once per process (webpack takes seconds) and shared by every worker. */
function workflowBundle(): Promise<{ code: string }> {
  if (!bundle) {
    // The SDK's runtime can be configured only before its first use: keep its log lines off the bench's output.
    Runtime.install({ logger: quietLogger });
    bundle = bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  }
  return bundle;
}

export interface TemporalServer {
  address: string;
  /** The `--dynamic-config-value` pairs it runs with (empty: the dev server's defaults). */
  dynamicConfig: string[];
  stop: () => Promise<void>;
}

/** `temporal server start-dev` (the pinned CLI) on `port`, headless, its SQLite file under `dir`. */
export async function startTemporalServer(
  cleanup: Cleanup,
  dir: string,
  name: string,
  dynamicConfig: string[] = [],
  extraArgs: string[] = [],
): Promise<TemporalServer> {
  const port = await freePort(57233);
  const uiPort = await freePort(58233);
  const args = ['server', 'start-dev', '--db-filename', path.join(dir, `${name}.db`), '--ip', '127.0.0.1'];
  args.push('--port', String(port), '--ui-port', String(uiPort), '--headless');
  for (const pair of dynamicConfig) args.push('--dynamic-config-value', pair);
  args.push(...extraArgs);
  const server = startService(`temporal (${name})`, temporalBinary(), args, {
    env: process.env,
    log: path.join(dir, `${name}.log`),
  });
  cleanup.add(server.name, () => server.stop(), server.kill);
  const address = `127.0.0.1:${port}`;
  await waitFor(
    `${server.name} at ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 60_000, failed: server.failure },
  );
  return { address, dynamicConfig, stop: () => server.stop() };
}

export interface TemporalResults {
  activities: ChainStats;
  localActivities?: ChainStats;
}

/**
 * Runs each chain `warmup + runs` times, one after the other, on a Worker in this process; the warm-up runs are
 * discarded (first workflow task compiles the bundle into the V8 isolate, opens the pollers' streams).
 */
export async function benchTemporal(
  server: TemporalServer,
  options: { steps: number; runs: number; warmup: number; local: boolean },
): Promise<TemporalResults> {
  const { code } = await workflowBundle();
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowBundle: { code },
      activities: createChainActivities(),
      // Only one run at a time; an explicit cap keeps the cache from growing with the number of runs.
      maxCachedWorkflows: 10,
    });
    return await worker.runUntil(async () => {
      const chain = async (workflow: 'activityChain' | 'localActivityChain', label: string) => {
        const runs: Interval[][] = [];
        for (let i = 0; i < options.warmup + options.runs; i++) {
          // Both chains share one signature; the name picks which.
          const steps = await client.workflow.execute<typeof activityChain | typeof localActivityChain>(workflow, {
            taskQueue: TASK_QUEUE,
            workflowId: `orchestration-bench-${label}-${Date.now()}-${i}`,
            args: [options.steps],
          });
          if (i >= options.warmup) runs.push(steps);
        }
        const stats = chainStats(runs);
        progress(
          `temporal ${label}${server.dynamicConfig.length ? ' (' + server.dynamicConfig.join(' ') + ')' : ''}: ${stats.perStepMs.toFixed(1)} ms/step`,
        );
        return stats;
      };
      const activities = await chain('activityChain', 'activities');
      const localActivities = options.local ? await chain('localActivityChain', 'local-activities') : undefined;
      return { activities, localActivities };
    });
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}
