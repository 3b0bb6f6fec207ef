import { ApplicationFailure, sleep } from '@temporalio/workflow';

/**
 * The real backfill over a stand-in daily pipeline, for testing the backfill's own logic (bounded concurrency,
 * failure isolation, modes, attach, pause/resume, cancel, continue-as-new) in seconds instead of Spark minutes.
 * The stand-in's behaviour is keyed by the day of the month: 13 fails, 20 and later take 15 s, others ~1 s.
 */
export { userAnalyticsBackfill } from '../../../workflows/user-analytics-backfill';

export async function userAnalyticsDaily(input: { logicalDate: string }): Promise<{ logicalDate: string }> {
  const dom = Number(input.logicalDate.slice(8, 10));
  await sleep(dom >= 20 ? 15_000 : 1_000);
  if (dom === 13) throw ApplicationFailure.nonRetryable(`day ${input.logicalDate} is unlucky`, 'FakeDayFailed');
  return { logicalDate: input.logicalDate };
}
