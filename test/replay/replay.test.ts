import fs from 'node:fs';
import path from 'node:path';
import { type temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it, inject } from 'vitest';
import * as workflows from '../../workflows';

/**
 * Determinism guard: every committed history (test/histories/*.json, exported with
 * `temporal workflow show --output json`) must replay against today's workflow code. A change that would break
 * running workflows fails here; record a new history whenever a workflow changes shape.
 */
const dir = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

function workflowTypeOf(history: temporal.api.history.v1.IHistory): string {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
}

describe('replay of committed histories', () => {
  it('has a history for every exported workflow', () => {
    const exported = Object.keys(workflows);
    const recorded = files.map((f) =>
      workflowTypeOf(historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))),
    );
    for (const name of exported) expect(recorded, `no history in test/histories for ${name}`).toContain(name);
  });

  it.each(files)('%s replays deterministically', async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    const result = await Worker.runReplayHistory(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      history,
      file,
    );
    expect(result).toBeUndefined();
  });
});
