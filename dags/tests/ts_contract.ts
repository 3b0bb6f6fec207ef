import * as workflows from '../../workflows';
import { WORKFLOW_REGISTRY } from '../../workflows/registry';
import { TASK_QUEUES } from '../../workflows/task-queues';

/**
 * The TypeScript side of the DAG ↔ worker contract (dags/tests/test_workflow_contract.py).
 *
 * Usage: `tsx dags/tests/ts_contract.ts < starts.json`. stdin is a JSON array of workflow starts as the DAGs render
 * them, `{ "source": "<dag>.<task>", "workflowType": "…", "taskQueue": "…", "args": [...] }`; stdout the array of
 * `{ "source", "problems": [...] }` (empty when the start would reach a registered workflow on a served queue with an
 * input its zod schema accepts).
 */
interface Start {
  source: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
}

function check(start: Start): string[] {
  const problems: string[] = [];
  const exported = Object.keys(workflows);
  const registration = (
    WORKFLOW_REGISTRY as Record<string, (typeof WORKFLOW_REGISTRY)[keyof typeof WORKFLOW_REGISTRY]>
  )[start.workflowType];
  if (!exported.includes(start.workflowType) || !registration) {
    return [
      `workflow type ${start.workflowType} is not registered by the worker (it runs: ${exported.sort().join(', ')})`,
    ];
  }
  const served = Object.values(TASK_QUEUES) as string[];
  const expected = TASK_QUEUES[registration.taskQueue];
  if (!served.includes(start.taskQueue)) {
    problems.push(`task queue ${start.taskQueue} is not served by the worker (it polls ${served.join(', ')})`);
  } else if (start.taskQueue !== expected) {
    problems.push(`${start.workflowType} belongs on task queue ${expected}, not ${start.taskQueue}`);
  }
  if (start.args.length !== 1) {
    problems.push(`${start.workflowType} takes one argument, the DAG passes ${start.args.length}`);
  } else {
    const parsed = registration.input.safeParse(start.args[0]);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`argument ${issue.path.join('.') || '(input)'}: ${issue.message}`);
      }
    }
  }
  return problems;
}

async function main(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const starts = JSON.parse(text) as Start[];
  process.stdout.write(JSON.stringify(starts.map((s) => ({ source: s.source, problems: check(s) }))));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
