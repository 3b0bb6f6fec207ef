import { Context } from '@temporalio/activity';

/**
 * Heartbeats every `everyMs` while `work` runs, with the latest details `work` reported. A worker that dies is
 * then noticed within the activity's heartbeat timeout (tens of seconds) instead of its start-to-close timeout.
 */
export async function withHeartbeat<T>(
  work: (report: (details: unknown) => void) => Promise<T>,
  everyMs = 5_000,
): Promise<T> {
  const ctx = Context.current();
  let latest: unknown = undefined;
  const timer = setInterval(() => ctx.heartbeat(latest), everyMs);
  try {
    ctx.heartbeat(latest);
    return await work((details) => {
      latest = details;
    });
  } finally {
    clearInterval(timer);
  }
}
