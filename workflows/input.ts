import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { FailureType } from '../schema/failure-types';

/**
 * Validates a workflow's input with its zod schema. Bad input is a non-retryable `InvalidInput` failure naming the
 * workflow and every field (`<workflow> input: a.b: message; …`), so the run fails at once with a readable reason.
 */
export function parseWorkflowInput<S extends z.ZodType>(workflow: string, schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({
    type: FailureType.InvalidInput,
    nonRetryable: true,
    message: `${workflow} input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
  });
}
