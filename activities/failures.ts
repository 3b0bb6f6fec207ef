import { ApplicationFailure } from '@temporalio/activity';
import { isPlatformError } from '../adapters/errors';

/**
 * Maps an adapter error to a Temporal failure: a PlatformError becomes an ApplicationFailure that keeps its type,
 * retryability (bad input and job-code failures stop retrying; transient infrastructure retries) and details;
 * anything else is returned as-is (the SDK makes it a retryable failure named after the error).
 */
export function toActivityFailure(err: unknown): unknown {
  if (!isPlatformError(err)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: err.nonRetryable,
    details: Object.keys(err.details).length ? [err.details] : undefined,
    cause: err,
  });
}

/**
 * Runs `work`, converting what it throws with `toActivityFailure`. Workers apply the same conversion to every activity
 * through their interceptor (workers/activity-failures.ts), so activities need not call this; the GDPR activities
 * still do, until they are rewritten.
 */
export async function asActivityFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
