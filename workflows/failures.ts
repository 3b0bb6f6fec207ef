import { ApplicationFailure } from '@temporalio/common';

/**
 * The innermost failure of a cause chain (an activity's own error sits under ActivityFailure, a child's under
 * ChildWorkflowFailure): its type (the ApplicationFailure type, else the error's name) and message, what an engineer
 * needs in notes, notifications and pipeline_runs. Pure, so workflows and the CLI read failures the same way.
 */
export function describeFailure(err: unknown): { type: string; message: string } {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const type = e instanceof ApplicationFailure ? (e.type ?? 'Error') : e instanceof Error ? e.name : 'Error';
  return { type, message: e instanceof Error ? e.message : String(e) };
}
