import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../schema/failure-types';

const KNOWN_TYPES: ReadonlySet<string> = new Set(Object.values(FailureType));

/** The innermost error of a cause chain (an activity's own error sits under ActivityFailure, a child's under ChildWorkflowFailure). */
function innermost(err: unknown): unknown {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e;
}

/**
 * The failure that names what went wrong: the deepest ApplicationFailure typed with the project's vocabulary
 * (schema/failure-types.ts), else the innermost error. An activity's typed failure keeps the adapter error it came
 * from as its cause (for the stack trace); that cause must not hide the type.
 */
function meaningful(err: unknown): unknown {
  let typed: unknown;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ApplicationFailure && e.type && KNOWN_TYPES.has(e.type)) typed = e;
  }
  return typed ?? innermost(err);
}

/**
 * The failure that names the problem (see `meaningful`): its type (the ApplicationFailure type, else the error's name) and message,
 * what an engineer needs in notes, notifications and pipeline_runs. Pure, so workflows and the CLI read failures the
 * same way.
 */
export function describeFailure(err: unknown): { type: string; message: string } {
  const e = meaningful(err);
  const type = e instanceof ApplicationFailure ? (e.type ?? 'Error') : e instanceof Error ? e.name : 'Error';
  return { type, message: e instanceof Error ? e.message : String(e) };
}

/**
 * One line for a status field: `Type: message` of that failure when it is an ApplicationFailure with a type,
 * else its message alone; no stack, at most `max` characters. (The GDPR saga's step errors and rejection reasons.)
 */
export function failureLine(err: unknown, max = 500): string {
  const e = meaningful(err);
  const type = e instanceof ApplicationFailure && e.type ? `${e.type}: ` : '';
  return `${type}${e instanceof Error ? e.message : String(e)}`.slice(0, max);
}
