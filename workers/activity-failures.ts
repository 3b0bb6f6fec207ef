import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { asActivityFailure } from '../activities/failures';

/**
 * Converts what any activity throws into the platform's typed failures (activities/failures.ts): a PlatformError
 * becomes an ApplicationFailure with its type and retryability, anything else passes through. Registered on every
 * worker (create-workers.ts), so activities throw adapter errors as they are.
 */
export const activityFailureInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: { execute: (input, next) => asActivityFailure(() => next(input)) },
});
