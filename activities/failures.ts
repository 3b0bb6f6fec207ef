import { ApplicationFailure } from '@temporalio/activity';
import { isPlatformError } from '../adapters/errors';

/**
 * Maps adapter errors to Temporal failures: a PlatformError keeps its type and retryability (bad input and job-code
 * failures stop retrying; transient infrastructure retries); anything else is rethrown as-is (retryable).
 */
export async function asActivityFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isPlatformError(err)) {
      throw ApplicationFailure.create({
        type: err.type,
        message: err.message,
        nonRetryable: err.nonRetryable,
        details: Object.keys(err.details).length ? [err.details] : undefined,
        cause: err,
      });
    }
    throw err;
  }
}
