import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { describeFailure, failureLine } from '../../workflows/failures';

/** What a workflow sees when an activity throws a PlatformError through the worker's interceptor. */
function activityFailure(type: string, message: string): ActivityFailure {
  // The interceptor keeps the adapter error as the cause; over the wire it arrives as an untyped-vocabulary failure.
  const adapterError = ApplicationFailure.create({ type: 'PlatformError', message });
  const typed = ApplicationFailure.create({ type, message, cause: adapterError });
  return new ActivityFailure(
    'activity failed',
    'extractTable',
    '7',
    RetryState.NON_RETRYABLE_FAILURE,
    undefined,
    typed,
  );
}

describe('describeFailure', () => {
  it('names the typed failure, not the adapter error kept as its cause', () => {
    expect(describeFailure(activityFailure('NotFound', 'no such table'))).toEqual({
      type: 'NotFound',
      message: 'no such table',
    });
    expect(failureLine(activityFailure('SparkJobFailed', 'exit 1'))).toBe('SparkJobFailed: exit 1');
  });

  it('falls back to the innermost error when no failure carries a known type', () => {
    const err = new ActivityFailure(
      'activity failed',
      'x',
      '1',
      RetryState.MAXIMUM_ATTEMPTS_REACHED,
      undefined,
      new TypeError('boom'),
    );
    expect(describeFailure(err)).toEqual({ type: 'TypeError', message: 'boom' });
    expect(failureLine(err)).toBe('boom');
  });
});
