import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';

// The determinism rules are only worth something if they fire: lint synthetic workflow files and expect errors.
const eslint = new ESLint({ cwd: PROJECT_ROOT });
const lintWorkflow = async (code: string) => {
  const [result] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, 'workflows', 'lint-probe.ts') });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
};

describe('workflow lint rules', () => {
  it.each([
    ["import fs from 'node:fs';\nexport const x = fs;\n", /no Node built-ins/],
    ["import { Pool } from 'pg';\nexport const x = Pool;\n", /cloud clients, database drivers/],
    ["import { BigQuery } from '@google-cloud/bigquery';\nexport const x = BigQuery;\n", /cloud clients/],
    [
      "import { createHealthActivities } from '../activities/health';\nexport const x = createHealthActivities;\n",
      /only types/,
    ],
  ])('refuses %s', async (code, expected) => {
    expect((await lintWorkflow(code)).join('\n')).toMatch(expected);
  });

  it('allows type-only imports from activities', async () => {
    const messages = await lintWorkflow(
      "import type { HealthActivities } from '../activities/health';\nexport type X = HealthActivities;\n",
    );
    expect(messages).toEqual([]);
  });

  it('makes a floating promise an error everywhere', async () => {
    const [result] = await eslint.lintText('export async function f(g: () => Promise<void>) {\n  g();\n}\n', {
      filePath: path.join(PROJECT_ROOT, 'activities', 'lint-probe.ts'),
    });
    expect(result?.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-floating-promises');
  });
});
