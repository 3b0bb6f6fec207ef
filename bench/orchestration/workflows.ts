// Workflows of the orchestration bench (bundled on their own by bench/orchestration/temporal.ts). Deterministic
// code only: the activity module is imported for its types.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ChainActivities, StepTimes } from './activities';

/** A no-op step fails only if the worker is gone: a short timeout surfaces that instead of hanging the bench. */
const noopStep = { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } } as const;

const regular = proxyActivities<ChainActivities>(noopStep);
const local = proxyLocalActivities<ChainActivities>(noopStep);

/** `steps` no-op activities one after the other, each dispatched through the server's task queue. */
export async function activityChain(steps: number): Promise<StepTimes[]> {
  const times: StepTimes[] = [];
  for (let i = 0; i < steps; i++) times.push(await regular.noopStep());
  return times;
}

/** The same chain as local activities: run by the worker inside the workflow task, no server round trip per step. */
export async function localActivityChain(steps: number): Promise<StepTimes[]> {
  const times: StepTimes[] = [];
  for (let i = 0; i < steps; i++) times.push(await local.noopStep());
  return times;
}
