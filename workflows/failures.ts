import { ApplicationFailure } from '@temporalio/common';

/** The innermost error of a cause chain (an activity's own error sits under ActivityFailure, a child's under ChildWorkflowFailure). */
function innermost(err: unknown): unknown {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e;
}

/**
 * The innermost failure of a cause chain: its type (the ApplicationFailure type, else the error's name) and message,
 * what an engineer needs in notes, notifications and pipeline_runs. Pure, so workflows and the CLI read failures the
 * same way.
 */
export function describeFailure(err: unknown): { type: string; message: string } {
  const e = innermost(err);
  const type = e instanceof ApplicationFailure ? (e.type ?? 'Error') : e instanceof Error ? e.name : 'Error';
  return { type, message: e instanceof Error ? e.message : String(e) };
}

/**
 * One line for a status field: `Type: message` of the innermost failure when it is an ApplicationFailure with a type,
 * else its message alone; no stack, at most `max` characters. (The GDPR saga's step errors and rejection reasons.)
 */
export function failureLine(err: unknown, max = 500): string {
  const e = innermost(err);
  const type = e instanceof ApplicationFailure && e.type ? `${e.type}: ` : '';
  return `${type}${e instanceof Error ? e.message : String(e)}`.slice(0, max);
}
